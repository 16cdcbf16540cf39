"""Lists planning answers from its derived rows: case queues, teams, the district's queue of
households without a team (SQL lives here and in the adapters only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from faemban_domain.bounds import zoned
from faemban_domain.platform.auth import Principal
from faemban_planning.adapters.tables import (
    household_releases,
    mentor_teams,
    planning_cases,
    planning_households,
    team_assignments,
)
from faemban_planning.service_layer.unit_of_work import PlanningUnitOfWork

LIMIT = 500


@dataclass(frozen=True)
class AreaList:
    area: str | None
    level: str | None = None
    state: str | None = None
    limit: int = 100
    after: str | None = None


def _areas(principal: Principal, area: str | None) -> list[str]:
    """The area filter: the asked one (inside the caller's scope), else every area granted."""
    if area is not None:
        principal.ensure_scope_query(area)
        return [area]
    return [""] if principal.is_admin else list(principal.areas)


def _under(column: Any, prefixes: list[str]) -> Any:
    return sa.or_(*(column.startswith(p) for p in prefixes)) if prefixes else sa.false()


async def case_queue(
    uow: PlanningUnitOfWork, principal: Principal, query: AreaList, sla_days: dict[str, int]
) -> list[dict[str, Any]]:
    """Oldest first (by arrival at its level), each with its age and whether it is overdue."""
    t = planning_cases
    stmt = sa.select(t).where(_under(t.c.area_code, _areas(principal, query.area)))
    if query.level:
        stmt = stmt.where(t.c.level == query.level)
    if query.state:
        stmt = stmt.where(t.c.state == query.state)
    rows = (
        await uow.conn.execute(stmt.order_by(t.c.level_since, t.c.case_id).limit(min(query.limit, LIMIT)))
    ).mappings()
    now = datetime.now(UTC)
    out = []
    for r in rows:
        age = (now - zoned(r["level_since"])).days
        sla = sla_days.get(r["level"])
        out.append(
            {
                **dict(r),
                "age_days": age,
                "sla_days": sla,
                "overdue": r["state"] != "resolved" and sla is not None and age > sla,
            }
        )
    return out


async def teams(uow: PlanningUnitOfWork, principal: Principal, query: AreaList) -> list[dict[str, Any]]:
    t = mentor_teams
    stmt = sa.select(t).where(_under(t.c.district_code, [a[:4] for a in _areas(principal, query.area)]))
    rows = await uow.conn.execute(stmt.order_by(t.c.district_code, t.c.name, t.c.team_id).limit(LIMIT))
    return [dict(r) for r in rows.mappings()]


async def unassigned(uow: PlanningUnitOfWork, principal: Principal, query: AreaList) -> list[dict[str, Any]]:
    """Certified or approved households of the area without a team; those a team gave back
    say when and why."""
    h, a, r = planning_households, team_assignments, household_releases
    stmt = (
        sa.select(h.c.household_id, h.c.area_code, h.c.stage, r.c.team_id, r.c.cause, r.c.released_at)
        .select_from(
            h.outerjoin(a, a.c.household_id == h.c.household_id).outerjoin(
                r, r.c.household_id == h.c.household_id
            )
        )
        .where(
            _under(h.c.area_code, _areas(principal, query.area)),
            h.c.stage.in_(("certified", "approved")),
            a.c.household_id.is_(None),
        )
    )
    if query.after:
        stmt = stmt.where(h.c.household_id > query.after)
    rows = await uow.conn.execute(stmt.order_by(h.c.household_id).limit(min(query.limit, LIMIT)))
    return [
        {
            "household_id": x["household_id"],
            "area_code": x["area_code"],
            "stage": x["stage"],
            "released": {"team_id": x["team_id"], "cause": x["cause"], "released_at": x["released_at"]}
            if x["team_id"]
            else None,
        }
        for x in rows.mappings()
    ]
