"""The registry's event store and what of it is published.

Internal events may later carry personal data (names, ids, pins) that must
stay in this database; ``public_view`` decides what reaches Kafka, validated
against the public contract.
"""

from __future__ import annotations

from faemban_domain.events.contracts import (
    REGISTRY_TOPIC,
    HouseholdFieldStatusRecordedV1,
    HouseholdRegisteredV1,
    HouseholdVerifiedV1,
)
from faemban_domain.eventsourcing.aggregate import Repository
from faemban_domain.eventsourcing.store import EventStore, Publication, RecordedEvent
from faemban_registry.domain.household import FIELD_STATUS_RECORDED, REGISTERED, VERIFIED, Household


def public_view(event: RecordedEvent) -> Publication | None:
    if event.type == REGISTERED:
        data = HouseholdRegisteredV1.model_validate(event.data).model_dump(mode="json")
        return Publication(
            "th.faemban.household.registered.v1", data, data["household_id"], data["area_code"]
        )
    if event.type == VERIFIED:
        data = HouseholdVerifiedV1.model_validate(event.data).model_dump(mode="json")
        return Publication("th.faemban.household.verified.v1", data, data["household_id"], data["area_code"])
    if event.type == FIELD_STATUS_RECORDED:
        data = HouseholdFieldStatusRecordedV1.model_validate(event.data).model_dump(mode="json")
        return Publication(
            "th.faemban.household.field-status-recorded.v1", data, data["household_id"], data["area_code"]
        )
    return None


store = EventStore(source="faemban/registry", topic=REGISTRY_TOPIC, public_view=public_view)
households: Repository[Household] = Repository(store, Household)
