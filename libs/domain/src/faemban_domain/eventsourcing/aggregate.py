"""Aggregates that record events, and the repository that stores them.

An aggregate's command methods check the rules, then ``_trigger`` an event;
``_apply`` is the only place state changes, used both for new events and when
replaying the stream, so the state after a command equals the state after a
reload (pyeventsourcing's pattern, without its metaclass magic).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.store import EventStore, NewEvent, RecordedEvent


class Aggregate:
    stream_prefix: ClassVar[str] = ""

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0
        self._pending: list[NewEvent] = []

    @property
    def stream_id(self) -> str:
        return f"{self.stream_prefix}{self.id}"

    def _trigger(self, event_type: str, data: dict[str, Any]) -> None:
        self._apply(event_type, data)
        self._pending.append(NewEvent(type=event_type, data=data))

    def _apply(self, event_type: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def collect_pending(self) -> list[NewEvent]:
        pending, self._pending = self._pending, []
        return pending

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def replay(self, events: Sequence[RecordedEvent]) -> None:
        for ev in events:
            self._apply(ev.type, ev.data)
            self.version = ev.version


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
