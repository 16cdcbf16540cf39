"""Which logins mentor which household, from planning's assignments (a team's logins are
replaced whole on each assignment and removed on release, so redelivery changes nothing)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_registry.adapters.tables import household_mentors

EVENT_TYPES = frozenset({c.type_of(c.MentorHouseholdAssignedV1), c.type_of(c.MentorHouseholdReleasedV1)})


async def project_mentors(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    t = tables["household_mentors"]
    data = payload(event)
    household_id = event.data["household_id"]
    await conn.execute(t.delete().where(t.c.household_id == household_id))
    if isinstance(data, c.MentorHouseholdAssignedV1) and data.mentor_subjects:
        await conn.execute(
            t.insert(), [{"household_id": household_id, "subject": s} for s in data.mentor_subjects]
        )


async def is_mentor_of(conn: AsyncConnection, household_id: str, subject: str) -> bool:
    t = household_mentors
    found = await conn.scalar(
        sa.select(sa.func.count()).where(t.c.household_id == household_id, t.c.subject == subject)
    )
    return bool(found)
