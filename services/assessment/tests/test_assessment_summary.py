"""Area measures from the projected counters: Alkire–Foster by hand, moves, stale events,
the priority order, and the same counters after a replay."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import consume_events, published, registered, registry_event, verified
from faemban_assessment.adapters.summary_projection import project_assessed, project_assessed_batch
from faemban_assessment.adapters.tables import assessment_area_counts, assessment_current
from faemban_assessment.service import SUMMARY
from faemban_assessment.service_layer import queries
from faemban_domain.events.contracts import MemberFacts
from faemban_domain.events.envelope import CloudEvent

POOR = MemberFacts(age=40, has_occupation=True, annual_income=10_000)  # average income fails
RICH = MemberFacts(age=40, has_occupation=True, annual_income=200_000)
# One adult of 40: health 1/15 per indicator (food, medicine, exercise), living 1/20, education
# only literacy (1/5), income job and average (1/10 each), access nothing applies.
AREA = {
    "A0": (RICH, []),  # c = 0
    "A1": (RICH, ["health.food_safety"]),  # c = 1/15
    "A2": (RICH, ["education.literacy"]),  # c = 1/5
    "A3": (POOR, ["education.literacy", "income.working_age_job"]),  # 1/5 + 1/10 + 1/10 = 2/5
    # 2/5 + 3 × 1/15 = 3/5
    "A4": (POOR, ["education.literacy", "income.working_age_job", "health.food_safety",
                  "health.medicine_use", "health.exercise"]),
}  # fmt: skip


async def _assess_and_project(engine: AsyncEngine, events: Sequence[CloudEvent], batch: bool = True) -> None:
    await consume_events(engine, events)
    await _project(engine, batch)


async def _project(engine: AsyncEngine, batch: bool = True) -> None:
    """Project what the relay publishes (as the summary consumer would receive it)."""
    out = await published(engine)
    async with engine.begin() as conn:
        if batch:
            await project_assessed_batch(conn, out, SUMMARY.tables)
        else:
            for e in out:
                await project_assessed(conn, e, SUMMARY.tables)


async def _area(engine: AsyncEngine) -> None:
    events = []
    for hid, (member, failing) in AREA.items():
        events += [registered(hid, "34070101"), verified(hid, [member], failing, area="34070101")]
    await _assess_and_project(engine, events)


async def test_alkire_foster_measures_match_the_hand_computation(engine: AsyncEngine) -> None:
    await _area(engine)
    async with engine.connect() as conn:
        default = await queries.summary(conn, "3407", "subdistrict", None, None)
        third = await queries.summary(conn, "3407", "subdistrict", None, Fraction(1, 3))
        exact = await queries.summary(conn, "3407", "subdistrict", None, Fraction(2, 5))
    [row] = default["rows"]
    assert row["area_code"] == "340701" and row["households"] == 5
    # Default (the TPMAP rule: any failing indicator, c > 0): 4 of 5 households.
    # H = 4/5; A = (1/15 + 1/5 + 2/5 + 3/5) / 4 = (19/15) / 4 = 19/60; M0 = 4/5 × 19/60 = 19/75.
    af = row["alkire_foster"]
    assert af["poor"] == 4
    assert af["H"] == pytest.approx(0.8, abs=1e-9)
    assert af["A"] == pytest.approx(19 / 60, abs=1e-9)
    assert af["M0"] == pytest.approx(19 / 75, abs=1e-9)
    # k = 1/3: A3 (2/5) and A4 (3/5). H = 2/5; A = (2/5 + 3/5) / 2 = 1/2; M0 = 1/5.
    af = third["rows"][0]["alkire_foster"]
    assert (af["poor"], af["k"]) == (2, "1/3")
    assert af["H"] == pytest.approx(0.4, abs=1e-9)
    assert af["A"] == pytest.approx(0.5, abs=1e-9)
    assert af["M0"] == pytest.approx(0.2, abs=1e-9)
    # k exactly 2/5 includes A3 (c ≥ k, compared exactly, not in floating point).
    assert exact["rows"][0]["alkire_foster"]["poor"] == 2
    assert row["mpi_poor"] == 4 and row["critical"] == 1  # A4: health, education, income
    assert row["dimensions"] == {"health": 2, "living": 0, "education": 3, "income": 2, "access": 0}
    assert row["indicators"]["education.literacy"] == 3
    assert row["indicators"]["income.average_income"] == 2
    assert row["vulnerability_levels"] == {"0": 3, "1": 2, "2": 0, "3": 0}
    assert row["outcomes"] == {"none": 3, "survive": 2, "sufficient": 0, "sustainable": 0}  # A1: health
    assert default["total"]["households"] == 5


async def test_a_move_carries_the_household_to_its_new_area_and_stale_events_are_ignored(
    engine: AsyncEngine,
) -> None:
    await _area(engine)
    await _assess_and_project(
        engine, [registry_event("moved", "A4", 5, from_area_code="34070101", area_code="34070201")]
    )
    await _project(engine, batch=False)  # every event again, one by one: all stale now
    async with engine.connect() as conn:
        report = await queries.summary(conn, "3407", "subdistrict", None, None)
    rows = {r["area_code"]: r for r in report["rows"]}
    assert rows["340701"]["households"] == 4 and rows["340702"]["households"] == 1
    assert rows["340702"]["alkire_foster"]["A"] == pytest.approx(0.6, abs=1e-9)
    assert report["total"]["households"] == 5 and report["total"]["mpi_poor"] == 4


async def test_priority_orders_level_then_critical_then_score(engine: AsyncEngine) -> None:
    await _area(engine)
    elderly_poor = [MemberFacts(age=70, annual_income=5_000), MemberFacts(age=72), MemberFacts(age=8)]
    await _assess_and_project(
        engine,
        [
            registered("B1"),
            verified("B1", elderly_poor, ["living.tidy_home", "health.food_safety", "education.compulsory"]),
        ],
    )
    async with engine.connect() as conn:
        page1 = await queries.priority(conn, "340701", None, 3, None)
        page2 = await queries.priority(conn, "340701", None, 3, page1["next_cursor"])
    order = [h["household_id"] for h in page1["households"] + page2["households"]]
    # B1: level 3 and critical; A4, A3: level 1 (low income, no dependants), higher c first;
    # then level 0 by c: A2 (1/5), A1 (1/15), A0 (0).
    assert order == ["B1", "A4", "A3", "A2", "A1", "A0"]
    assert page2["next_cursor"] is None


async def test_replaying_the_topic_rebuilds_the_same_counters(engine: AsyncEngine) -> None:
    await _area(engine)
    await _assess_and_project(
        engine, [registry_event("moved", "A1", 5, from_area_code="34070101", area_code="34070201")]
    )

    async def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        async with engine.connect() as conn:
            counts = (
                await conn.execute(
                    sa.select(assessment_area_counts)
                    .where(assessment_area_counts.c.n != 0)
                    .order_by(assessment_area_counts.c.area_code, assessment_area_counts.c.measure)
                )
            ).all()
            current = (
                await conn.execute(sa.select(assessment_current).order_by(assessment_current.c.household_id))
            ).all()
        return [tuple(r) for r in counts], [tuple(r) for r in current]

    live = await snapshot()
    async with engine.begin() as conn:
        await conn.execute(assessment_area_counts.delete())
        await conn.execute(assessment_current.delete())
    await _project(engine, batch=False)
    assert await snapshot() == live
