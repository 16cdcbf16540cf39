"""The logbook as people read it: one row per entry, written with the entry's events.

Derived from the entry streams in the same transaction (never a second source of truth:
the rows can be made again from the streams).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assistance_log.adapters.tables import assistance_entries
from faemban_assistance_log.domain.entry import AssistanceEntry


def row_of(entry: AssistanceEntry, recorded_by: str, voided_by: str | None) -> dict[str, Any]:
    logged = entry.logged
    assert logged is not None
    void = entry.void
    return {
        "entry_id": entry.id,
        "household_id": logged.household_id,
        "area_code": logged.area_code,
        "member_id": logged.member_id,
        "problem": logged.problem,
        "problem_text": logged.problem_text,
        "agency": logged.agency,
        "giver_kind": logged.giver_kind,
        "kind": logged.kind,
        "amount_baht": logged.amount,
        "given_on": logged.given_on,
        "plan_item_id": logged.plan_item_id,
        "case_id": logged.case_id,
        "note": logged.note,
        "recorded_by": recorded_by,
        "recorded_at": logged.recorded_at,
        "voided_at": void.voided_at if void else None,
        "voided_by": voided_by,
        "void_reason": void.reason if void else None,
        "voided_by_entry_id": void.voided_by_entry_id if void else None,
    }


class Logbook:
    """The logbook rows of one unit of work's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(self, entry: AssistanceEntry, actor: str) -> None:
        t = assistance_entries
        if entry.void is None:
            await self.conn.execute(t.insert().values(**row_of(entry, actor, None)))
            return
        await self.conn.execute(
            t.update()
            .where(t.c.entry_id == entry.id)
            .values(
                voided_at=entry.void.voided_at,
                voided_by=actor,
                void_reason=entry.void.reason,
                voided_by_entry_id=entry.void.voided_by_entry_id,
            )
        )

    async def of_household(self, household_id: str) -> list[dict[str, Any]]:
        t = assistance_entries
        rows = await self.conn.execute(
            sa.select(t)
            .where(t.c.household_id == household_id)
            .order_by(t.c.given_on, t.c.recorded_at, t.c.entry_id)
        )
        return [dict(r) for r in rows.mappings()]

    async def one(self, entry_id: str) -> dict[str, Any] | None:
        t = assistance_entries
        row = (await self.conn.execute(sa.select(t).where(t.c.entry_id == entry_id))).mappings().first()
        return dict(row) if row else None
