"""Household plans, their items' progress and the district's budget case for each item
(docs/domain.md, "Plans"; docs/interfaces.md, "Shape 5").

The mentor team plans with the family: a mentor of the household's team (their login is a
member of it) or the subdistrict's operations team, inside their area. Only for a
household the province approved, with a team, and one open plan at a time. The district
decides each item's budget case; an item beyond the district opens a case at the
province, or joins the household's open one there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from faemban_domain.errors import FieldError, NotFound, StateConflict
from faemban_domain.events.contracts import BudgetDecision, PlanItemStatus
from faemban_domain.platform.auth import FIELD_ROLES, Principal
from faemban_domain.platform.inputs import problem_out
from faemban_planning.domain import plan as p
from faemban_planning.domain.case import Case
from faemban_planning.service_layer.unit_of_work import PlanningUnitOfWork


@dataclass(frozen=True, kw_only=True)
class MakePlan:
    household_id: str
    four_t: p.FourT
    items: list[p.NewItem]


@dataclass(frozen=True)
class MoveItem:
    plan_id: str
    item_id: str
    status: PlanItemStatus


@dataclass(frozen=True, kw_only=True)
class DecideBudget:
    plan_id: str
    item_id: str
    decision: BudgetDecision
    agency: str | None
    justification: str | None


@dataclass(frozen=True)
class HouseholdQuery:
    household_id: str


@dataclass(frozen=True)
class PlanQuery:
    plan_id: str


async def _mentor_team(uow: PlanningUnitOfWork, principal: Principal, household_id: str) -> str | None:
    """The household's team, if the caller is a mentor of it (their login is a member)."""
    team_id = await uow.index.team_of(household_id)
    team = await uow.teams.get(team_id) if team_id and "mentor" in principal.roles else None
    return team.id if team is not None and principal.sub in team.user_ids() else None


async def _ensure_sees(
    uow: PlanningUnitOfWork, principal: Principal, household_id: str, area_code: str
) -> None:
    """Admin, the field roles of its area, and its own team's mentors see a household's plans;
    for anyone else it is not there (404, nothing told)."""
    if principal.is_admin or principal.roles & FIELD_ROLES and principal.holds(area_code):
        return
    if principal.holds(area_code) and await _mentor_team(uow, principal, household_id):
        return
    raise NotFound(f"household {household_id} is not registered")


async def _seen_household(uow: PlanningUnitOfWork, principal: Principal, household_id: str) -> None:
    household = await uow.index.household(household_id)
    if household is None:
        raise NotFound(f"household {household_id} is not registered")
    await _ensure_sees(uow, principal, household_id, household["area_code"])


async def _ensure_planner(
    uow: PlanningUnitOfWork, principal: Principal, household_id: str, area_code: str
) -> str:
    """The household's team id ("" if none yet), if the caller may plan for it: its team's
    mentors, or the operations team of its subdistrict."""
    if principal.holds(area_code):
        if "ops_team" in principal.roles:
            return await uow.index.team_of(household_id) or ""
        if team_id := await _mentor_team(uow, principal, household_id):
            return team_id
    raise NotFound(f"household {household_id} is not registered")


async def make_plan(uow: PlanningUnitOfWork, principal: Principal, command: MakePlan) -> p.HouseholdPlan:
    household = await uow.index.household(command.household_id)
    if household is None:
        raise NotFound(f"household {command.household_id} is not registered")
    team_id = await _ensure_planner(uow, principal, command.household_id, household["area_code"])
    refusal = None
    if household["stage"] != "approved":
        refusal = (
            f"household {command.household_id} is {household['stage']}: plans follow the province's approval"
        )
    elif not team_id:
        refusal = f"household {command.household_id} has no mentor team: the district assigns one first"
    elif (open_plan := await uow.index.open_plan_of(command.household_id)) is not None:
        refusal = f"household {command.household_id} already has an open plan ({open_plan})"
    if refusal:
        raise StateConflict([FieldError("household_id", refusal)])
    plan = p.HouseholdPlan(str(uuid.uuid4()))
    plan.make(
        command.household_id,
        household["area_code"],
        team_id,
        command.four_t,
        command.items,
        datetime.now(UTC),
    )
    uow.plans.add(plan)
    return plan


