"""Through the handlers on SQLite: Mrs Samorn, history "as of", new survey-year rules,
nothing re-published for unchanged facts, attestation and the outcome ladder."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import (
    ADMIN,
    at,
    consume_events,
    plan_event,
    published,
    registered,
    registry_event,
    transactions,
    verified,
)
from faemban_assessment.service_layer import handlers
from faemban_domain.errors import NotFound, StateConflict
from faemban_domain.events.contracts import MemberFacts
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.settings import catalogue_settings

DISTRICT = Principal(sub="d1", roles=frozenset({"district_officer"}), areas=("3407",))
READER = Principal(sub="p1", roles=frozenset({"province_officer"}), areas=("34",))

SAMORN = [
    MemberFacts(age=70, sex="female", welfare_card=True, elderly_allowance=True, annual_income=8_400),
    MemberFacts(age=48, sex="male", physical_status="disabled"),
    MemberFacts(age=14, sex="male"),
]
SAMORN_FAILING = [
    "education.compulsory",
    "living.housing_security",
    "living.tidy_home",
    "access.disabled_care",
]


async def consume(engine: AsyncEngine, *events: CloudEvent) -> None:
    await consume_events(engine, events)


async def history(engine: AsyncEngine, hid: str) -> list[dict[str, Any]]:
    return await transactions(engine).read(handlers.history, READER, handlers.HouseholdQuery(hid))


async def attest(engine: AsyncEngine, who: Principal, hid: str, reason: str, when: datetime) -> Any:
    command = handlers.AttestSufficiency(hid, reason, when)
    return await transactions(engine).run(handlers.attest_sufficiency, who, command)


async def as_of(engine: AsyncEngine, hid: str, instant: datetime) -> Mapping[str, Any]:
    query = handlers.HouseholdQuery(hid, instant)
    return await transactions(engine).read(handlers.assessment_as_of, READER, query)


async def test_mrs_samorn_is_critical_level_3_then_survives_after_re_verification(
    engine: AsyncEngine,
) -> None:
    await consume(
        engine,
        registered("SAMORN", source="exclusion_error", members=3),
        verified("SAMORN", SAMORN, SAMORN_FAILING),
    )
    [first, second] = await history(engine, "SAMORN")
    assert first["cause"] == "registered" and second["cause"] == "verified"
    assert second["average_income"] == 2_800
    assert second["deprived_dimensions"] == ["living", "education", "income", "access"]
    assert second["critical"] and second["mpi_poor"]
    assert second["vulnerability_level"] == 3 and second["dependants"] == 3
    assert second["survive"] is False and second["outcome"] == "none"

    # The son finds work with care from the sub-district, the house is repaired and tidied:
    # income, living and health are no longer deprived (education still is).
    son = SAMORN[1].model_copy(update={"annual_income": 120_000, "has_occupation": True})
    await consume(engine, verified("SAMORN", [SAMORN[0], son, SAMORN[2]], ["education.compulsory"], when=40))
    latest = (await history(engine, "SAMORN"))[-1]
    assert latest["deprived_dimensions"] == ["education"]
    assert latest["survive"] is True and latest["outcome"] == "survive"
    assert latest["average_income"] == pytest.approx(42_800)
    assert not latest["critical"]


async def test_as_of_answers_the_assessment_in_force_at_an_instant(engine: AsyncEngine) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=20_000)
    await consume(engine, registered("H1"), verified("H1", [adult], ["living.tidy_home"], when=1))
    await consume(engine, verified("H1", [adult.model_copy(update={"annual_income": 50_000})], [], when=30))
    before = await as_of(engine, "H1", at(29))
    exactly = await as_of(engine, "H1", at(30))
    after = await as_of(engine, "H1", at(400))
    with pytest.raises(Exception, match="no assessment"):
        await as_of(engine, "H1", at(-1))
    assert before["failing_indicators"] == ["living.tidy_home", "income.average_income"]
    assert exactly["failing_indicators"] == [] and after == exactly


async def test_a_new_survey_year_with_a_higher_threshold_reassesses_without_losing_history(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=39_000)
    await consume(engine, registered("H39"), verified("H39", [adult], [], when=1))
    await consume(
        engine,
        registered("H50", when=0),
        verified("H50", [adult.model_copy(update={"annual_income": 50_000})], when=1),
    )
    monkeypatch.setenv(
        "FAEMBAN_RULE_SETS",
        json.dumps(
            {
                "rule_sets": [
                    {"effective_from_survey_year": 2030, "based_on": 2019, "income_threshold_baht": 40_000}
                ]
            }
        ),
    )
    catalogue_settings.cache_clear()
    reassessed_at = at(100)
    engine_tx = transactions(engine)
    report = await handlers.reassess_all(engine_tx, ADMIN, handlers.Reassess(2030, reassessed_at, batch=1))
    assert report.households == 2
    assert report.reassessed == 2  # a new survey year is a new yearly assessment for everyone
    assert report.rules.startswith("2030:")
    old = await as_of(engine, "H39", reassessed_at - timedelta(seconds=1))
    new = await as_of(engine, "H39", reassessed_at)
    other = await as_of(engine, "H50", reassessed_at)
    assert old["indicator_results"]["income.average_income"]["result"] == "met"
    assert old["survey_year"] == 2024 and old["rules"].startswith("2019:")
    assert new["indicator_results"]["income.average_income"]["result"] == "fails"
    assert new["survey_year"] == 2030 and new["cause"] == "reassessed"
    assert other["indicator_results"]["income.average_income"]["result"] == "met"

    # The same rules again: nothing changed, nothing recorded or published.
    count = len(await published(engine))
    again = await handlers.reassess_all(engine_tx, ADMIN, handlers.Reassess(2030, at(101)))
    assert again.reassessed == 0 and len(await published(engine)) == count


async def test_unchanged_facts_are_not_republished(engine: AsyncEngine) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=20_000)
    first = verified("H1", [adult], ["living.tidy_home"], when=1)
    await consume(engine, registered("H1"), first)
    count = len(await published(engine))
    # The same verification recorded again (a new event id), and a duplicate of the same event.
    await consume(engine, verified("H1", [adult], ["living.tidy_home"], when=2), first)
    assert len(await published(engine)) == count
    # A fact that changes nothing in the result: recorded, not published.
    await consume(engine, registry_event("details-recorded", "H1", 3, area_code="34070101", members=[]))
    assert len(await published(engine)) == count
    # A move changes the published area: published.
    await consume(engine, registry_event("moved", "H1", 4, from_area_code="34070101", area_code="34070201"))
    out = await published(engine)
    assert (
        len(out) == count + 1 and out[-1].data["area_code"] == "34070201" and out[-1].data["cause"] == "moved"
    )


async def test_member_changes_reassess(engine: AsyncEngine) -> None:
    roster = [
        {
            "member_id": "M1",
            "relation": "head",
            "facts": MemberFacts(age=40, annual_income=90_000).model_dump(),
        },
        {"member_id": "M2", "relation": "parent", "facts": MemberFacts(age=75).model_dump()},
    ]
    await consume(
        engine,
        registered("H1"),
        registry_event("details-recorded", "H1", 1, area_code="34070101", members=roster),
    )
    [*_, before] = await history(engine, "H1")
    assert before["dependants"] == 1 and before["average_income"] == 45_000
    assert "access.elderly_care" in before["applicable_indicators"]
    child = {"member_id": "M3", "relation": "child", "facts": MemberFacts(age=4).model_dump()}
    await consume(
        engine,
        registry_event("member-added", "H1", 2, area_code="34070101", member=child, members=3),
        registry_event(
            "member-left", "H1", 3, area_code="34070101", member_id="M2", reason="deceased", members=2
        ),
    )
    [*_, after] = await history(engine, "H1")
    assert after["cause"] == "members_changed"
    assert after["dependants"] == 1 and after["average_income"] == 45_000
    assert "education.preschool" in after["applicable_indicators"]
    assert "access.elderly_care" not in after["applicable_indicators"]


async def test_attestation_needs_survival_and_lapses_when_the_household_falls_back(
    engine: AsyncEngine,
) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=60_000)
    await consume(engine, registered("H1"), verified("H1", [adult], ["living.tidy_home"], when=1))
    with pytest.raises(StateConflict):
        await transactions(engine).run(
            handlers.attest_sufficiency, DISTRICT, handlers.AttestSufficiency("H1", "ok", at(2))
        )
    await consume(engine, verified("H1", [adult], [], when=3))
    attested = await transactions(engine).run(
        handlers.attest_sufficiency, DISTRICT, handlers.AttestSufficiency("H1", "พอเพียง", at(4))
    )
    assert attested.outcome == "sufficient" and attested.cause == "sufficiency_attested"
    assert "พอเพียง" not in json.dumps([e.data for e in await published(engine)], ensure_ascii=False)
    await consume(engine, verified("H1", [adult], ["health.food_safety"], when=5))
    await consume(engine, verified("H1", [adult], [], when=6))
    [*_, fell, back] = await history(engine, "H1")
    assert fell["outcome"] == "none" and back["outcome"] == "survive"  # the attestation lapsed
    outsider = Principal(sub="d2", roles=frozenset({"district_officer"}), areas=("3408",))
    with pytest.raises(NotFound):  # outside the area: as if it did not exist
        await transactions(engine).run(
            handlers.attest_sufficiency, outsider, handlers.AttestSufficiency("H1", "ok", at(7))
        )


@pytest.fixture
def two_survey_years(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FAEMBAN_RULE_SETS",
        json.dumps(
            {
                "rule_sets": [
                    {"effective_from_survey_year": 2025, "based_on": 2019},
                    {"effective_from_survey_year": 2026, "based_on": 2019},
                ]
            }
        ),
    )
    catalogue_settings.cache_clear()


@pytest.mark.usefixtures("two_survey_years")
async def test_sustainable_after_two_surviving_yearly_assessments_after_the_plan_closed(
    engine: AsyncEngine,
) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=60_000)
    await consume(engine, registered("H1"), verified("H1", [adult], ["living.tidy_home"], when=1))
    await consume(engine, plan_event("created", "H1", 2, mentor_team_id="T1", items=[]))
    await consume(engine, verified("H1", [adult], [], when=50))  # survives while the plan is open
    await consume(engine, plan_event("closed", "H1", 60, closed_at=at(60).isoformat()))
    assert (await history(engine, "H1"))[-1]["outcome"] == "survive"
    await handlers.reassess_all(
        transactions(engine), ADMIN, handlers.Reassess(2025, at(300))
    )  # first yearly assessment after
    assert (await history(engine, "H1"))[-1]["outcome"] == "survive"
    await handlers.reassess_all(
        transactions(engine), ADMIN, handlers.Reassess(2026, at(665))
    )  # second, the year after
    last = (await history(engine, "H1"))[-1]
    assert last["outcome"] == "sustainable" and last["survey_year"] == 2026


@pytest.mark.usefixtures("two_survey_years")
async def test_a_closing_that_arrives_after_the_next_years_assessment_still_counts_it(
    engine: AsyncEngine,
) -> None:
    """Planning's topic is not ordered with the registry's: the closing (day 60) may arrive
    after the verification it precedes (day 300). That verification still counts."""
    adult = MemberFacts(age=40, has_occupation=True, annual_income=60_000)
    await consume(engine, registered("H1"), verified("H1", [adult], ["living.tidy_home"], when=1))
    await consume(engine, plan_event("created", "H1", 2, mentor_team_id="T1", items=[]))
    await consume(engine, verified("H1", [adult], [], when=300, survey_year=2025))
    await consume(engine, plan_event("closed", "H1", 60, closed_at=at(60).isoformat()))
    assert (await history(engine, "H1"))[-1]["outcome"] == "survive"
    await consume(engine, verified("H1", [adult], [], when=665, survey_year=2026))
    last = (await history(engine, "H1"))[-1]
    assert last["outcome"] == "sustainable" and last["survey_year"] == 2026


@pytest.mark.usefixtures("two_survey_years")
async def test_a_closing_that_arrives_after_both_years_makes_the_household_sustainable_then(
    engine: AsyncEngine,
) -> None:
    adult = MemberFacts(age=40, has_occupation=True, annual_income=60_000)
    await consume(engine, registered("H1"), verified("H1", [adult], ["living.tidy_home"], when=1))
    await consume(engine, plan_event("created", "H1", 2, mentor_team_id="T1", items=[]))
    await consume(engine, verified("H1", [adult], [], when=300, survey_year=2025))
    await consume(engine, verified("H1", [adult], [], when=665, survey_year=2026))
    assert (await history(engine, "H1"))[-1]["outcome"] == "survive"
    await consume(engine, plan_event("closed", "H1", 60, closed_at=at(60).isoformat()))
    recorded = await history(engine, "H1")
    before, last = recorded[-2:]
    assert last["outcome"] == "sustainable" and last["cause"] == "reassessed"
    assert last["as_of"] == before["as_of"]  # as of the assessment it re-derives, not the closing
    published_outcomes = [e.data.get("outcome") for e in await published(engine)]
    assert published_outcomes[-1] == "sustainable"
    # the same closing again (a redelivery) records nothing new
    await consume(engine, plan_event("closed", "H1", 60, closed_at=at(60).isoformat()))
    assert await history(engine, "H1") == recorded
