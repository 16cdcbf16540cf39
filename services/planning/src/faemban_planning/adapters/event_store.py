"""Planning's event store, what of it is published, and the repositories of its aggregates.

One store for the three kinds of stream (``team-``, ``plan-``, ``case-``). Every published
event is keyed by its household; the people's own words stay in the store and the public
form names a reason by the id of the event that recorded it (``reason_ref``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events import contracts as c
from faemban_domain.eventsourcing.repository import AggregateSet
from faemban_domain.eventsourcing.store import EventStore, RecordedEvent, contract_view, kept_home
from faemban_planning.domain import events as ev
from faemban_planning.domain.case import Case
from faemban_planning.domain.plan import HouseholdPlan
from faemban_planning.domain.team import MentorTeam

_name = {**ev.TEAM_EVENTS.names, **ev.PLAN_EVENTS.names, **ev.CASE_EVENTS.names}


PUBLISHED: dict[type, tuple[type, Callable[[RecordedEvent], dict[str, Any]] | None]] = {
    ev.HouseholdAssigned: (c.MentorHouseholdAssignedV1, None),
    ev.HouseholdReleased: (c.MentorHouseholdReleasedV1, None),
    ev.PlanMade: (
        c.PlanCreatedV1,
        kept_home(*(set(ev.PlanMade.model_fields) - set(c.PlanCreatedV1.model_fields))),
    ),
    ev.ItemUpdated: (c.PlanItemUpdatedV1, None),
    ev.ItemBudgeted: (
        c.PlanItemBudgetedV1,
        kept_home("justification", ref="justification_ref", when="justification"),
    ),
    ev.PlanClosed: (c.PlanClosedV1, None),
    ev.CaseOpened: (c.CaseOpenedV1, kept_home("reason", "problem_texts", ref="reason_ref")),
    ev.CaseExtended: (c.CaseExtendedV1, kept_home("reason", "problem_texts", ref="reason_ref")),
    ev.CaseEscalated: (c.CaseEscalatedV1, kept_home("reason", ref="reason_ref")),
    ev.CaseAccepted: (c.CaseAcceptedV1, None),
    ev.CaseReturned: (c.CaseReturnedV1, kept_home("reason", ref="reason_ref")),
    ev.CaseResolved: (c.CaseResolvedV1, kept_home("note", ref="note_ref", when="note")),
}
"""Private event class → (its public contract, how its data is shaped; None: as recorded)."""

public_view = contract_view(
    {_name[cls]: c.type_of(contract) for cls, (contract, _) in PUBLISHED.items()},
    {_name[cls]: shape for cls, (_, shape) in PUBLISHED.items() if shape is not None},
)
store = EventStore(source="faemban/planning", topic=c.PLANNING_TOPIC, public_view=public_view)


class Teams(AggregateSet[MentorTeam]):
    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, MentorTeam)


class Plans(AggregateSet[HouseholdPlan]):
    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, HouseholdPlan)


class Cases(AggregateSet[Case]):
    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, Case)

    async def history(self, case_id: str) -> tuple[Case, list[RecordedEvent]] | None:
        """The case and its recorded events (with who recorded each), oldest first."""
        case = Case(case_id)
        events = await store.load(self.conn, case.stream_id)
        if not events:
            return None
        case.replay(events)
        return case, events