async def _plan(uow: PlanningUnitOfWork, principal: Principal, plan_id: str) -> p.HouseholdPlan:
    plan = await uow.plans.get(plan_id)
    if plan is None or plan.made is None:
        raise NotFound(f"plan {plan_id} is not made")
    try:
        await _ensure_sees(uow, principal, plan.household_id, plan.area_code)
    except NotFound:
        raise NotFound(f"plan {plan_id} is not made") from None
    return plan


async def move_item(uow: PlanningUnitOfWork, principal: Principal, command: MoveItem) -> p.HouseholdPlan:
    plan = await _plan(uow, principal, command.plan_id)
    await _ensure_planner(uow, principal, plan.household_id, plan.area_code)
    plan.move_item(command.item_id, command.status, datetime.now(UTC))
    return plan


async def decide_budget(
    uow: PlanningUnitOfWork, principal: Principal, command: DecideBudget
) -> p.HouseholdPlan:
    plan = await _plan(uow, principal, command.plan_id)
    item = plan.item(command.item_id)
    now = datetime.now(UTC)
    case: Case | None = None
    case_id = None
    if command.decision == "beyond_district":
        existing = await uow.index.active_case_at(plan.household_id, "province")
        case = await uow.cases.get(existing) if existing else None
        case_id = case.id if case is not None else str(uuid.uuid4())
    decided = plan.budget(
        command.item_id, command.decision, command.agency, command.justification, case_id, now
    )
    if case_id is not None:
        problem = [(item.problem, item.problem_text)]
        justification = decided.justification or ""
        if case is None:
            case = Case(case_id)
            case.open(
                plan.household_id, plan.area_code, "province", problem, justification, now, [item.item_id]
            )
            uow.cases.add(case)
        else:
            case.extend(problem, [item.item_id], justification, now)
    return plan


async def household_plans(
    uow: PlanningUnitOfWork, principal: Principal, query: HouseholdQuery
) -> list[p.HouseholdPlan]:
    await _seen_household(uow, principal, query.household_id)
    plans = await uow.plans.repository.get_many(uow.conn, await uow.index.plan_ids_of(query.household_id))
    return sorted(
        plans.values(), key=lambda x: x.made.made_at if x.made else datetime.min.replace(tzinfo=UTC)
    )


async def plan_view(uow: PlanningUnitOfWork, principal: Principal, query: PlanQuery) -> p.HouseholdPlan:
    return await _plan(uow, principal, query.plan_id)


async def plan_suggestions(
    uow: PlanningUnitOfWork, principal: Principal, query: HouseholdQuery
) -> list[p.Suggestion]:
    await _seen_household(uow, principal, query.household_id)
    assessment = await uow.index.assessment(query.household_id)
    if assessment is None:
        raise StateConflict(
            [FieldError("household_id", f"household {query.household_id} has no assessment yet")]
        )
    return p.suggestions(list(assessment["failing_indicators"]), date.today())


def plan_out(plan: p.HouseholdPlan, with_words: bool) -> dict[str, Any]:
    made = plan.made
    assert made is not None
    return {
        "plan_id": plan.id,
        "household_id": plan.household_id,
        "mentor_team_id": made.mentor_team_id,
        "method": made.method,
        "four_t": {
            "attitude": made.attitude,
            "skills": made.skills,
            "resources": made.resources,
            "way_out": made.way_out,
        }
        if with_words
        else None,
        "made_at": made.made_at,
        "state": "closed" if plan.closed_at else "open",
        "closed_at": plan.closed_at,
        "items": [
            {
                "item_id": i.item_id,
                "problem": problem_out(i.problem, i.problem_text if with_words else None),
                "activity": i.activity if with_words else None,
                "lead_agency": i.lead_agency,
                "horizon": i.horizon,
                "due_on": i.due_on,
                "status": i.status,
                "budget": {
                    "decision": i.budget.decision,
                    "agency": i.budget.agency,
                    "budget_year": i.budget.budget_year,
                    "case_id": i.budget.case_id,
                    "justification": i.budget.justification if with_words else None,
                }
                if i.budget
                else None,
            }
            for i in plan.items.values()
        ],
    }


def reads_words(principal: Principal, area_code: str) -> bool:
    """The 4ท record and the items' words are the family's: for the roles working with it."""
    return bool(principal.roles & (FIELD_ROLES | {"mentor"})) and principal.holds(area_code)
