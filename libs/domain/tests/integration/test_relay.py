"""The relay tails the event store in pipelined batches: every committed event once, each
household's events in order, one relay at a time per database, and an event whose
transaction commits late with a lower position is neither left behind nor overtaken
(ADRs 0026, 0032)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Sequence

import orjson
import pytest
import sqlalchemy as sa

from faemban_domain.eventsourcing.broker import OutgoingRecord, Publisher
from faemban_domain.eventsourcing.relay import EventRelay
from faemban_domain.eventsourcing.store import EventStore, NewEvent, Publication, RecordedEvent

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


async def _drained(relay: EventRelay) -> int:
    """Drains until one publishes nothing after some did (a position taken while another
    transaction ran settles on a later drain, once that transaction has ended)."""
    published = 0
    for _ in range(100):
        sent = await relay.run_once()
        if published and not sent:
            break
        published += sent
        await asyncio.sleep(0.02)
    return published


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
        relay = EventRelay("test", backend.engine, publisher, store, batch_size=5)  # 10 batches, pipelined
        assert await relay.run_once() == len(ids)
        assert await relay.run_once() == 0
        # the relay let go of its lock and its connection: a later event goes out too
        async with backend.engine.begin() as conn:
            later = await store.append(conn, "H0", 8, [NewEvent("Changed", {"value": 9})])
        assert await relay.run_once() == 1
    finally:
        await publisher.stop()
    assert await backend.unpublished() == 0
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
        relays = [
            EventRelay(f"test-{i}", backend.engine, p, store, batch_size=3) for i, p in enumerate(publishers)
        ]
        counts = await asyncio.gather(*(r.run_once() for r in relays for _ in range(3)))
    finally:
        for p in publishers:
            await p.stop()
    assert sum(counts) == len(ids)
    assert await backend.unpublished() == 0
    _assert_once_and_in_order(await _on_topic(backend), ids)


async def test_an_event_committed_late_with_a_lower_position_goes_out_first(backend: Backend) -> None:
    """A transaction takes its events' positions when it inserts them: a later one may commit
    higher positions first. Those wait until the earlier transaction has ended, so its event
    is neither skipped by a stored position beyond it nor published after them."""
    if backend.kind != "kafka":
        pytest.skip("SQLite serialises writers: a lower position cannot commit after a higher one")
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    publisher = _Recording(backend.broker.publisher())
    await publisher.start()
    try:
        relay = EventRelay("test", backend.engine, publisher, store, batch_size=5)
        async with backend.engine.connect() as slow:
            await slow.begin()
            first = await store.append(slow, "H-slow", 0, [NewEvent("Changed", {"value": 1})])
            fast = await _write(backend, store, households=1, events_each=7)  # higher positions, committed
            assert await relay.run_once() == 0
            assert await relay.run_once() == 0
            await slow.commit()
        assert await _drained(relay) == 8
    finally:
        await publisher.stop()
    assert await backend.unpublished() == 0
    published = await _on_topic(backend)
    _assert_once_and_in_order(published, [first[0].event_id, *fast])
    assert publisher.sent == [first[0].event_id, *fast]  # in position order, across households


async def test_a_transaction_with_no_events_holds_nothing_back_once_it_has_ended(backend: Backend) -> None:
    if backend.kind != "kafka":
        pytest.skip("no barrier on SQLite")
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    ids = await _write(backend, store, households=2, events_each=2)
    publisher = backend.broker.publisher()
    await publisher.start()
    try:
        relay = EventRelay("test", backend.engine, publisher, store, batch_size=5)
        async with backend.engine.connect() as other:
            await other.begin()
            await other.execute(sa.text("SELECT pg_current_xact_id()"))  # running, writes no event
            assert await relay.run_once() == 0
            await other.rollback()
        assert await _drained(relay) == len(ids)
    finally:
        await publisher.stop()
    _assert_once_and_in_order(await _on_topic(backend), ids)


async def test_the_positions_of_a_rolled_back_write_are_passed(backend: Backend) -> None:
    """A write that rolled back took positions no event will ever hold: the relay reads past the
    gap (each read asks for a range no wider than its slice) and publishes what follows."""
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    before = await _write(backend, store, households=2, events_each=2)
    with pytest.raises(RuntimeError):
        async with backend.engine.begin() as conn:
            await store.append_many(conn, [(f"G{i}", [NewEvent("Changed", {"value": 1})]) for i in range(12)])
            raise RuntimeError("the command failed after appending")
    after: list[str] = []
    for h in range(4):
        async with backend.engine.begin() as conn:
            recorded = await store.append(conn, f"K{h}", 0, [NewEvent("Changed", {"value": 1})])
        after.append(recorded[0].event_id)
    publisher = _Recording(backend.broker.publisher())
    await publisher.start()
    try:
        relay = EventRelay("test", backend.engine, publisher, store, batch_size=3)
        assert await _drained(relay) == 8
    finally:
        await publisher.stop()
    assert publisher.sent == [*before, *after]
    assert await backend.unpublished() == 0


class _Recording:
    """A publisher that notes the event ids it sends, in order (across partitions)."""

    def __init__(self, inner: Publisher) -> None:
        self.inner = inner
        self.sent: list[str] = []

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        await (await self.send(records))

    async def send(self, records: Sequence[OutgoingRecord]) -> Awaitable[None]:
        self.sent += [dict(r.headers)["ce_id"].decode() for r in records]
        return await self.inner.send(records)


class _FailingOnce(_Recording):
    """A publisher whose ``send`` of the second batch fails once, as a broker gone for a moment."""

    sends = 0

    async def send(self, records: Sequence[OutgoingRecord]) -> Awaitable[None]:
        self.sends += 1
        if self.sends == 2:
            raise ConnectionError("broker gone")
        return await super().send(records)


async def test_a_broker_failure_mid_drain_keeps_what_was_not_acknowledged(backend: Backend) -> None:
    await backend.create_tables()
    store = EventStore("faemban/test", backend.topic, _public)
    ids = await _write(backend, store, households=4, events_each=3)
    publisher = _FailingOnce(backend.broker.publisher())
    await publisher.start()
    try:
        relay = EventRelay("test", backend.engine, publisher, store, batch_size=5)
        with pytest.raises(ConnectionError):
            await relay.run_once()
        assert await backend.unpublished() == len(ids) - 5  # the first batch was acknowledged
        assert await relay.run_once() == len(ids) - 5  # the lock went with the failed drain
    finally:
        await publisher.stop()
    assert await backend.unpublished() == 0
    _assert_once_and_in_order(await _on_topic(backend), ids)


async def test_the_publisher_keeps_each_key_on_the_producers_partition_in_order_across_full_batches(
    backend: Backend,
) -> None:
    """The publisher builds its own record batches (ADR 0033). Each key must still land where
    the producer's ``send`` (and Kafka's Java client) puts it, murmur2 over the partitions,
    and in order, even when a partition's records fill several batches."""
    if backend.kind != "kafka":
        pytest.skip("the embedded log has one partition")
    from aiokafka.partitioner import murmur2

    keys = [f"H{h:05d}" for h in range(7)]
    sent = [
        OutgoingRecord(backend.topic, key, orjson.dumps({"key": key, "n": n, "pad": "x" * 20_000 * (n % 3)}))
        for n in range(40)
        for key in keys
    ]  # 280 records, up to 40 KB each: several 256 KB batches a partition
    publisher = backend.broker.publisher()
    await publisher.start()
    try:
        await publisher.publish(sent[:150])
        await publisher.publish(sent[150:])
    finally:
        await publisher.stop()
    reader = backend.broker.reader([backend.topic])
    partitions = len(await reader.open())
    order: dict[str, list[int]] = defaultdict(list)
    try:
        while batch := await reader.fetch(timeout=0.5, max_records=500):
            for records in batch.values():
                for r in records:
                    assert r.key is not None
                    assert r.partition == (murmur2(r.key.encode()) & 0x7FFFFFFF) % partitions
                    order[r.key].append(orjson.loads(r.value)["n"])
    finally:
        await reader.close()
    assert partitions == 3 and len({(murmur2(k.encode()) & 0x7FFFFFFF) % 3 for k in keys}) > 1
    assert order == {key: list(range(40)) for key in keys}
