"""Household plans (docs/domain.md, "Plans"): made with the family by the 4ท method, items
with a lead agency, a horizon and a due date consistent with it, statuses moving
planned → in_progress → done | dropped, closed when every item is done or dropped; each
item gets the district's budget case.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from faemban_domain import agencies
from faemban_domain.errors import FieldError, InvalidInput, StateConflict
from faemban_domain.events.contracts import BudgetDecision, PlanHorizon, PlanItemStatus, PlanItemV1
from faemban_domain.eventsourcing.aggregate import Aggregate, on_event
from faemban_domain.indicators import Dimension
from faemban_planning.domain import events as ev

HORIZON_MONTHS: dict[PlanHorizon, tuple[int, int | None]] = {
    "short": (0, 3),
    "medium": (3, 6),
    "long": (6, None),
}
"""(more than, at most) months from the day the plan is made: short ≤ 3, medium 4–6, long > 6."""
LONGEST_MONTHS = 60
"""No item is planned more than five years ahead (a typing error otherwise)."""
SUGGESTED_HORIZON: dict[str, PlanHorizon] = {
    "health": "short",
    "access": "short",
    "education": "medium",
    "income": "medium",
    "living": "long",
    "other": "medium",
}
"""What the seed's horizons say of each dimension's usual help: urgent goods, money and rights
are short; training, jobs and groups medium; housing repair and land long."""

TRANSITIONS: dict[PlanItemStatus, frozenset[PlanItemStatus]] = {
    "planned": frozenset({"in_progress", "dropped"}),
    "in_progress": frozenset({"done", "dropped"}),
    "done": frozenset(),
    "dropped": frozenset(),
}
FINISHED = frozenset({"done", "dropped"})


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def horizon_problem(horizon: PlanHorizon, due_on: date, today: date) -> str | None:
    """Why a due date does not fit its horizon, or None."""
    if due_on <= today:
        return f"{due_on} is not after today ({today})"
    if due_on > add_months(today, LONGEST_MONTHS):
        return f"{due_on} is more than {LONGEST_MONTHS // 12} years ahead"
    above, at_most = HORIZON_MONTHS[horizon]
    if above and due_on <= (earliest := add_months(today, above)):
        return f"a {horizon} item is due more than {above} months ahead (after {earliest}), not on {due_on}"
    if at_most is not None and due_on > (latest := add_months(today, at_most)):
        return f"a {horizon} item is due within {at_most} months (by {latest}), not on {due_on}"
    return None


def suggested_due(horizon: PlanHorizon, today: date) -> date:
    return add_months(today, {"short": 3, "medium": 6, "long": 12}[horizon])


def fiscal_year(day: date) -> int:
    """The Thai government's fiscal year (CE) a day falls in: October to September."""
    return day.year + 1 if day.month >= 10 else day.year


@dataclass(frozen=True)
class NewItem:
    problem: str
    problem_text: str | None
    activity: str
    lead_agency: str | None
    horizon: PlanHorizon
    due_on: date


@dataclass(frozen=True)
class FourT:
    """The 4ท record: attitude, skills, resources, way out (ทัศนคติ ทักษะ ทรัพยากร ทางออก)."""

    attitude: str
    skills: str
    resources: str
    way_out: str


@dataclass
class Item:
    item_id: str
    problem: str
    problem_text: str | None
    activity: str
    lead_agency: str
    horizon: PlanHorizon
    due_on: date
    status: PlanItemStatus = "planned"
    budget: ev.ItemBudgeted | None = None


def check_items(items: list[NewItem], today: date) -> None:
    errors: list[FieldError] = []
    if not items:
        errors.append(FieldError("items", "a plan has at least one item"))
    for i, item in enumerate(items):
        if not item.activity.strip():
            errors.append(FieldError(f"items[{i}].activity", "say what will be done"))
        if item.lead_agency is not None and not agencies.is_known(item.lead_agency):
            errors.append(
                FieldError(f"items[{i}].lead_agency", f"{item.lead_agency!r} is not a known agency code")
            )
        problem = horizon_problem(item.horizon, item.due_on, today)
        if problem:
            errors.append(FieldError(f"items[{i}].due_on", problem))
    if errors:
        raise InvalidInput(errors)


