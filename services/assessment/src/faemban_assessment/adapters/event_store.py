"""The assessment's event store: only ``Assessed`` leaves, validated against its contract."""

from __future__ import annotations

from faemban_assessment.domain import events as ev
from faemban_assessment.domain import household as h
from faemban_domain.events.contracts import ASSESSMENT_TOPIC, type_of
from faemban_domain.eventsourcing.repository import Repository
from faemban_domain.eventsourcing.store import EventStore, contract_view

ASSESSED = ev.ASSESSMENT_EVENTS.name_of_class(ev.Assessed)
ASSESSED_V1 = type_of(ev.Assessed)

public_view = contract_view({ASSESSED: ASSESSED_V1})
store = EventStore(source="faemban/assessment", topic=ASSESSMENT_TOPIC, public_view=public_view)
assessments: Repository[h.HouseholdAssessment] = Repository(store, h.HouseholdAssessment)
