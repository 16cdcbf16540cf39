"""Reads of the household read models: one household's timeline, counts per area."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas
from faemban_domain.events import contracts as c
from faemban_reporting.adapters.tables import register_households, timeline_events


async def timeline(conn: AsyncConnection, household_id: str) -> Sequence[sa.RowMapping]:
    """Every public event of the household, in the order they happened."""
    t = timeline_events
    result = await conn.execute(
        sa.select(t)
        .where(t.c.household_id == household_id)
        .order_by(t.c.occurred_at, t.c.source, t.c.sequence, t.c.event_id)
    )
    return result.mappings().all()


async def household_counts(
    conn: AsyncConnection, area: str, level: areas.AreaLevel
) -> list[tuple[str, int, int]]:
    """(area code at ``level``, households, members) within ``area``, most households first."""
    t = register_households
    key = sa.func.substr(t.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("k")
    rows: Sequence[Any] = (
        await conn.execute(
            sa.select(key, sa.func.count(), sa.func.sum(t.c.members))
            .where(t.c.area_code.startswith(area))
            .group_by(key)
            .order_by(sa.func.count().desc(), key)
        )
    ).all()
    return [(code, households, int(members or 0)) for code, households, members in rows]


ASSIGNED = c.type_of(c.MentorHouseholdAssignedV1)
RELEASED = c.type_of(c.MentorHouseholdReleasedV1)


def mentors_of(rows: Sequence[sa.RowMapping]) -> frozenset[str]:
    """The logins of the household's mentor team now, from its own timeline (the last
    assignment names them; a release empties it): a mentor reads its team's households."""
    current: frozenset[str] = frozenset()
    for r in rows:
        if r["event_type"] == ASSIGNED:
            current = frozenset(r["data"].get("mentor_subjects") or ())
        elif r["event_type"] == RELEASED:
            current = frozenset()
    return current
