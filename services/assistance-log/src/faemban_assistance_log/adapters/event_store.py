"""The logbook's event store, what of it is published, and the entries repository."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assistance_log.domain import events as ev
from faemban_assistance_log.domain.entry import AssistanceEntry
from faemban_domain.events.contracts import (
    ASSISTANCE_TOPIC,
    AssistanceLoggedV1,
    AssistanceVoidedV1,
    type_of,
)
from faemban_domain.eventsourcing.repository import AggregateSet
from faemban_domain.eventsourcing.store import EventStore, contract_view, kept_home

LOGGED = ev.ENTRY_EVENTS.name_of_class(ev.Logged)
VOIDED = ev.ENTRY_EVENTS.name_of_class(ev.Voided)
_PRIVATE = frozenset(set(ev.Logged.model_fields) - set(AssistanceLoggedV1.model_fields))


public_view = contract_view(
    {LOGGED: type_of(AssistanceLoggedV1), VOIDED: type_of(AssistanceVoidedV1)},
    # the note, the member and the exact amount's text stay in the logbook; a void's reason too
    {LOGGED: kept_home(*_PRIVATE), VOIDED: kept_home("reason", "voided_at", ref="reason_ref")},
)
store = EventStore(source="faemban/assistance-log", topic=ASSISTANCE_TOPIC, public_view=public_view)


class Entries(AggregateSet[AssistanceEntry]):
    """The logbook entries a unit of work loaded or recorded."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, AssistanceEntry)
