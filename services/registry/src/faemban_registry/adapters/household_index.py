"""Where each household stands, kept in the same transaction as its events.

A district certifies "the verified households of a subdistrict": that is a
query over households, which an event store cannot answer cheaply. The
index is state derived from the streams, so ``rebuild`` can make it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.sql import bulk_insert, upsert
from faemban_domain.eventsourcing.tables import event_store
from faemban_registry.adapters.tables import household_index
from faemban_registry.domain.household import Household


def row_of(household: Household) -> dict[str, Any]:
    return {
        "household_id": household.id,
        "area_code": household.area_code,
        "status": household.status,
        "survey_year": household.survey_year,
        "version": household.version,
        "household_type": household.verification.household_type if household.verification else None,
        "cohort_year": household.cohort_year,
        "source": household.source,
        "verification_category": (
            household.verification.verification_category if household.verification else None
        ),
        "failing_indicators": "," + ",".join(household.failing_indicators) + ",",
    }


class HouseholdIndex:
    """The index rows of the households a unit of work changed, in its transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(self, household: Household) -> None:
        row = row_of(household)
        await upsert(self.conn, household_index, row, ["household_id"], list(row)[1:])

    async def insert_new(self, households: Iterable[Household]) -> None:
        await insert_new(self.conn, households)

    async def ids_in(self, area_prefix: str, status: str, survey_year: int | None = None) -> list[str]:
        t = household_index
        stmt = sa.select(t.c.household_id).where(t.c.area_code.startswith(area_prefix), t.c.status == status)
        if survey_year is not None:
            stmt = stmt.where(t.c.survey_year == survey_year)
        return list((await self.conn.execute(stmt.order_by(t.c.household_id))).scalars())


async def insert_new(conn: AsyncConnection, households: Iterable[Household]) -> None:
    await bulk_insert(conn, household_index, [row_of(h) for h in households])


async def is_stale(conn: AsyncConnection) -> bool:
    """True when households exist that the index lacks (e.g. a database older than the index)."""
    indexed = await conn.scalar(sa.select(sa.func.count()).select_from(household_index))
    streams = await conn.scalar(
        sa.select(sa.func.count()).where(
            event_store.c.stream_id.startswith(Household.stream_prefix), event_store.c.version == 1
        )
    )
    return (indexed or 0) < (streams or 0)


async def rebuild(conn: AsyncConnection) -> int:
    """Replay every household stream into a fresh index; returns the households indexed."""
    await conn.execute(household_index.delete())
    rows = await conn.stream(
        sa.select(
            event_store.c.stream_id, event_store.c.version, event_store.c.event_type, event_store.c.data
        )
        .where(event_store.c.stream_id.startswith(Household.stream_prefix))
        .order_by(event_store.c.stream_id, event_store.c.version)
    )
    batch: list[Household] = []
    current: Household | None = None
    count = 0
    async for stream_id, version, event_type, data in rows:
        if current is None or current.stream_id != stream_id:
            if current is not None:
                batch.append(current)
            current = Household(stream_id.removeprefix(Household.stream_prefix))
        current.apply_recorded(event_type, data, version)
        if len(batch) >= 1000:
            await insert_new(conn, batch)
            count += len(batch)
            batch = []
    if current is not None:
        batch.append(current)
    await insert_new(conn, batch)
    return count + len(batch)
