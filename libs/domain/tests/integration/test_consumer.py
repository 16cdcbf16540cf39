"""Consumer runner: idempotence, dead letters, per-household order, rebuild."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from faemban_domain.eventsourcing.broker import Record
from faemban_domain.eventsourcing.consumer import ConsumerRunner, StalePosition, dlq_topic
from faemban_domain.eventsourcing.projection import rebuild_projection
from faemban_domain.eventsourcing.tables import consumer_offsets, inbox
from faemban_domain.testing import Running, eventually

from .conftest import Backend
from .probe import (
    TABLES,
    count_seen,
    event,
    metadata,
    probe_handler,
    probe_spec,
    publish,
    record,
    snapshot,
)


def _runner(backend: Backend, name: str) -> ConsumerRunner:
    return ConsumerRunner(
        probe_spec(name, backend.topic),
        backend.engine,
        backend.broker,
        backend.broker.publisher(),
        retry_delay=0.01,
    )


async def _started(backend: Backend, runner: ConsumerRunner) -> Running:
    assert runner.dlq is not None
    await runner.dlq.start()
    return Running(runner)


async def _closed(running: Running) -> None:
    await running.close()
    await running.runner.dlq.stop()


async def test_every_event_delivered_twice_leaves_the_projection_unchanged(backend: Backend) -> None:
    await backend.create_tables(metadata)
    events = [event(f"H{h}", s, value=h * 10 + s) for h in range(5) for s in range(1, 9)]
    await publish(backend.broker, [record(backend.topic, e) for e in events])
    running = await _started(backend, _runner(backend, f"probe-{uuid.uuid4().hex[:6]}"))
    try:
        await eventually(lambda: _has(backend, len(events)), what="first delivery projected")
        before = await snapshot(backend.engine)
        # Redeliver every event (as a relay does after a crash before its delete).
        await publish(backend.broker, [record(backend.topic, e) for e in events])
        await eventually(lambda: _consumed(running, 2 * len(events)), what="redelivery consumed")
        after = await snapshot(backend.engine)
    finally:
        await _closed(running)
    assert after == before
    totals = {t["household_id"]: t for t in after[1]}
    assert totals["H3"]["events"] == 8 and totals["H3"]["total"] == sum(30 + s for s in range(1, 9))


async def test_poison_event_goes_to_dead_letter_and_the_partition_goes_on(backend: Backend) -> None:
    await backend.create_tables(metadata)
    good_before, poison, good_after = event("H1", 1), event("H1", 2, poison=True), event("H1", 3)
    garbage = record(backend.topic, event("H1", 4))
    garbage = type(garbage)(garbage.topic, garbage.key, b"{not json", ())
    tail = event("H1", 5)
    await publish(
        backend.broker,
        [record(backend.topic, e) for e in (good_before, poison, good_after)]
        + [garbage, record(backend.topic, tail)],
    )
    running = await _started(backend, _runner(backend, f"probe-{uuid.uuid4().hex[:6]}"))
    try:
        await eventually(lambda: _has(backend, 3), what="events after the poison processed")
    finally:
        await _closed(running)
    seen, _ = await snapshot(backend.engine)
    assert {r["event_id"] for r in seen} == {good_before.id, good_after.id, tail.id}
    dead = await _read_all(backend, dlq_topic(backend.topic), expect=2)
    by_id = {dict(r.headers).get(b"ce_id".decode(), b"").decode(): r for r in dead}
    assert poison.id in by_id
    headers = dict(by_id[poison.id].headers)
    assert b"poison pill" in headers["x-dlq-error"]
    assert headers["x-dlq-consumer"].startswith(b"probe-")
    assert any(
        r.value == b"{not json" and b"not a CloudEvent" in dict(r.headers)["x-dlq-error"] for r in dead
    )


async def test_one_households_events_arrive_in_order_across_a_consumer_restart(backend: Backend) -> None:
    await backend.create_tables(metadata)
    households = [f"H{h}" for h in range(6)]
    events = [event(h, s) for s in range(1, 41) for h in households]
    await publish(backend.broker, [record(backend.topic, e) for e in events])
    name = f"probe-{uuid.uuid4().hex[:6]}"
    stop_requested = asyncio.Event()
    applied = 0

    async def stop_after_60(conn: Any, ev: Any, tables: Any) -> None:
        nonlocal applied
        await probe_handler(conn, ev, tables)
        applied += 1
        if applied >= 60:
            stop_requested.set()

    spec = replace(probe_spec(name, backend.topic), handler=stop_after_60)
    runner = ConsumerRunner(spec, backend.engine, backend.broker, backend.broker.publisher(), batch_size=7)
    first = await _started(backend, runner)
    await stop_requested.wait()
    await _closed(first)
    midway = await count_seen(backend.engine)
    assert midway < len(events), "the restart should happen mid-stream"
    second = await _started(backend, _runner(backend, name))
    try:
        await eventually(lambda: _has(backend, len(events)), what="stream finished after restart")
    finally:
        await _closed(second)
    _, totals = await snapshot(backend.engine)
    assert [t["household_id"] for t in totals] == households
    for t in totals:
        assert t["events"] == 40 and t["last_sequence"] == 40 and t["out_of_order"] == 0


async def test_rebuild_from_offset_zero_yields_the_same_rows(backend: Backend) -> None:
    await backend.create_tables(metadata)
    events = [event(f"H{h}", s, value=h + s) for h in range(8) for s in range(1, 6)]
    records = [record(backend.topic, e) for e in events]
    records.insert(10, records[3])  # a duplicate in the log, as after a relay crash
    await publish(backend.broker, records)
    name = f"probe-{uuid.uuid4().hex[:6]}"
    running = await _started(backend, _runner(backend, name))
    try:
        await eventually(lambda: _has(backend, len(events)), what="projection caught up")
    finally:
        await _closed(running)
    live = await snapshot(backend.engine)
    report = await rebuild_projection(backend.engine, backend.broker, probe_spec(name, backend.topic))
    assert report.events == len(records)
    assert await snapshot(backend.engine) == live
    # The live consumer resumes after the replayed offsets: new events only.
    await publish(backend.broker, [record(backend.topic, event("H0", 6, value=100))])
    running = await _started(backend, _runner(backend, name))
    try:
        await eventually(lambda: _has(backend, len(events) + 1), what="new event after rebuild")
    finally:
        await _closed(running)
    _, totals = await snapshot(backend.engine)
    assert totals[0]["events"] == 6 and totals[0]["out_of_order"] == 0


async def _has(backend: Backend, n: int) -> bool:
    return await count_seen(backend.engine) == n


async def _consumed(running: Running, n: int) -> bool:
    return running.runner.processed >= n


async def _read_all(backend: Backend, topic: str, expect: int) -> list:
    out: list = []

    async def enough() -> bool:
        out.clear()
        reader = backend.broker.reader([topic])
        await reader.open()
        try:
            while batch := await reader.fetch(timeout=0.5, max_records=100):
                for records in batch.values():
                    out.extend(records)
        finally:
            await reader.close()
        return len(out) >= expect

    await eventually(enough, what=f"{expect} records on {topic}")
    return out


@pytest.fixture(autouse=True)
def _no_fault_injection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAEMBAN_FAULT_INJECTION", raising=False)


async def test_a_fan_out_gives_each_consumer_what_it_alone_would_get(backend: Backend) -> None:
    """One subscription, two consumers: each keeps its own tables, inbox, offsets and dead
    letters; one catching up from the start beside one that is ahead changes neither."""
    md = sa.MetaData()
    tables_b = {key: t.to_metadata(md, name=f"{t.name}_b") for key, t in TABLES.items()}
    await backend.create_tables(metadata)
    await backend.create_tables(md)

    async def fails_on_b(conn: Any, ev: Any, tables: Any) -> None:
        if ev.data.get("fail_b"):
            raise ValueError("b cannot take this one")
        await probe_handler(conn, ev, tables)

    suffix = uuid.uuid4().hex[:6]
    spec_a = probe_spec(f"probe-a-{suffix}", backend.topic)
    spec_b = replace(probe_spec(f"probe-b-{suffix}", backend.topic), handler=fails_on_b, tables=tables_b)
    first = [event(f"H{h}", s, value=h + s) for h in range(4) for s in range(1, 6)]
    await publish(backend.broker, [record(backend.topic, e) for e in first])
    alone = await _started(
        backend, ConsumerRunner(spec_a, backend.engine, backend.broker, backend.broker.publisher())
    )
    try:
        await eventually(lambda: _has(backend, len(first)), what="A alone caught up")
    finally:
        await _closed(alone)
    refused = event("H9", 1, value=7, fail_b=True)
    second = [event(f"H{h}", s, value=h * s) for h in range(4) for s in range(6, 9)] + [refused]
    await publish(backend.broker, [record(backend.topic, e) for e in second])
    records = [record(backend.topic, e) for e in first]
    await publish(backend.broker, records[:3])  # redelivered, as after a relay crash
    fan_out = ConsumerRunner(
        [spec_a, spec_b],
        backend.engine,
        backend.broker,
        backend.broker.publisher(),
        retry_delay=0.01,
        batch_size=9,
        group=f"probe-fan-{suffix}",
    )
    running = await _started(backend, fan_out)
    total = len(first) + len(second)

    async def both_done() -> bool:
        async with backend.engine.connect() as conn:
            b = (await conn.execute(sa.select(sa.func.count()).select_from(tables_b["probe_seen"]))).scalar()
        return await _has(backend, total) and b == total - 1

    try:
        await eventually(both_done, what="both consumers caught up")
    finally:
        await _closed(running)
    a_seen, a_totals = await snapshot(backend.engine)
    async with backend.engine.connect() as conn:
        b_totals = (
            (await conn.execute(sa.select(tables_b["probe_totals"]).order_by("household_id")))
            .mappings()
            .all()
        )
    assert len(a_seen) == total
    expected = {f"H{h}": sum(h + s for s in range(1, 6)) + sum(h * s for s in range(6, 9)) for h in range(4)}
    assert {t["household_id"]: t["total"] for t in a_totals} == {**expected, "H9": 7}
    assert {t["household_id"]: t["total"] for t in b_totals} == expected
    for t in [*a_totals, *b_totals]:
        assert t["out_of_order"] == 0
    dead = await _read_all(backend, dlq_topic(backend.topic), expect=1)
    assert [dict(r.headers)["x-dlq-consumer"] for r in dead] == [spec_b.name.encode()]


async def _guarded(conn: Any, ev: Any, tables: Any) -> None:
    """The probe, made idempotent the way the projections are: an event not newer than the
    household's last applied sequence changes nothing."""
    totals = tables["probe_totals"]
    last = (
        await conn.execute(sa.select(totals.c.last_sequence).where(totals.c.household_id == ev.subject))
    ).scalar()
    if last is not None and int(ev.sequence) <= last:
        return
    await probe_handler(conn, ev, tables)


