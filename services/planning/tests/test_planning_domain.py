"""Planning's rules, through its aggregates (no database): teams, horizons, item statuses,
budget cases, case moves."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from faemban_domain.errors import InvalidInput, NotPermitted, StateConflict
from faemban_domain.platform.auth import Principal
from faemban_planning.domain import events as ev
from faemban_planning.domain.case import Case, ensure_may_act
from faemban_planning.domain.plan import (
    FourT,
    HouseholdPlan,
    NewItem,
    add_months,
    fiscal_year,
    horizon_problem,
)
from faemban_planning.domain.team import MentorTeam

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
TODAY = NOW.date()


def member(
    leader: bool = False, civil_servant: bool = False, skills: list[str] | None = None
) -> ev.TeamMember:
    return ev.TeamMember(
        name="x", agency="moi.cdd", skills=skills or ["income"], civil_servant=civil_servant, leader=leader
    )


def team() -> MentorTeam:
    t = MentorTeam("T1")
    t.appoint("4801", "ทีม 1", [member(True, True), member(skills=["health"]), member()], NOW)
    return t


def test_a_team_has_three_to_five_people_led_by_one_civil_servant() -> None:
    with pytest.raises(InvalidInput, match="3–5 people"):
        MentorTeam("T").appoint("4801", "t", [member(True, True), member()], NOW)
    with pytest.raises(InvalidInput, match="exactly one member leads"):
        MentorTeam("T").appoint("4801", "t", [member(True, True), member(True, True), member()], NOW)
    with pytest.raises(InvalidInput) as refused:
        MentorTeam("T").appoint("4801", "t", [member(True, False), member(), member()], NOW)
    assert refused.value.errors[0].field == "members[0].civil_servant"


def test_assignment_warns_of_uncovered_dimensions_and_stops_at_the_maximum() -> None:
    t = team()
    assert t.assign("H1", "48010101", ["health", "living", "income"], 2, NOW) == ["living"]
    t.assign("H2", "48010102", [], 2, NOW)
    with pytest.raises(StateConflict, match="the most one team may"):
        t.assign("H3", "48010103", [], 2, NOW)
    with pytest.raises(InvalidInput, match="outside the team's district"):
        team().assign("H9", "48020101", [], 15, NOW)


def test_a_transferred_leader_sends_every_household_back() -> None:
    t = team()
    t.assign("H1", "48010101", [], 15, NOW)
    t.assign("H2", "48010102", [], 15, NOW)
    assert t.transfer_leader(None, NOW) == ["H1", "H2"]
    released = [e for e in t.pending if isinstance(e, ev.HouseholdReleased)]
    assert [(r.household_id, r.cause) for r in released] == [
        ("H1", "leader_transferred"),
        ("H2", "leader_transferred"),
    ]
    assert not t.households and not t.has_leader
    with pytest.raises(StateConflict, match="no leader"):
        t.assign("H3", "48010103", [], 15, NOW)


@pytest.mark.parametrize(
    ("horizon", "due", "fits"),
    [
        ("short", date(2027, 2, 23), True),
        ("short", date(2027, 2, 24), False),
        ("medium", date(2027, 2, 23), False),
        ("medium", date(2027, 2, 24), True),
        ("medium", date(2027, 5, 23), True),
        ("medium", date(2027, 5, 24), False),
        ("long", date(2027, 5, 24), True),
        ("long", date(2026, 11, 23), False),
        ("long", date(2032, 1, 1), False),
    ],
)
def test_due_dates_fit_their_horizon(horizon: str, due: date, fits: bool) -> None:
    assert (horizon_problem(horizon, due, TODAY) is None) is fits  # type: ignore[arg-type]


def test_months_are_calendar_months_and_the_fiscal_year_starts_in_october() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert fiscal_year(date(2026, 9, 30)) == 2026 and fiscal_year(date(2026, 10, 1)) == 2027


def plan() -> HouseholdPlan:
    p = HouseholdPlan("P1")
    p.make(
        "H1",
        "48010101",
        "T1",
        FourT("", "", "", ""),
        [
            NewItem("income.average_income", None, "seeds", None, "short", date(2027, 1, 1)),
            NewItem("other", "debt", "advice", None, "medium", date(2027, 4, 1)),
        ],
        NOW,
    )
    return p


def test_items_default_to_their_dimensions_lead_and_the_plan_closes_when_all_are_finished() -> None:
    p = plan()
    assert [i.lead_agency for i in p.items.values()] == ["moi.cdd", "moi.admin"]
    with pytest.raises(StateConflict, match="may move to dropped, in_progress"):
        p.move_item("P1.1", "done", NOW)
    p.move_item("P1.1", "in_progress", NOW)
    p.move_item("P1.1", "done", NOW)
    assert p.closed_at is None
    p.move_item("P1.2", "dropped", NOW)
    assert p.closed_at == NOW and isinstance(p.pending[-1], ev.PlanClosed)


def test_a_budget_case_is_decided_once_and_beyond_the_district_needs_a_justification() -> None:
    p = plan()
    with pytest.raises(InvalidInput, match="justification"):
        p.budget("P1.1", "beyond_district", None, "  ", "C1", NOW)
    decided = p.budget("P1.2", "next_year", None, None, None, NOW)
    assert decided.agency == "moi.admin" and decided.budget_year == 2028
    with pytest.raises(StateConflict, match="already has a budget case"):
        p.budget("P1.2", "this_year", None, None, None, NOW)


def opened() -> Case:
    c = Case("C1")
    c.open("H1", "48010101", "subdistrict", [("living", None)], "no budget", NOW)
    return c


def test_a_case_climbs_one_level_at_a_time_with_reasons_up_to_national() -> None:
    c = opened()
    with pytest.raises(InvalidInput):
        c.escalate(" ", NOW)
    with pytest.raises(StateConflict, match="no lower level"):
        c.return_down("why", NOW)
    for level in ("district", "province", "national"):
        c.escalate("beyond us", NOW)
        assert (c.level, c.state) == (level, "open")
    with pytest.raises(StateConflict, match="no higher level"):
        c.escalate("more", NOW)
    c.return_down("TPMAP answered", NOW)
    assert (c.level, c.state) == ("province", "returned")


def test_a_case_resolves_only_with_usable_assistance_and_only_once() -> None:
    c = opened()
    with pytest.raises(StateConflict):
        c.resolve([], set(), "", NOW)
    with pytest.raises(StateConflict, match="A2"):
        c.resolve(["A1", "A2"], {"A1"}, "", NOW)
    c.resolve(["A1"], {"A1"}, "done", NOW)
    with pytest.raises(StateConflict, match="resolved"):
        c.accept(NOW)


def test_each_level_is_acted_on_by_its_own_centre_inside_its_area() -> None:
    ops = Principal("o", frozenset({"ops_team"}), ("480101",))
    district = Principal("d", frozenset({"district_officer"}), ("4801",))
    ensure_may_act(ops, "subdistrict", "48010101")
    ensure_may_act(district, "district", "48010101")
    with pytest.raises(NotPermitted):
        ensure_may_act(district, "subdistrict", "48010101")
    with pytest.raises(NotPermitted):
        ensure_may_act(Principal("o", frozenset({"ops_team"}), ("480102",)), "subdistrict", "48010101")
