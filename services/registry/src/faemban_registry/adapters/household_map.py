"""Pins for the household map (docs/domain.md, "Personal data"; docs/interfaces.md, "Shape 8").

Pins are personal data: they never leave the registry, and each household's pin read is in the
access log. The village layer carries no single household: a village's point is the mean of its
pins, withheld (geometry null) when fewer than ``min_households`` households are pinned there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import insert_many
from faemban_domain.platform.area_query import within
from faemban_registry.adapters.tables import (
    household_critical,
    household_index,
    household_mentors,
    household_personal,
)

ASSESSED = c.ASSESSED_TYPES


class _Critical(Protocol):
    """What the map reads of an assessment (v1 or v2)."""

    household_id: str
    critical: bool


READS = {c.type_of(c.IndicatorAssessedV2): c.part_of(c.IndicatorAssessedV2, tuple(_Critical.__annotations__))}
"""The map's part of v2 (ADR 0030): the rest is neither built nor checked here."""


def _pinned() -> sa.Select[Any]:
    i, p, k = household_index, household_personal, household_critical
    return (
        sa.select(
            i.c.household_id,
            i.c.area_code,
            i.c.household_type,
            sa.func.coalesce(k.c.critical, False).label("critical"),
            p.c.lat,
            p.c.lon,
        )
        .select_from(
            i.join(p, p.c.household_id == i.c.household_id).outerjoin(k, k.c.household_id == i.c.household_id)
        )
        .where(p.c.lat.is_not(None), p.c.lon.is_not(None))
    )


async def household_pins(
    conn: AsyncConnection, area: str, visible: Sequence[str] | None, mentor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Pinned households of the area (of the mentor's teams only when ``mentor`` is given)."""
    i = household_index
    stmt = _pinned().where(within(i.c.area_code, area, visible))
    if mentor is not None:
        m = household_mentors
        stmt = stmt.where(sa.exists().where(m.c.household_id == i.c.household_id, m.c.subject == mentor))
    rows = await conn.execute(stmt.order_by(i.c.household_id).limit(limit + 1))
    return [dict(r) for r in rows.mappings()]


async def village_points(
    conn: AsyncConnection, area: str, visible: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Per village: how many households are pinned, by type and critical, and the mean pin."""
    pins = _pinned().where(within(household_index.c.area_code, area, visible)).subquery()

    def typed(kind: str | None) -> sa.ColumnElement[Any]:
        cond = pins.c.household_type.is_(None) if kind is None else pins.c.household_type == kind
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    rows = await conn.execute(
        sa.select(
            pins.c.area_code,
            sa.func.count().label("households"),
            typed("develop").label("develop"),
            typed("welfare").label("welfare"),
            typed(None).label("unverified"),
            sa.func.coalesce(sa.func.sum(sa.case((pins.c.critical, 1), else_=0)), 0).label("critical"),
            sa.func.avg(pins.c.lat).label("lat"),
            sa.func.avg(pins.c.lon).label("lon"),
        )
        .group_by(pins.c.area_code)
        .order_by(pins.c.area_code)
    )
    return [dict(r) for r in rows.mappings()]


async def project_critical(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    """Assessment's latest verdict on the household (an older or repeated event changes nothing)."""
    await project_critical_batch(conn, [event], tables)


async def project_critical_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    """One upsert for the batch (the latest assessment of each household in it): a long batch
    must not hold the registry's database for one statement per event."""
    latest: dict[str, dict[str, Any]] = {}
    for event in events:
        data = cast(_Critical, payload(event))
        seq = int(event.sequence or 0)
        row = {"household_id": data.household_id, "critical": data.critical, "last_sequence": seq}
        if data.household_id not in latest or latest[data.household_id]["last_sequence"] < seq:
            latest[data.household_id] = row
    if not latest:
        return
    t = tables["household_critical"]
    await insert_many(
        conn,
        t,
        list(latest.values()),
        lambda insert: insert.on_conflict_do_update(
            index_elements=["household_id"],
            set_={"critical": insert.excluded.critical, "last_sequence": insert.excluded.last_sequence},
            where=t.c.last_sequence < insert.excluded.last_sequence,
        ),
    )