async def test_an_idempotent_consumer_keeps_no_inbox_and_a_redelivery_changes_nothing(
    backend: Backend,
) -> None:
    await backend.create_tables(metadata)
    name = f"probe-{uuid.uuid4().hex[:6]}"
    spec = replace(probe_spec(name, backend.topic), handler=_guarded, idempotent=True)
    events = [event(f"H{h}", s, value=h * 10 + s) for h in range(4) for s in range(1, 7)]
    await publish(backend.broker, [record(backend.topic, e) for e in events])
    runner = ConsumerRunner(spec, backend.engine, backend.broker, backend.broker.publisher(), batch_size=5)
    running = await _started(backend, runner)
    try:
        await eventually(lambda: _has(backend, len(events)), what="first delivery projected")
        before = await snapshot(backend.engine)
        # a relay crash publishes a stretch again, after later events of the same households
        await publish(backend.broker, [record(backend.topic, e) for e in events[2:15]])
        await eventually(lambda: _consumed(running, len(events) + 13), what="redelivery consumed")
        after = await snapshot(backend.engine)
    finally:
        await _closed(running)
    assert after == before
    async with backend.engine.connect() as conn:
        kept = (await conn.execute(sa.select(sa.func.count()).where(inbox.c.consumer == name))).scalar()
        stored = (
            await conn.execute(
                sa.select(sa.func.sum(consumer_offsets.c.next_offset)).where(
                    consumer_offsets.c.consumer == name
                )
            )
        ).scalar()
    assert kept == 0
    assert stored == len(events) + 13


