"""HTTP routes of reporting (read-only, PII-free by construction)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from faemban_domain import areas
from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.platform.auth import Principal, require_roles
from faemban_domain.platform.service import ServiceRuntime, runtime_of
from faemban_reporting.adapters.tables import register_households, timeline_events

router = APIRouter(tags=["reporting"])
Runtime = Annotated[ServiceRuntime, Depends(runtime_of("reporting"))]
Viewer = Annotated[
    Principal,
    Depends(require_roles("ops_team", "mentor", "district_officer", "province_officer", "agency", "analyst")),
]


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    source: str
    sequence: int | None
    time: datetime
    area_code: str | None
    correlation_id: str | None
    data: dict[str, Any]


class Timeline(BaseModel):
    household_id: str
    events: list[TimelineEntry]


@router.get("/v1/households/{household_id}/timeline", response_model=Timeline)
async def household_timeline(household_id: str, principal: Viewer, runtime: Runtime) -> Timeline:
    t = timeline_events
    async with runtime.reading() as conn:
        rows = (
            (
                await conn.execute(
                    sa.select(t)
                    .where(t.c.household_id == household_id)
                    .order_by(t.c.occurred_at, t.c.source, t.c.sequence, t.c.event_id)
                )
            )
            .mappings()
            .all()
        )
    if not rows:
        raise NotFound(f"no events for household {household_id}")
    area_code = next((r["area_code"] for r in reversed(rows) if r["area_code"]), None)
    if area_code is None:
        raise NotFound(f"household {household_id} has no area yet")
    principal.ensure_area(area_code)
    return Timeline(
        household_id=household_id,
        events=[
            TimelineEntry(
                event_id=r["event_id"],
                type=r["event_type"],
                source=r["source"],
                sequence=r["sequence"],
                time=r["occurred_at"],
                area_code=r["area_code"],
                correlation_id=r["correlation_id"],
                data=r["data"],
            )
            for r in rows
        ],
    )


class AreaCount(BaseModel):
    area_code: str
    area_name_th: str | None
    households: int
    members: int


class HouseholdCounts(BaseModel):
    area: str
    level: areas.AreaLevel
    rows: list[AreaCount]


@router.get("/v1/reports/household-counts", response_model=HouseholdCounts)
async def household_counts(
    principal: Viewer,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=8)],
    level: Annotated[areas.AreaLevel, Query()] = "district",
) -> HouseholdCounts:
    """Registered households and members per sub-area (from the register read model)."""
    if areas.level_of(area) is None:
        raise InvalidInput([FieldError("area", "must be a 2/4/6/8-digit DOPA code")])
    if areas.LEVEL_LENGTH[level] <= len(area):
        raise InvalidInput([FieldError("level", f"must be below the level of area {area}")])
    principal.ensure_scope_query(area)
    t = register_households
    key = sa.func.substr(t.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("k")
    async with runtime.reading() as conn:
        rows = (
            await conn.execute(
                sa.select(key, sa.func.count(), sa.func.sum(t.c.members))
                .where(t.c.area_code.startswith(area))
                .group_by(key)
                .order_by(sa.func.count().desc(), key)
            )
        ).all()
    out = []
    for code, households, members in rows:
        info = areas.area(code)
        out.append(
            AreaCount(
                area_code=code,
                area_name_th=info.name_th if info else None,
                households=households,
                members=int(members or 0),
            )
        )
    return HouseholdCounts(area=area, level=level, rows=out)
