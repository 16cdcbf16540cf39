"""Household aggregate rules (unit, through the handlers with an in-memory store)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.errors import InvalidInput, OutOfScope
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.unit_of_work import Transactions
from faemban_registry.adapters.event_store import public_view
from faemban_registry.domain.household import Household, Registration
from faemban_registry.service_layer import households
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork

TEAM = Principal("team-1", frozenset({"ops_team"}), ("340101",))


def reg(**over: object) -> Registration:
    base: dict[str, object] = dict(
        area_code="34010105",
        cohort_year=2019,
        source="tpmap",
        members=4,
        welfare_card_holders=2,
        elderly=1,
        total_income=120000.0,
        tpmap_failing_indicators=("income.average_income",),
    )
    base.update(over)
    return Registration(**base)  # type: ignore[arg-type]


def test_registration_records_one_event_with_average_income() -> None:
    h = Household.register("H1", reg())
    [ev] = h.collect_pending()
    assert ev.type == "HouseholdRegistered"
    assert ev.data["average_income"] == 30000.0 and ev.data["area_code"] == "34010105"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"area_code": "349999"}, "area_code"),
        ({"area_code": "34"}, "area_code"),
        ({"members": 0}, "members"),
        ({"welfare_card_holders": 5}, "welfare_card_holders"),
        ({"elderly": -1}, "elderly"),
        ({"cohort_year": 2562}, "cohort_year"),
        ({"tpmap_failing_indicators": ("income.nope",)}, "tpmap_failing_indicators[0]"),
        ({"source": "rumour"}, "source"),
    ],
)
def test_bad_registration_names_the_field(override: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Household.register("H1", reg(**override))
    assert field in [e.field for e in err.value.errors]


def test_field_status_change_is_recorded_once() -> None:
    h = Household.register("H1", reg())
    h.record_field_status("lives_here")
    h.record_field_status("lives_here")
    assert [e.type for e in h.collect_pending()] == ["HouseholdRegistered", "HouseholdFieldStatusRecorded"]


def test_public_view_is_the_contract() -> None:
    from datetime import UTC, datetime

    from faemban_domain.eventsourcing.store import RecordedEvent

    h = Household.register("H1", reg())
    [ev] = h.collect_pending()
    pub = public_view(
        RecordedEvent("household-H1", 1, 1, ev.event_id, ev.type, ev.data, {}, datetime.now(UTC))
    )
    assert pub is not None and pub.type == "th.faemban.household.registered.v1" and pub.subject == "H1"


async def test_handlers_check_area_scope_and_duplicates(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    await registry.run(households.register_household, TEAM, households.RegisterHousehold(reg(), "H1"))
    with pytest.raises(InvalidInput, match="already registered"):
        await registry.run(households.register_household, TEAM, households.RegisterHousehold(reg(), "H1"))
    with pytest.raises(OutOfScope) as err:
        await registry.run(
            households.register_household, TEAM, households.RegisterHousehold(reg(area_code="34010201"), "H2")
        )
    assert err.value.area_code == "34010201"
    h = await registry.run(
        households.record_field_status, TEAM, households.RecordFieldStatus("H1", field_status="moved_away")
    )
    assert h.version == 2 and h.field_status == "moved_away"
    again = await registry.read(households.get_household, TEAM, households.HouseholdRef("H1"))
    assert again.version == 2 and again.registration is not None and again.registration.members == 4
    await engine.dispose()
