"""The registry's event store and what of it is published.

Every internal event of a household has a public type; its data is
validated against the public contract on the way to the outbox, so a field
that is not in the contract (and no personal data is) cannot leave.
"""

from __future__ import annotations

from typing import Any

from faemban_domain.events.contracts import REGISTRY_TOPIC
from faemban_domain.eventsourcing.repository import Repository
from faemban_domain.eventsourcing.store import EventStore, RecordedEvent, contract_view
from faemban_registry.domain import household as h

PUBLIC_TYPES = {
    h.REGISTERED: "th.faemban.household.registered.v1",
    h.VERIFIED: "th.faemban.household.verified.v1",
    h.FIELD_STATUS_RECORDED: "th.faemban.household.field-status-recorded.v1",
    h.DETAILS_RECORDED: "th.faemban.household.details-recorded.v1",
    h.MEMBER_ADDED: "th.faemban.household.member-added.v1",
    h.MEMBER_LEFT: "th.faemban.household.member-left.v1",
    h.HEAD_DECEASED: "th.faemban.household.head-deceased.v1",
    h.MOVED: "th.faemban.household.moved.v1",
    h.CERTIFIED: "th.faemban.household.certified.v1",
    h.RETURNED: "th.faemban.household.certification-returned.v2",
    h.APPROVED: "th.faemban.household.approved.v1",
}


def _returned(event: RecordedEvent) -> dict[str, Any]:
    """The reason is the district's or province's own words: it stays in the registry and
    the event names it by the id of the event that recorded it (``reason_ref``)."""
    data = {k: v for k, v in event.data.items() if k != "reason"}
    return {**data, "reason_ref": event.event_id}


public_view = contract_view(PUBLIC_TYPES, {h.RETURNED: _returned})

store = EventStore(source="faemban/registry", topic=REGISTRY_TOPIC, public_view=public_view)
households: Repository[h.Household] = Repository(store, h.Household)
