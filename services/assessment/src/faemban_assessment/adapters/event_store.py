"""The assessment's event store (only ``Assessed`` leaves, as the compact
``indicator.assessed.v2`` validated against its contract) and the repository of household
assessments. The stored ``Assessed`` keeps v1's shape, which the assessment API answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.domain import events as ev
from faemban_assessment.domain.household import HouseholdAssessment
from faemban_domain.events.contracts import ASSESSMENT_TOPIC, IndicatorAssessedV2, type_of
from faemban_domain.eventsourcing.repository import AggregateSet
from faemban_domain.eventsourcing.store import EventStore, contract_view

ASSESSED = ev.ASSESSMENT_EVENTS.name_of_class(ev.Assessed)
ASSESSED_V2 = type_of(IndicatorAssessedV2)

public_view = contract_view(
    {ASSESSED: ASSESSED_V2}, {ASSESSED: lambda event: IndicatorAssessedV2.from_v1(event.data)}
)
store = EventStore(source="faemban/assessment", topic=ASSESSMENT_TOPIC, public_view=public_view)


class Assessments(AggregateSet[HouseholdAssessment]):
    """The households' assessment streams a unit of work loaded or started."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, HouseholdAssessment)

    async def history(self, household_id: str) -> tuple[HouseholdAssessment, list[dict[str, Any]]]:
        """The household's assessment and every ``Assessed`` of its stream, oldest first (one read)."""
        agg = HouseholdAssessment(household_id)
        events = await store.load(self.conn, agg.stream_id)
        agg.replay(events)
        return agg, [e.data for e in events if e.type == ASSESSED]

    async def ids_after(self, after: str, limit: int) -> list[str]:
        """Household ids with an assessment stream, in order, after ``after`` (to walk them all)."""
        prefix = HouseholdAssessment.stream_prefix
        streams = await store.stream_ids(self.conn, prefix, f"{prefix}{after}" if after else "", limit)
        return [s[len(prefix) :] for s in streams]
