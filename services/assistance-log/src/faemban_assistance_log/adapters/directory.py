"""Households, their agencies and their mentors as the logbook knows them, from the topics.

Two small projections: the registry's registrations and moves give each household's
area (an entry is logged only for a registered household, inside the recorder's area);
planning's plans and budget decisions name the agencies a household is assigned to (what
an agency's users may see), its mentor assignments the logins of the household's team.
Redelivered or replayed events change nothing twice: a household row keeps the sequence
of the last event it took, assignments are a set, a team's logins are replaced whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assistance_log.adapters.tables import (
    assistance_assignments,
    assistance_households,
    assistance_mentors,
)
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import dialect_insert
from faemban_domain.platform import mentors

HOUSEHOLD_TYPES = frozenset({c.type_of(c.HouseholdRegisteredV1), c.type_of(c.HouseholdMovedV1)})
ASSIGNMENT_TYPES = (
    frozenset({c.type_of(c.PlanCreatedV1), c.type_of(c.PlanItemBudgetedV1)}) | mentors.EVENT_TYPES
)
_project_mentors = mentors.projector("assistance_mentors")


async def project_household(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    t = tables["assistance_households"]
    seq = int(event.sequence or 0)
    match payload(event):
        case c.HouseholdRegisteredV1() as d:
            await conn.execute(
                dialect_insert(conn, t)
                .values(household_id=d.household_id, area_code=d.area_code, last_sequence=seq)
                .on_conflict_do_nothing()
            )
        case c.HouseholdMovedV1() as d:
            await conn.execute(
                t.update()
                .where(t.c.household_id == d.household_id, t.c.last_sequence < seq)
                .values(area_code=d.area_code, last_sequence=seq)
            )


async def project_assignment(
    conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]
) -> None:
    if event.type in mentors.EVENT_TYPES:
        await _project_mentors(conn, event, tables)
        return
    match payload(event):
        case c.PlanCreatedV1() as d:
            agencies = {i.lead_agency for i in d.items}
        case c.PlanItemBudgetedV1() as d:
            agencies = {d.agency}
        case _:
            return
    rows = [{"household_id": event.data["household_id"], "agency": a} for a in sorted(agencies)]
    if rows:
        t = tables["assistance_assignments"]
        await conn.execute(dialect_insert(conn, t).on_conflict_do_nothing(), rows)


class Directory:
    """Lookups of the projected households and assignments in a unit of work's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def area_of(self, household_id: str) -> str | None:
        t = assistance_households
        return await self.conn.scalar(sa.select(t.c.area_code).where(t.c.household_id == household_id))

    async def is_mentor_of(self, household_id: str, subject: str) -> bool:
        return await mentors.is_mentor_of(self.conn, assistance_mentors, household_id, subject)

    async def is_assigned(self, household_id: str, agency: str | None) -> bool:
        if agency is None:
            return False
        t = assistance_assignments
        found: Any = await self.conn.scalar(
            sa.select(sa.func.count()).where(t.c.household_id == household_id, t.c.agency == agency)
        )
        return bool(found)
