"""Escalation queues (docs/domain.md, "KPIs"): each case's level and state, from planning's topic.

A case's events carry its stream position (``sequence``): an older or repeated one changes
nothing, so redelivery and rebuilds give the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import dialect_insert

EVENT_TYPES = frozenset(
    c.type_of(m)
    for m in (c.CaseOpenedV1, c.CaseEscalatedV1, c.CaseAcceptedV1, c.CaseReturnedV1, c.CaseResolvedV1)
)


def _changes(data: BaseModel) -> dict[str, Any]:
    match data:
        case c.CaseEscalatedV1():
            return {"level": data.to_level, "state": "open", "level_since": data.escalated_at}
        case c.CaseAcceptedV1():
            return {"state": "accepted"}
        case c.CaseReturnedV1():
            return {"level": data.to_level, "state": "returned", "level_since": data.returned_at}
        case c.CaseResolvedV1():
            return {"state": "resolved", "level": data.level}
    return {}


async def project_case(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    t = tables["escalation_cases"]
    seq = int(event.sequence or 0)
    data = payload(event)
    if isinstance(data, c.CaseOpenedV1):
        row = {
            "case_id": data.case_id,
            "household_id": data.household_id,
            "area_code": data.area_code,
            "level": data.level,
            "state": "open",
            "opened_level": data.level,
            "opened_at": data.opened_at,
            "level_since": data.opened_at,
            "escalations": 0,
            "last_sequence": seq,
        }
        await conn.execute(dialect_insert(conn, t).values(**row).on_conflict_do_nothing())
        return
    changes = _changes(data)
    if isinstance(data, c.CaseEscalatedV1):
        changes["escalations"] = t.c.escalations + 1
    if changes:
        await conn.execute(
            t.update()
            .where(t.c.case_id == event.data["case_id"], t.c.last_sequence < seq)
            .values(**changes, last_sequence=seq)
        )
