"""The assessment's event store (only ``Assessed`` leaves, validated against its contract)
and the repository of household assessments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.domain import events as ev
from faemban_assessment.domain.household import HouseholdAssessment
from faemban_domain.events.contracts import ASSESSMENT_TOPIC, type_of
from faemban_domain.eventsourcing.repository import Repository
from faemban_domain.eventsourcing.store import EventStore, contract_view

ASSESSED = ev.ASSESSMENT_EVENTS.name_of_class(ev.Assessed)
ASSESSED_V1 = type_of(ev.Assessed)

public_view = contract_view({ASSESSED: ASSESSED_V1})
store = EventStore(source="faemban/assessment", topic=ASSESSMENT_TOPIC, public_view=public_view)


class Assessments:
    """The households' assessment streams a unit of work loaded or started."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._repository: Repository[HouseholdAssessment] = Repository(store, HouseholdAssessment)
        self.touched: dict[str, HouseholdAssessment] = {}

    async def get(self, household_id: str) -> HouseholdAssessment | None:
        found = self.touched.get(household_id) or await self._repository.get(self.conn, household_id)
        if found is not None:
            self.touched[household_id] = found
        return found

    async def get_or_start(self, household_ids: Sequence[str]) -> dict[str, HouseholdAssessment]:
        """Each household's assessment, a new empty one for a household never seen (one query)."""
        wanted = [i for i in dict.fromkeys(household_ids) if i not in self.touched]
        loaded = await self._repository.get_many(self.conn, wanted)
        for household_id in wanted:
            self.touched[household_id] = loaded.get(household_id) or HouseholdAssessment(household_id)
        return {i: self.touched[i] for i in household_ids}

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

    async def save_changed(self) -> None:
        """Every touched assessment with new events, in one statement (all or none)."""
        changed = [a for a in self.touched.values() if a.has_pending]
        if changed:
            await self._repository.save_many(self.conn, changed)
