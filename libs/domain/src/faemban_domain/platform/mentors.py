"""Which logins mentor which household, as a service that reads households learns it from
planning's topic (``mentor.household-assigned.v1`` names the team's logins; a release
empties them). One table per service, replaced whole per event, so a redelivered or
replayed event changes nothing twice; a mentor then sees its own team's households only
(``Principal.ensure_household(..., assigned=True)``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload

EVENT_TYPES = frozenset({c.type_of(c.MentorHouseholdAssignedV1), c.type_of(c.MentorHouseholdReleasedV1)})


def mentors_table(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
    )


def projector(key: str) -> Callable[[AsyncConnection, CloudEvent, Mapping[str, sa.Table]], Awaitable[None]]:
    """The consumer handler keeping ``tables[key]``."""

    async def project(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
        t = tables[key]
        data = payload(event)
        household_id = event.data["household_id"]
        await conn.execute(t.delete().where(t.c.household_id == household_id))
        if isinstance(data, c.MentorHouseholdAssignedV1) and data.mentor_subjects:
            rows = [{"household_id": household_id, "subject": s} for s in data.mentor_subjects]
            await conn.execute(t.insert(), rows)

    return project


async def is_mentor_of(conn: AsyncConnection, table: sa.Table, household_id: str, subject: str) -> bool:
    stmt = sa.select(sa.func.count()).where(table.c.household_id == household_id, table.c.subject == subject)
    return bool(await conn.scalar(stmt))
