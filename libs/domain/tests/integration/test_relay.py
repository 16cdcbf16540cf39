"""The relay drains the outbox in pipelined batches: every committed event once, each
household's events in order, one relay at a time per database, and a row committed late
with a lower id is not left behind (ADR 0026)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Sequence

import orjson
import pytest
import sqlalchemy as sa

from faemban_domain.eventsourcing.broker import OutgoingRecord, Publisher
from faemban_domain.eventsourcing.relay import OutboxRelay
from faemban_domain.eventsourcing.store import EventStore, NewEvent, Publication, RecordedEvent
from faemban_domain.eventsourcing.tables import outbox

from .conftest import Backend


def _public(ev: RecordedEvent) -> Publication:
    return Publication("th.faemban.test.changed.v1", ev.data, ev.stream_id, "34010101")


async def _write(backend: Backend, store: EventStore, households: int, events_each: int) -> list[str]:
    """``events_each`` events per household, each its own commit, interleaved across households."""
    ids: list[str] = []
    for v in range(events_each):
        for h in range(households):
            async with backend.engine.begin() as conn:
                recorded = await store.append(conn, f"H{h}", v, [NewEvent("Changed", {"value": v + 1})])
            ids.append(recorded[0].event_id)
    return ids


async def _on_topic(backend: Backend) -> list[tuple[str, str, int]]:
    """(household, event id, sequence) of every record on the topic, per partition in order."""
    reader = backend.broker.reader([backend.topic])
    await reader.open()
    out: list[tuple[str, str, int]] = []
    try:
        while batch := await reader.fetch(timeout=0.5, max_records=500):
            for records in batch.values():
                for r in records:
                    envelope = orjson.loads(r.value)
                    out.append((envelope["subject"], envelope["id"], int(envelope["sequence"])))
    finally:
        await reader.close()
    return out


async def _outbox_rows(backend: Backend) -> int:
    async with backend.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar() or 0


def _assert_once_and_in_order(published: list[tuple[str, str, int]], ids: list[str]) -> None:
    assert sorted(e for _, e, _ in published) == sorted(ids), "every event exactly once"
    per_household: dict[str, list[int]] = defaultdict(list)
    for household, _, seq in published:
        per_household[household].append(seq)
    for household, seqs in per_household.items():
        assert seqs == sorted(seqs), f"{household} out of order: {seqs}"


async def test_a_drain_of_many_batches_publishes_each_event_once_in_household_order(backend: Backend) -> None:
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    ids = await _write(backend, store, households=6, events_each=8)
    publisher = backend.broker.publisher()
    await publisher.start()
    try:
        relay = OutboxRelay("test", backend.engine, publisher, batch_size=5)  # 10 batches, pipelined
        assert await relay.run_once() == len(ids)
        assert await relay.run_once() == 0
        # the relay let go of its lock and its connection: a later event goes out too
        async with backend.engine.begin() as conn:
            later = await store.append(conn, "H0", 8, [NewEvent("Changed", {"value": 9})])
        assert await relay.run_once() == 1
    finally:
        await publisher.stop()
    assert await _outbox_rows(backend) == 0
    _assert_once_and_in_order(await _on_topic(backend), [*ids, later[0].event_id])


async def test_two_relays_on_one_database_never_publish_a_row_twice(backend: Backend) -> None:
    if backend.kind != "kafka":
        pytest.skip("the embedded mode runs one process, one relay")
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    ids = await _write(backend, store, households=10, events_each=6)
    publishers = [backend.broker.publisher(), backend.broker.publisher()]
    for p in publishers:
        await p.start()
    try:
        relays = [OutboxRelay(f"test-{i}", backend.engine, p, batch_size=3) for i, p in enumerate(publishers)]
        counts = await asyncio.gather(*(r.run_once() for r in relays for _ in range(3)))
    finally:
        for p in publishers:
            await p.stop()
    assert sum(counts) == len(ids)
    assert await _outbox_rows(backend) == 0
    _assert_once_and_in_order(await _on_topic(backend), ids)


async def test_a_row_committed_late_with_a_lower_id_goes_out_on_the_next_drain(backend: Backend) -> None:
    if backend.kind != "kafka":
        pytest.skip("SQLite serialises writers: a lower id cannot commit after a higher one")
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    publisher = backend.broker.publisher()
    await publisher.start()
    try:
        relay = OutboxRelay("test", backend.engine, publisher, batch_size=5)
        async with backend.engine.connect() as slow:
            await slow.begin()
            first = await store.append(slow, "H-slow", 0, [NewEvent("Changed", {"value": 1})])
            fast = await _write(backend, store, households=1, events_each=7)  # higher ids, committed
            assert await relay.run_once() == 7
            await slow.commit()
        assert await relay.run_once() == 1
    finally:
        await publisher.stop()
    assert await _outbox_rows(backend) == 0
    _assert_once_and_in_order(await _on_topic(backend), [*fast, first[0].event_id])


class _FailingOnce:
    """A publisher whose ``send`` of the second batch fails once, as a broker gone for a moment."""

    def __init__(self, inner: Publisher) -> None:
        self.inner = inner
        self.sends = 0

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        await (await self.send(records))

    async def send(self, records: Sequence[OutgoingRecord]) -> Awaitable[None]:
        self.sends += 1
        if self.sends == 2:
            raise ConnectionError("broker gone")
        return await self.inner.send(records)


async def test_a_broker_failure_mid_drain_keeps_what_was_not_acknowledged(backend: Backend) -> None:
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    ids = await _write(backend, store, households=4, events_each=3)
    publisher = _FailingOnce(backend.broker.publisher())
    await publisher.start()
    try:
        relay = OutboxRelay("test", backend.engine, publisher, batch_size=5)
        with pytest.raises(ConnectionError):
            await relay.run_once()
        assert await _outbox_rows(backend) == len(ids) - 5  # the first batch was acknowledged
        assert await relay.run_once() == len(ids) - 5  # the lock went with the failed drain
    finally:
        await publisher.stop()
    assert await _outbox_rows(backend) == 0
    _assert_once_and_in_order(await _on_topic(backend), ids)
