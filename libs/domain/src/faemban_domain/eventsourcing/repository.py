"""Loading aggregates from their streams and saving what they recorded (optimistic concurrency)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.aggregate import Aggregate
from faemban_domain.eventsourcing.store import EventStore, RecordedEvent

A = TypeVar("A", bound=Aggregate)


class Repository(Generic[A]):
    def __init__(self, store: EventStore, factory: type[A]) -> None:
        self.store = store
        self.factory = factory

    async def get(self, conn: AsyncConnection, aggregate_id: str) -> A | None:
        agg = self.factory(aggregate_id)
        events = await self.store.load(conn, agg.stream_id)
        if not events:
            return None
        agg.replay(events)
        return agg

    async def get_many(self, conn: AsyncConnection, aggregate_ids: Sequence[str]) -> dict[str, A]:
        """Load many aggregates at once; ids without a stream are absent from the result."""
        by_stream = {self.factory(i).stream_id: i for i in aggregate_ids}
        loaded = await self.store.load_many(conn, list(by_stream))
        out: dict[str, A] = {}
        for stream_id, events in loaded.items():
            agg = self.factory(by_stream[stream_id])
            agg.replay(events)
            out[agg.id] = agg
        return out

    async def save_many(self, conn: AsyncConnection, aggs: Sequence[A]) -> list[RecordedEvent]:
        """Save every aggregate's pending events in one statement (all or none)."""
        batch = [(agg, agg.collect_pending()) for agg in aggs]
        recorded = await self.store.append_batch(
            conn, [(agg.stream_id, agg.version, pending) for agg, pending in batch if pending]
        )
        for agg, pending in batch:
            agg.version += len(pending)
        return recorded

    async def save(self, conn: AsyncConnection, agg: A) -> list[RecordedEvent]:
        pending = agg.collect_pending()
        recorded = await self.store.append(conn, agg.stream_id, agg.version, pending)
        if recorded:
            agg.version = recorded[-1].version
        return recorded