async def test_two_processes_holding_one_partition_apply_a_batch_once(backend: Backend) -> None:
    """A rebalance's old owner may still be handling a fetch the new owner also got. Without an
    inbox, the fenced offsets decide: one transaction applies the batch, the other applies
    nothing and learns where the partition really is."""
    await backend.create_tables(metadata)
    name = f"probe-{uuid.uuid4().hex[:6]}"
    # the plain probe counts every application: a batch applied twice would show
    spec = replace(probe_spec(name, backend.topic), idempotent=True)
    events = [event(f"H{h}", s, value=1) for h in range(3) for s in range(1, 5)]
    records = [
        Record(backend.topic, 0, offset, e.subject, e.to_json_bytes(), tuple(e.kafka_headers()))
        for offset, e in enumerate(events)
    ]
    tp = records[0].tp
    old_owner, new_owner = (
        ConsumerRunner(spec, backend.engine, backend.broker, backend.broker.publisher()) for _ in range(2)
    )
    outcomes = await asyncio.gather(
        old_owner.process_fetch({tp: records}), new_owner.process_fetch({tp: records}), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["StalePosition", "bool"]
    assert await count_seen(backend.engine) == len(events)
    _, totals = await snapshot(backend.engine)
    assert sum(t["events"] for t in totals) == len(events)
    loser = old_owner if isinstance(outcomes[0], StalePosition) else new_owner
    await loser._reload({tp})
    assert loser._next[name][tp] == len(events)
    # the next batch goes on from there, applied once
    more = event("H0", 5, value=1)
    nxt = Record(
        backend.topic, 0, len(events), more.subject, more.to_json_bytes(), tuple(more.kafka_headers())
    )
    assert await loser.process_fetch({tp: [nxt]})
    assert await count_seen(backend.engine) == len(events) + 1
