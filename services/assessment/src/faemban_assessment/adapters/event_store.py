"""The assessment's event store (only ``Assessed`` leaves, as ``indicator.assessed.v2`` validated
against its contract) and the repository of household assessments. ``Assessed`` is v2 and two
fields more (domain/events.py); an older stream's v1-shaped ``AssessedAsV1`` leaves as v2 too."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.domain import events as ev
from faemban_assessment.domain.household import HouseholdAssessment
from faemban_domain.events.contracts import ASSESSMENT_TOPIC, IndicatorAssessedV2, type_of
from faemban_domain.eventsourcing.records import ModelData, RecordedEvent
from faemban_domain.eventsourcing.repository import AggregateSet
from faemban_domain.eventsourcing.store import EventStore, contract_view

ASSESSED = ev.ASSESSMENT_EVENTS.name_of_class(ev.Assessed)
ASSESSED_AS_V1 = ev.ASSESSMENT_EVENTS.name_of_class(ev.AssessedAsV1)
ASSESSED_V2 = type_of(IndicatorAssessedV2)


def _published(event: RecordedEvent) -> dict[str, Any]:
    """v2's part of a stored ``Assessed``. Just recorded (dumped from the validated record, whose
    v2 fields carry v2's own constraints), it is v2 as is; read back from the store, the
    contract view validates it."""
    data = {k: v for k, v in event.data.items() if k not in ev.KEPT_HERE}
    if isinstance(event.data, ModelData) and event.data.model is ev.Assessed:
        return ModelData(data, IndicatorAssessedV2)
    return data


public_view = contract_view(
    {ASSESSED: ASSESSED_V2, ASSESSED_AS_V1: ASSESSED_V2},
    {ASSESSED: _published, ASSESSED_AS_V1: lambda event: IndicatorAssessedV2.from_v1(event.data)},
)
store = EventStore(source="faemban/assessment", topic=ASSESSMENT_TOPIC, public_view=public_view)


class Assessments(AggregateSet[HouseholdAssessment]):
    """The households' assessment streams a unit of work loaded or started."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, HouseholdAssessment)

    async def history(self, household_id: str) -> tuple[HouseholdAssessment, list[ev.Assessed]]:
        """The household's assessment and every assessment of its stream, oldest first (one read)."""
        agg = HouseholdAssessment(household_id)
        events = await store.load(self.conn, agg.stream_id)
        agg.replay(events)
        return agg, [
            ev.Assessed.model_validate(e.data)
            if e.type == ASSESSED
            else ev.Assessed.of_v1(ev.AssessedAsV1.model_validate(e.data))
            for e in events
            if e.type in (ASSESSED, ASSESSED_AS_V1)
        ]

    async def ids_after(self, after: str, limit: int) -> list[str]:
        """Household ids with an assessment stream, in order, after ``after`` (to walk them all)."""
        prefix = HouseholdAssessment.stream_prefix
        streams = await store.stream_ids(self.conn, prefix, f"{prefix}{after}" if after else "", limit)
        return [s[len(prefix) :] for s in streams]
