"""The stored ``Assessed`` (v2 and two fields more) says everything v1 said: the API's v1 built
from it equals v1 built from the assessment, field by field and in order; a stream written in
v1's shape before it replays, answers and publishes as it did."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import (
    ADULT,
    RULES,
    T0,
    consume_events,
    household,
    published,
    registered,
    transactions,
    verified,
)
from faemban_assessment.adapters.event_store import public_view
from faemban_assessment.domain import events as ev
from faemban_assessment.domain import facts as f
from faemban_assessment.domain.assessment import assess
from faemban_assessment.service_layer import handlers
from faemban_domain.events.contracts import (
    HouseholdRegisteredV1,
    IndicatorAssessedV1,
    IndicatorAssessedV2,
    MemberFacts,
)
from faemban_domain.eventsourcing.records import RecordedEvent
from faemban_domain.eventsourcing.tables import event_store
from faemban_domain.platform.auth import Principal

READER_PROVINCE = Principal(sub="p1", roles=frozenset({"province_officer"}), areas=("34",))
ORDER = [i.code for i in RULES.indicators]
HEAD = {
    "household_id": "H1",
    "area_code": "34070101",
    "as_of": "2025-01-10T03:00:00Z",
    "cause": "verified",
    "outcome": "none",
}


def _tpmap(flags: list[str], elderly: int, disabled: int) -> f.HouseholdFacts:
    data = HouseholdRegisteredV1.model_validate(
        {
            "household_id": "H1",
            "area_code": "34070101",
            "cohort_year": 2024,
            "source": "tpmap",
            "members": 3,
            "welfare_card_holders": 1,
            "elderly": elderly,
            "disabled": disabled,
            "chronically_ill": 0,
            "tpmap_failing_indicators": flags,
            "total_income": None,
            "average_income": None,
        }
    )
    return f.registered(data)


HOUSEHOLDS = {
    "verified, nothing failing": household([], [ADULT], 200_000),
    "verified, income unknown": household(["living.tidy_home"], [ADULT], None),
    "verified, poor and dependants": household(
        ["living.housing_security", "education.compulsory", "income.working_age_job"],
        [
            MemberFacts(age=70, welfare_card=True, annual_income=8_400),
            MemberFacts(age=48, physical_status="disabled"),
            MemberFacts(age=9),
        ],
        2_800,
    ),
    "TPMAP counts only": _tpmap(["living.housing_security", "health.food_safety"], elderly=2, disabled=1),
    "TPMAP, no flags": _tpmap([], elderly=0, disabled=0),
}


@pytest.mark.parametrize("facts", HOUSEHOLDS.values(), ids=HOUSEHOLDS.keys())
def test_v1_from_the_record_is_v1_from_the_assessment(facts: f.HouseholdFacts) -> None:
    a = assess(facts, RULES)
    v1 = IndicatorAssessedV1.model_validate({**HEAD, **a.to_json()})
    record = ev.Assessed.model_validate({**HEAD, **a.to_record_json()})
    expected = v1.model_dump(mode="json")
    # the same JSON, key order of the indicators included
    assert json.dumps(record.to_v1(ORDER)) == json.dumps(expected)
    # a stream's old v1-shaped event reads as the same record
    assert ev.Assessed.of_v1(v1) == record
    # what is published: v2 of the v1, exactly the record without what stays here
    published_part = {k: v for k, v in record.model_dump(mode="json").items() if k not in ev.KEPT_HERE}
    assert IndicatorAssessedV2.model_validate(published_part).model_dump(mode="json") == (
        IndicatorAssessedV2.model_validate(IndicatorAssessedV2.from_v1(expected)).model_dump(mode="json")
    )
    assert len(json.dumps(record.model_dump(mode="json"))) < len(json.dumps(expected))


def test_indicators_unknown_to_the_order_come_after_it_sorted() -> None:
    record = ev.Assessed.model_validate(
        {**HEAD, **assess(HOUSEHOLDS["TPMAP, no flags"], RULES).to_record_json()}
    )
    codes = list(record.to_v1(ORDER[5:])["indicator_results"])
    assert codes == ORDER[5:] + sorted(ORDER[:5])


async def _stored(engine: AsyncEngine, hid: str) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(event_store.c.event_type, event_store.c.data)
            .where(event_store.c.stream_id == f"assessment-{hid}")
            .order_by(event_store.c.version)
        )
        return [(t, d) for t, d in rows]


async def test_a_stream_written_in_v1s_shape_replays_answers_and_publishes_as_before(
    engine: AsyncEngine,
) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=20_000)
    first = verified("H1", [adult], ["living.tidy_home"], when=1)
    await consume_events(engine, [registered("H1"), first])
    history = await transactions(engine).read(
        handlers.history, READER_PROVINCE, handlers.HouseholdQuery("H1")
    )
    before = await published(engine)
    assert [t for t, _ in await _stored(engine, "H1")] == [
        "FactsRecorded",
        "AssessedCompact",
        "FactsRecorded",
        "AssessedCompact",
    ]
    # Rewrite the stream as the previous version of the service wrote it: v1's shape, under "Assessed".
    async with engine.begin() as conn:
        for i, answered in enumerate(history):
            await conn.execute(
                event_store.update()
                .where(event_store.c.stream_id == "assessment-H1", event_store.c.version == 2 * i + 2)
                .values(event_type="Assessed", data=answered)
            )
    assert (
        await transactions(engine).read(handlers.history, READER_PROVINCE, handlers.HouseholdQuery("H1"))
        == history
    )
    current = await transactions(engine).read(
        handlers.current_assessment, READER_PROVINCE, handlers.HouseholdQuery("H1")
    )
    assert current.model_dump(mode="json") == history[-1]
    # An old row published again (the relay reading the store from an earlier position) is the same v2.
    old_type, old_data = (await _stored(engine, "H1"))[3]
    view = public_view(RecordedEvent("assessment-H1", 4, None, "e", old_type, old_data, {}, T0))
    assert view is not None and view.type == before[-1].type and view.data == before[-1].data
    # The same verification again changes nothing: compared across the two shapes, nothing is recorded.
    await consume_events(engine, [verified("H1", [adult], ["living.tidy_home"], when=2)])
    assert len(await published(engine)) == len(before)
    # A verification that changes the result is recorded in the new shape after the old ones.
    await consume_events(
        engine, [verified("H1", [adult.model_copy(update={"annual_income": 90_000})], [], when=3)]
    )
    types = [t for t, _ in await _stored(engine, "H1")]
    assert types[:4] == ["FactsRecorded", "Assessed", "FactsRecorded", "Assessed"]
    assert types[-1] == "AssessedCompact"
    after = await published(engine)
    assert after[-1].type == "th.faemban.indicator.assessed.v2" and after[-1].data["failing_indicators"] == []