class HouseholdPlan(Aggregate):
    stream_prefix = "plan-"
    events = ev.PLAN_EVENTS

    def __init__(self, plan_id: str) -> None:
        super().__init__(plan_id)
        self.made: ev.PlanMade | None = None
        self.items: dict[str, Item] = {}
        self.closed_at: datetime | None = None

    @property
    def household_id(self) -> str:
        assert self.made is not None
        return self.made.household_id

    @property
    def area_code(self) -> str:
        assert self.made is not None
        return self.made.area_code

    def make(
        self,
        household_id: str,
        area_code: str,
        team_id: str,
        four_t: FourT,
        items: list[NewItem],
        at: datetime,
    ) -> None:
        check_items(items, at.date())
        ids = [f"{self.id}.{n}" for n in range(1, len(items) + 1)]
        leads = [i.lead_agency or agencies.default_lead(i.problem) for i in items]
        self._trigger(
            ev.PlanMade(
                plan_id=self.id,
                household_id=household_id,
                area_code=area_code,
                mentor_team_id=team_id,
                items=[
                    PlanItemV1(
                        item_id=n, problem=i.problem, lead_agency=lead, horizon=i.horizon, due_date=i.due_on
                    )
                    for n, i, lead in zip(ids, items, leads, strict=True)
                ],
                attitude=four_t.attitude,
                skills=four_t.skills,
                resources=four_t.resources,
                way_out=four_t.way_out,
                words=[
                    ev.ItemWords(item_id=n, activity=i.activity.strip(), problem_text=i.problem_text)
                    for n, i in zip(ids, items, strict=True)
                ],
                made_at=at,
            )
        )

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise InvalidInput([FieldError("item_id", f"plan {self.id} has no item {item_id}")]) from None

    def move_item(self, item_id: str, status: PlanItemStatus, at: datetime) -> None:
        item = self.item(item_id)
        if status == item.status:
            return
        if status not in TRANSITIONS[item.status]:
            allowed: list[str] = sorted(TRANSITIONS[item.status]) or ["nothing: it is finished"]
            raise StateConflict(
                [
                    FieldError(
                        "status", f"item {item_id} is {item.status}; it may move to {', '.join(allowed)}"
                    )
                ]
            )
        self._trigger(
            ev.ItemUpdated(
                plan_id=self.id,
                household_id=self.household_id,
                area_code=self.area_code,
                item_id=item_id,
                problem=item.problem,
                lead_agency=item.lead_agency,
                previous_status=item.status,
                status=status,
                updated_at=at,
            )
        )
        if all(i.status in FINISHED for i in self.items.values()):
            self._trigger(
                ev.PlanClosed(
                    plan_id=self.id, household_id=self.household_id, area_code=self.area_code, closed_at=at
                )
            )

    def budget(
        self,
        item_id: str,
        decision: BudgetDecision,
        agency: str | None,
        justification: str | None,
        case_id: str | None,
        at: datetime,
    ) -> ev.ItemBudgeted:
        item = self.item(item_id)
        if self.closed_at is not None or item.status in FINISHED:
            raise StateConflict(
                [FieldError("item_id", f"item {item_id} is {item.status}: nothing to budget")]
            )
        if item.budget is not None:
            raise StateConflict(
                [FieldError("item_id", f"item {item_id} already has a budget case ({item.budget.decision})")]
            )
        if agency is not None and not agencies.is_known(agency):
            raise InvalidInput([FieldError("agency", f"{agency!r} is not a known agency code")])
        if decision == "beyond_district" and not (justification or "").strip():
            raise InvalidInput([FieldError("justification", "say why the district cannot solve it")])
        year = fiscal_year(at.date()) + (1 if decision == "next_year" else 0)
        event = ev.ItemBudgeted(
            plan_id=self.id,
            household_id=self.household_id,
            area_code=self.area_code,
            item_id=item_id,
            decision=decision,
            agency=agency or item.lead_agency,
            budget_year=year,
            case_id=case_id,
            justification=(justification or "").strip() or None,
            decided_at=at,
        )
        self._trigger(event)
        return event

    @on_event
    def _made(self, event: ev.PlanMade) -> None:
        self.made = event
        words = {w.item_id: w for w in event.words}
        for i in event.items:
            self.items[i.item_id] = Item(
                i.item_id,
                i.problem,
                words[i.item_id].problem_text,
                words[i.item_id].activity,
                i.lead_agency,
                i.horizon,
                i.due_date,
            )

    @on_event
    def _item_updated(self, event: ev.ItemUpdated) -> None:
        self.items[event.item_id].status = event.status

    @on_event
    def _item_budgeted(self, event: ev.ItemBudgeted) -> None:
        self.items[event.item_id].budget = event

    @on_event
    def _closed(self, event: ev.PlanClosed) -> None:
        self.closed_at = event.closed_at


@dataclass(frozen=True)
class Suggestion:
    problem: str
    dimension: Dimension
    lead_agency: str
    horizon: PlanHorizon
    due_on: date


def suggestions(failing_indicators: list[str], today: date) -> list[Suggestion]:
    """One item per failing indicator of the current assessment, with its dimension's lead agency."""
    out = []
    for code in failing_indicators:
        dimension = agencies.problem_area(code)
        assert dimension != "other"
        horizon = SUGGESTED_HORIZON[dimension]
        out.append(
            Suggestion(code, dimension, agencies.default_lead(code), horizon, suggested_due(horizon, today))
        )
    return out
