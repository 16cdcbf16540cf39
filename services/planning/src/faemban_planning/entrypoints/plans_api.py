"""Household plans (docs/interfaces.md, "Shape 5"), their items' progress and budget cases."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from faemban_domain import agencies
from faemban_domain.events.contracts import BudgetDecision, PlanHorizon, PlanItemStatus
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import HouseholdKey, ProblemIn
from faemban_planning.domain import plan as p
from faemban_planning.entrypoints.dependencies import District, EntityKey, Planner, PlanningService, Reader
from faemban_planning.service_layer import plans

router = APIRouter(tags=["plans"])


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn
    activity: str = Field(min_length=1, max_length=1000)
    lead_agency: str | None = Field(default=None, max_length=64, description="default: the dimension's lead")
    horizon: PlanHorizon
    due_on: date = Field(description="short: within 3 months; medium: 4–6; long: more than 6")


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["4T"] = "4T"
    attitude: str = Field(default="", max_length=2000, description="ทัศนคติ")
    skills: str = Field(default="", max_length=2000, description="ทักษะ")
    resources: str = Field(default="", max_length=2000, description="ทรัพยากร")
    way_out: str = Field(default="", max_length=2000, description="ทางออก")
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: PlanItemStatus


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: BudgetDecision
    agency: str | None = Field(default=None, max_length=64, description="default: the item's lead agency")
    justification: str | None = Field(
        default=None, max_length=2000, description="required beyond the district"
    )


def _out(principal: Principal) -> Any:
    def respond(plan: p.HouseholdPlan) -> dict[str, Any]:
        return plans.plan_out(plan, plans.reads_words(principal, plan.area_code))

    return respond


@router.post("/v1/households/{household_id}/plans", status_code=201)
async def make_plan(
    household_id: HouseholdKey,
    body: PlanIn,
    principal: Planner,
    planning: PlanningService,
    key: IdempotencyKey = None,
) -> Any:
    """Make the household's plan with the family (4ท). 409 unless the province approved the
    household and a mentor team looks after it; one open plan at a time."""
    command = plans.MakePlan(
        household_id=household_id,
        four_t=p.FourT(body.attitude, body.skills, body.resources, body.way_out),
        items=[
            p.NewItem(i.problem.ref, i.problem.text, i.activity, i.lead_agency, i.horizon, i.due_on)
            for i in body.items
        ],
    )
    once = Idempotency.of(key, principal.sub, f"plan.make:{household_id}", body.model_dump(mode="json"))
    return await planning.transactions.run(
        plans.make_plan, principal, command, respond=_out(principal), once=once, status_code=201
    )


@router.get("/v1/households/{household_id}/plans")
async def household_plans(household_id: HouseholdKey, principal: Reader, planning: PlanningService) -> Any:
    found = await planning.transactions.read(
        plans.household_plans, principal, plans.HouseholdQuery(household_id)
    )
    return {"household_id": household_id, "plans": [_out(principal)(x) for x in found]}


@router.get("/v1/households/{household_id}/plan-suggestions")
async def plan_suggestions(household_id: HouseholdKey, principal: Reader, planning: PlanningService) -> Any:
    """One item per failing indicator of the household's current assessment, with its lead agency."""
    found = await planning.transactions.read(
        plans.plan_suggestions, principal, plans.HouseholdQuery(household_id)
    )
    return {
        "household_id": household_id,
        "items": [
            {
                "problem": {"indicator": s.problem},
                "dimension": s.dimension,
                "lead_agency": s.lead_agency,
                "lead_agency_name_th": agencies.agency(s.lead_agency).name_th,
                "horizon": s.horizon,
                "due_on": s.due_on,
            }
            for s in found
        ],
    }


@router.get("/v1/plans/{plan_id}")
async def get_plan(plan_id: EntityKey, principal: Reader, planning: PlanningService) -> Any:
    return await planning.transactions.read(
        plans.plan_view, principal, plans.PlanQuery(plan_id), respond=_out(principal)
    )


@router.post("/v1/plans/{plan_id}/items/{item_id}/status")
async def move_item(
    plan_id: EntityKey, item_id: EntityKey, body: StatusIn, principal: Planner, planning: PlanningService
) -> Any:
    """planned → in_progress → done | dropped; the plan closes when every item is done or dropped."""
    command = plans.MoveItem(plan_id, item_id, body.status)
    return await planning.transactions.run(plans.move_item, principal, command, respond=_out(principal))


@router.post("/v1/plans/{plan_id}/items/{item_id}/budget")
async def decide_budget(
    plan_id: EntityKey, item_id: EntityKey, body: BudgetIn, principal: District, planning: PlanningService
) -> Any:
    """The district's budget case: an agency acts this year, budgets next year, or the item is
    beyond the district and goes to the province with a justification (a province case)."""
    command = plans.DecideBudget(
        plan_id=plan_id,
        item_id=item_id,
        decision=body.decision,
        agency=body.agency,
        justification=body.justification,
    )
    return await planning.transactions.run(plans.decide_budget, principal, command, respond=_out(principal))
