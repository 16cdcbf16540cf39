"""The assessment's event store: only ``Assessed`` leaves, validated against its contract."""

from __future__ import annotations

from faemban_assessment.domain import household as h
from faemban_domain.events.contracts import ASSESSMENT_TOPIC, contract_for
from faemban_domain.eventsourcing.aggregate import Repository
from faemban_domain.eventsourcing.store import EventStore, Publication, RecordedEvent

ASSESSED_V1 = "th.faemban.indicator.assessed.v1"


def public_view(event: RecordedEvent) -> Publication | None:
    if event.type != h.ASSESSED:
        return None
    model = contract_for(ASSESSED_V1).model
    data = model.model_validate(event.data).model_dump(mode="json")
    return Publication(ASSESSED_V1, data, data["household_id"], data["area_code"])


store = EventStore(source="faemban/assessment", topic=ASSESSMENT_TOPIC, public_view=public_view)
assessments: Repository[h.HouseholdAssessment] = Repository(store, h.HouseholdAssessment)
