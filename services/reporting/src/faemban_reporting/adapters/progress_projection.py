"""Verification progress (docs/domain.md, "KPIs"): where each household stands in the campaign.

One row per household, moved by the registry's events: registered → to
verify; verified (with its ศจพ.1 category, or none for a ศจพ.2 household);
certified by the district; approved by the province; returned → to verify
again. Lateness of the verification is judged here against the campaign
calendar of its survey year (``faemban_domain.campaign``); certification and
approval events carry their own ``late``. Stale events (an older sequence)
are ignored, so redelivery and replay give the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import campaign
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import insert_many

REGISTERED = c.type_of(c.HouseholdRegisteredV1)
VERIFIED = c.type_of(c.HouseholdVerifiedV1)
CERTIFIED = c.type_of(c.HouseholdCertifiedV1)
RETURNED = c.type_of(c.HouseholdCertificationReturnedV1)
"""Retired: it carried the reason's words; the registry now publishes v2 (``reason_ref``)."""
RETURNED_V2 = c.type_of(c.HouseholdCertificationReturnedV2)
APPROVED = c.type_of(c.HouseholdApprovedV1)
MOVED = c.type_of(c.HouseholdMovedV1)
EVENT_TYPES = frozenset({REGISTERED, VERIFIED, CERTIFIED, RETURNED, RETURNED_V2, APPROVED, MOVED})


def _new_row(event: CloudEvent) -> dict[str, Any]:
    d = payload(event)
    assert isinstance(d, c.HouseholdRegisteredV1)
    return {
        "household_id": d.household_id,
        "area_code": d.area_code,
        "source": d.source,
        "survey_year": d.cohort_year,
        "status": "to_verify",
        "verification_category": None,
        "verified_at": None,
        "verified_late": False,
        "certified_late": False,
        "approved_late": False,
        "times_returned": 0,
        "last_return_level": None,
        "last_return_reason": None,
        "last_sequence": int(event.sequence or 0),
    }


def _changes(data: BaseModel) -> dict[str, Any]:
    match data:
        case c.HouseholdVerifiedV1():
            return {
                "status": "verified",
                "survey_year": data.survey_year,
                "verification_category": data.verification_category,
                "verified_at": data.verified_at,
                "verified_late": campaign.calendar(data.survey_year).is_late("verify", data.verified_at),
                "certified_late": False,
                "approved_late": False,
            }
        case c.HouseholdCertifiedV1():
            return {"status": "certified", "certified_late": data.late}
        case c.HouseholdApprovedV1():
            return {"status": "approved", "approved_late": data.late}
        case c.HouseholdCertificationReturnedV1() | c.HouseholdCertificationReturnedV2():
            # the words of a reason are never kept here (a v1 event from the past still carries them)
            return {"status": "to_verify", "last_return_level": data.level, "last_return_reason": None}
        case c.HouseholdMovedV1():
            return {"area_code": data.area_code}
    return {}


async def project_progress(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    t = tables["verification_households"]
    if event.type == REGISTERED:
        await _insert(conn, t, [_new_row(event)])
        return
    data = payload(event)
    changes = _changes(data)
    if not changes:
        return
    seq = int(event.sequence or 0)
    if event.type in (RETURNED, RETURNED_V2):
        changes["times_returned"] = t.c.times_returned + 1
    await conn.execute(
        t.update()
        .where(t.c.household_id == event.data["household_id"], t.c.last_sequence < seq)
        .values(**changes, last_sequence=seq)
    )


async def project_progress_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    """Registrations in one statement (a register import brings thousands), then the rest in order."""
    rows = [_new_row(e) for e in events if e.type == REGISTERED]
    if rows:
        await _insert(conn, tables["verification_households"], rows)
    for e in events:
        if e.type != REGISTERED:
            await project_progress(conn, e, tables)


async def _insert(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    unique = list({r["household_id"]: r for r in rows}.values())
    await insert_many(conn, table, unique, lambda insert: insert.on_conflict_do_nothing())
