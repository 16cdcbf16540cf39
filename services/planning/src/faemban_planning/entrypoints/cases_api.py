"""Cases and escalation (docs/interfaces.md, "Shape 6")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from faemban_domain import bounds
from faemban_domain.events.contracts import CaseLevel, CaseState
from faemban_domain.platform.auth import FIELD_ROLES, Principal
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import ProblemIn
from faemban_planning.domain.case import Case
from faemban_planning.entrypoints.dependencies import (
    AreaFilter,
    CaseActor,
    EntityKey,
    Limit,
    OfficeReader,
    OpsTeam,
    PlanningService,
)
from faemban_planning.service_layer import cases, queries

router = APIRouter(tags=["cases"])


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household_id: bounds.HouseholdId
    problems: list[ProblemIn] = Field(min_length=1, max_length=30)
    reason: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assistance_ids: list[bounds.EntityId] = Field(
        max_length=100, description="the logbook entries that solved it"
    )
    note: str = Field(default="", max_length=2000)


def _out(principal: Principal) -> Any:
    def respond(case: Case) -> dict[str, Any]:
        return cases.case_out(case, bool(principal.roles & FIELD_ROLES))

    return respond


@router.post("/v1/cases", status_code=201)
async def open_case(
    body: CaseIn, principal: OpsTeam, planning: PlanningService, key: IdempotencyKey = None
) -> Any:
    """The subdistrict's operations team opens a case for problems it cannot solve (level subdistrict)."""
    command = cases.OpenCase(
        household_id=body.household_id, problems=[(p.ref, p.text) for p in body.problems], reason=body.reason
    )
    once = Idempotency.of(key, principal.sub, "case.open", body.model_dump(mode="json"))
    return await planning.transactions.run(
        cases.open_case, principal, command, respond=_out(principal), once=once, status_code=201
    )


@router.post("/v1/cases/{case_id}/escalate")
async def escalate(
    case_id: EntityKey, body: ReasonIn, principal: CaseActor, planning: PlanningService
) -> Any:
    """One level up (subdistrict → district → province → national), with a reason."""
    command = cases.CaseAction(case_id, "escalate", body.reason)
    return await planning.transactions.run(cases.act_on_case, principal, command, respond=_out(principal))


@router.post("/v1/cases/{case_id}/accept")
async def accept(case_id: EntityKey, body: AcceptIn, principal: CaseActor, planning: PlanningService) -> Any:
    command = cases.CaseAction(case_id, "accept")
    return await planning.transactions.run(cases.act_on_case, principal, command, respond=_out(principal))


@router.post("/v1/cases/{case_id}/return")
async def return_case(
    case_id: EntityKey, body: ReasonIn, principal: CaseActor, planning: PlanningService
) -> Any:
    """One level down, with a reason."""
    command = cases.CaseAction(case_id, "return", body.reason)
    return await planning.transactions.run(cases.act_on_case, principal, command, respond=_out(principal))


@router.post("/v1/cases/{case_id}/resolve")
async def resolve(
    case_id: EntityKey, body: ResolveIn, principal: CaseActor, planning: PlanningService
) -> Any:
    """Solved by the named logbook entries (recorded, unvoided help to this household; else 409)."""
    command = cases.ResolveCase(case_id, list(body.assistance_ids), body.note)
    return await planning.transactions.run(cases.resolve_case, principal, command, respond=_out(principal))


@router.get("/v1/cases/{case_id}")
async def get_case(case_id: EntityKey, principal: OfficeReader, planning: PlanningService) -> Any:
    found = await planning.transactions.read(cases.case_view, principal, cases.CaseQuery(case_id))
    sla = planning.settings.case_sla_days.get(found["level"])
    return {**found, "sla_days": sla}


@router.get("/v1/cases")
async def case_queue(
    principal: OfficeReader,
    planning: PlanningService,
    area: AreaFilter = None,
    level: Annotated[CaseLevel | None, Query()] = None,
    state: Annotated[CaseState | None, Query()] = None,
    limit: Limit = 100,
) -> Any:
    """The queue: oldest first by arrival at its level, each with ``age_days`` and ``overdue``."""
    sla = planning.settings.case_sla_days

    async def handler(uow: Any, who: Principal, q: queries.AreaList) -> Any:
        return await queries.case_queue(uow, who, q, sla)

    rows = await planning.transactions.read(handler, principal, queries.AreaList(area, level, state, limit))
    return {"cases": rows}
