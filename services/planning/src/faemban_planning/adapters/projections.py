"""What planning learns from the other services' topics (idempotent, in order per household).

Each row keeps the stream sequence of the last event it took, so a redelivered or
replayed event changes nothing twice; the logbook's entries are keyed by their id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import dialect_insert, upsert

HOUSEHOLD_TYPES = frozenset(
    c.type_of(m)
    for m in (
        c.HouseholdRegisteredV1,
        c.HouseholdVerifiedV1,
        c.HouseholdCertifiedV1,
        c.HouseholdCertificationReturnedV1,
        c.HouseholdCertificationReturnedV2,
        c.HouseholdApprovedV1,
        c.HouseholdMovedV1,
    )
)
ASSESSMENT_TYPES = c.ASSESSED_TYPES
ASSISTANCE_TYPES = frozenset({c.type_of(c.AssistanceLoggedV1), c.type_of(c.AssistanceVoidedV1)})


def _household_change(data: Any) -> dict[str, Any]:
    match data:
        case c.HouseholdVerifiedV1():
            return {"stage": "verified", "household_type": data.household_type}
        case c.HouseholdCertifiedV1():
            return {"stage": "certified"}
        case c.HouseholdApprovedV1():
            return {"stage": "approved"}
        case c.HouseholdCertificationReturnedV1() | c.HouseholdCertificationReturnedV2():
            return {"stage": "returned"}
        case c.HouseholdMovedV1():
            return {"area_code": data.area_code}
    return {}


async def project_household(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    t = tables["planning_households"]
    seq = int(event.sequence or 0)
    data = payload(event)
    if isinstance(data, c.HouseholdRegisteredV1):
        row = {"household_id": data.household_id, "area_code": data.area_code, "stage": "registered"}
        await conn.execute(
            dialect_insert(conn, t)
            .values(**row, household_type=None, last_sequence=seq)
            .on_conflict_do_nothing()
        )
        return
    changes = _household_change(data)
    if changes:
        await conn.execute(
            t.update()
            .where(t.c.household_id == event.data["household_id"], t.c.last_sequence < seq)
            .values(**changes, last_sequence=seq)
        )


async def project_assessment(
    conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]
) -> None:
    data = payload(event)
    assert isinstance(data, c.IndicatorAssessed)
    t = tables["planning_assessments"]
    seq = int(event.sequence or 0)
    row = {
        "household_id": data.household_id,
        "failing_indicators": list(data.failing_indicators),
        "deprived_dimensions": list(data.deprived_dimensions),
        "last_sequence": seq,
    }
    stmt = dialect_insert(conn, t).values(**row)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["household_id"],
            set_={
                k: stmt.excluded[k] for k in ("failing_indicators", "deprived_dimensions", "last_sequence")
            },
            where=t.c.last_sequence < stmt.excluded.last_sequence,
        )
    )


async def project_assistance(
    conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]
) -> None:
    t = tables["planning_assistance"]
    match payload(event):
        case c.AssistanceLoggedV1() as d:
            await conn.execute(
                dialect_insert(conn, t)
                .values(entry_id=d.entry_id, household_id=d.household_id, voided=False)
                .on_conflict_do_nothing()
            )
        case c.AssistanceVoidedV1() as d:
            # a void follows its entry (one household, one partition); voided stays voided on replay
            await upsert(
                conn,
                t,
                {"entry_id": d.entry_id, "household_id": d.household_id, "voided": True},
                ["entry_id"],
                ["voided"],
            )
