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


class AggregateSet(Generic[A]):
    """The aggregates of one kind a unit of work loaded or started, bound to its connection.

    Each is loaded once per unit of work (a second ``get`` returns the same object, with
    the events it recorded meanwhile), and ``changed()`` lists what ``flush`` must save.
    """

    def __init__(self, conn: AsyncConnection, store: EventStore, factory: type[A]) -> None:
        self.conn = conn
        self.repository: Repository[A] = Repository(store, factory)
        self.touched: dict[str, A] = {}

    async def get(self, aggregate_id: str) -> A | None:
        found = self.touched.get(aggregate_id) or await self.repository.get(self.conn, aggregate_id)
        if found is not None:
            self.touched[aggregate_id] = found
        return found

    async def get_or_start(self, aggregate_ids: Sequence[str]) -> dict[str, A]:
        """Each aggregate, a new empty one for an id without a stream (one query for all)."""
        wanted = [i for i in dict.fromkeys(aggregate_ids) if i not in self.touched]
        loaded = await self.repository.get_many(self.conn, wanted)
        for aggregate_id in wanted:
            self.touched[aggregate_id] = loaded.get(aggregate_id) or self.repository.factory(aggregate_id)
        return {i: self.touched[i] for i in aggregate_ids}

    def add(self, aggregate: A) -> None:
        self.touched[aggregate.id] = aggregate

    def changed(self) -> list[A]:
        return [a for a in self.touched.values() if a.has_pending]
