"""Cases and escalation (docs/domain.md, "Cases"; docs/interfaces.md, "Shape 6").

The subdistrict's operations team opens a case; at each level the level's own centre
accepts, escalates, returns or resolves it, inside its area (``domain.case.ACTOR_ROLE``).
Resolving names the logbook entries that solved it: planning knows them from the
assistance topic (recorded, of this household, not voided).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faemban_domain.errors import NotFound
from faemban_domain.platform.auth import FIELD_ROLES, Principal
from faemban_domain.platform.inputs import problem_out
from faemban_planning.domain.case import Case, ensure_may_act, move_of
from faemban_planning.service_layer.unit_of_work import PlanningUnitOfWork


@dataclass(frozen=True, kw_only=True)
class OpenCase:
    household_id: str
    problems: list[tuple[str, str | None]]
    reason: str


@dataclass(frozen=True)
class CaseAction:
    """escalate / accept / return: ``reason`` where the move needs one."""

    case_id: str
    action: str
    reason: str | None = None


@dataclass(frozen=True)
class ResolveCase:
    case_id: str
    assistance_ids: list[str]
    note: str


@dataclass(frozen=True)
class CaseQuery:
    case_id: str


async def open_case(uow: PlanningUnitOfWork, principal: Principal, command: OpenCase) -> Case:
    household = await uow.index.household(command.household_id)
    if household is None:
        raise NotFound(f"household {command.household_id} is not registered")
    ensure_may_act(principal, "subdistrict", household["area_code"])
    case = Case(str(uuid.uuid4()))
    case.open(
        command.household_id,
        household["area_code"],
        "subdistrict",
        command.problems,
        command.reason,
        datetime.now(UTC),
    )
    uow.cases.add(case)
    return case


async def _case(uow: PlanningUnitOfWork, principal: Principal, case_id: str) -> Case:
    case = await uow.cases.get(case_id)
    if case is None or not principal.covers(case.area_code):
        raise NotFound(f"case {case_id} is not opened")
    return case


async def _acted_on(uow: PlanningUnitOfWork, principal: Principal, case_id: str) -> Case:
    """A case to act on: the level's own centre inside its area, else 403 (the actor named the case)."""
    case = await uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"case {case_id} is not opened")
    ensure_may_act(principal, case.level, case.area_code)
    return case


async def act_on_case(uow: PlanningUnitOfWork, principal: Principal, command: CaseAction) -> Case:
    case = await _acted_on(uow, principal, command.case_id)
    now = datetime.now(UTC)
    if command.action == "escalate":
        case.escalate(command.reason, now)
    elif command.action == "accept":
        case.accept(now)
    elif command.action == "return":
        case.return_down(command.reason, now)
    else:
        raise ValueError(f"unknown case action {command.action}")
    return case


async def resolve_case(uow: PlanningUnitOfWork, principal: Principal, command: ResolveCase) -> Case:
    case = await _acted_on(uow, principal, command.case_id)
    usable = await uow.index.usable_assistance(case.household_id, command.assistance_ids)
    case.resolve(command.assistance_ids, usable, command.note, datetime.now(UTC))
    return case


async def case_view(uow: PlanningUnitOfWork, principal: Principal, query: CaseQuery) -> dict[str, Any]:
    await _case(uow, principal, query.case_id)
    found = await uow.cases.history(query.case_id)
    assert found is not None
    case, events = found
    words = bool(principal.roles & FIELD_ROLES)
    history = []
    for e in events:
        move = move_of(Case.events.decode(e.type, e.data))
        history.append(
            {
                "action": move.action,
                "from_level": move.from_level,
                "to_level": move.to_level,
                "actor": (e.metadata or {}).get("actor"),
                "at": e.recorded_at,
                "reason": move.reason if words else None,
                "assistance_ids": move.assistance_ids,
            }
        )
    return {**case_out(case, words), "history": history}


def case_out(case: Case, words: bool) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "household_id": case.household_id,
        "area_code": case.area_code,
        "level": case.level,
        "state": case.state,
        "problems": [
            problem_out(p, t if words else None)
            for p, t in zip(case.problems, case.problem_texts, strict=True)
        ],
        "plan_item_ids": list(case.plan_item_ids),
        "opened_at": case.opened_at,
        "level_since": case.level_since,
        "assistance_ids": list(case.resolution.assistance_ids) if case.resolution else [],
    }
