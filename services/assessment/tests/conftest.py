"""Assessment unit tests: a SQLite file with the platform's and the assessment's tables,
and registry events built the way the registry publishes them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_assessment.adapters.event_store import store
from faemban_assessment.adapters.tables import metadata as assessment_tables
from faemban_assessment.domain import facts as f
from faemban_assessment.service_layer import handlers
from faemban_assessment.service_layer.unit_of_work import AssessmentUnitOfWork
from faemban_domain import indicators
from faemban_domain.events.contracts import MemberFacts
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.tables import metadata as platform_tables
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.unit_of_work import Transactions
from faemban_domain.testing import published_records

T0 = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)
RULES = indicators.rule_set(2024)
ADULT = MemberFacts(age=40, has_occupation=True, annual_income=200_000)


def household(
    failing: Sequence[str] = (),
    members: list[MemberFacts] | None = None,
    average_income: float | None = 200_000,
    welfare_card: bool = False,
) -> f.HouseholdFacts:
    """A verified household: the listed indicators fail, every other one is met where it applies."""
    people = [ADULT] if members is None else members
    if welfare_card:
        people = [people[0].model_copy(update={"welfare_card": True}), *people[1:]]
    return f.HouseholdFacts(
        area_code="34070101",
        survey_year=2024,
        findings={c: ("fails" if c in failing else "met", "field") for c in RULES.codes},
        members=tuple(people),
        average_income=average_income,
    )


REGISTRY = "faemban/registry"


@pytest.fixture()
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(platform_tables.create_all)
        await conn.run_sync(assessment_tables.create_all)
    yield engine
    await engine.dispose()


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def registered(hid: str, area: str = "34070101", when: float = 0, **data: Any) -> CloudEvent:
    return CloudEvent(
        source=REGISTRY,
        type="th.faemban.household.registered.v1",
        subject=hid,
        time=at(when),
        areacode=area,
        data={
            "household_id": hid,
            "area_code": area,
            "cohort_year": 2024,
            "source": "tpmap",
            "members": 1,
            "welfare_card_holders": 0,
            "elderly": 0,
            "disabled": 0,
            "chronically_ill": 0,
            "tpmap_failing_indicators": [],
            **data,
        },
    )


def verified(
    hid: str,
    members: Sequence[MemberFacts],
    failing: Sequence[str] = (),
    when: float = 1,
    area: str = "34070101",
    survey_year: int = 2024,
    total_income: float | None = None,
) -> CloudEvent:
    """A verification as the registry records it: every indicator, failing or met or not applicable."""
    from faemban_domain.applicability import applies
    from faemban_domain.income import income_of

    rules = indicators.rule_set(survey_year)
    results = {
        i.code: {
            "result": "fails" if i.code in failing else ("met" if applies(i, members) else "not_applicable"),
            "established_by": "new" if i.code in failing else "tpmap_unflagged",
        }
        for i in rules.indicators
    }
    total, average = income_of(members, total_income)
    return CloudEvent(
        source=REGISTRY,
        type="th.faemban.household.verified.v1",
        subject=hid,
        time=at(when),
        areacode=area,
        data={
            "household_id": hid,
            "area_code": area,
            "survey_year": survey_year,
            "indicator_results": results,
            "verification_category": None,
            "field_status": "lives_here",
            "household_type": "develop",
            "members": [m.model_dump(mode="json") for m in members],
            "total_income": total,
            "average_income": average,
            "verified_at": at(when).isoformat(),
        },
    )


def registry_event(type_: str, hid: str, when: float, **data: Any) -> CloudEvent:
    return CloudEvent(
        source=REGISTRY,
        type=f"th.faemban.household.{type_}.v1",
        subject=hid,
        time=at(when),
        data={"household_id": hid, **data},
    )


def plan_event(type_: str, hid: str, when: float, **data: Any) -> CloudEvent:
    return CloudEvent(
        source="faemban/planning",
        type=f"th.faemban.plan.{type_}.v1",
        subject=hid,
        time=at(when),
        data={"household_id": hid, "area_code": "34070101", "plan_id": "P1", **data},
    )


async def published(engine: AsyncEngine) -> list[CloudEvent]:
    """What the relay publishes to the topic, in order."""
    return [CloudEvent.from_json_bytes(r.value) for r in await published_records(engine, store)]


ADMIN = Principal(sub="admin", roles=frozenset({"admin"}), areas=())


def transactions(engine: AsyncEngine) -> Transactions[AssessmentUnitOfWork]:
    """Units of work on the test database, as the service builds them."""
    return Transactions(engine.begin, engine.connect, AssessmentUnitOfWork)


async def consume_events(engine: AsyncEngine, events: Sequence[CloudEvent]) -> None:
    """What the assessment consumer does with a batch, in one transaction."""
    async with transactions(engine).writing() as uow:
        await handlers.assess_events(uow, list(events))
