"""Event store: optimistic concurrency, and what the relay reads back is what committed."""

from __future__ import annotations

import asyncio

import pytest

from faemban_domain.events.envelope import CloudEvent, PersonalDataInEventError
from faemban_domain.eventsourcing.store import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    Publication,
    RecordedEvent,
)
from faemban_domain.testing import published_records

from .conftest import Backend


def _public(ev: RecordedEvent) -> Publication | None:
    if ev.type == "Secret":
        return None
    return Publication(f"test.{ev.type}.v1", ev.data, ev.stream_id, "34010101")


def _store(topic: str) -> EventStore:
    return EventStore("faemban/test", topic, _public)


@pytest.mark.parametrize("expected_version", [0, 1])
async def test_two_concurrent_appends_at_the_same_version_one_wins(
    backend: Backend, expected_version: int
) -> None:
    await backend.create_tables()
    store = _store(backend.topic)
    if expected_version:
        async with backend.engine.begin() as conn:
            await store.append(conn, "s-1", 0, [NewEvent("Opened", {"n": 0})])
    both_loaded = asyncio.Barrier(2)

    async def writer(n: int) -> str:
        async with backend.engine.connect() as conn:
            # SQLite takes its write lock at BEGIN: only PostgreSQL can have
            # both transactions open at once, SQLite queues the second.
            if backend.kind == "kafka":
                await conn.begin()
                assert await store.current_version(conn, "s-1") == expected_version
                await both_loaded.wait()
            else:
                await both_loaded.wait()
                await conn.begin()
            try:
                await store.append(conn, "s-1", expected_version, [NewEvent("Changed", {"n": n})])
                await conn.commit()
                return "ok"
            except ConcurrencyError:
                await conn.rollback()
                return "conflict"

    results = await asyncio.gather(writer(1), writer(2))
    assert sorted(results) == ["conflict", "ok"]
    async with backend.engine.connect() as conn:
        events = await store.load(conn, "s-1")
    assert [e.version for e in events] == list(range(1, expected_version + 2))


async def test_events_commit_with_the_write_or_not_at_all_and_go_out_as_written(backend: Backend) -> None:
    await backend.create_tables()
    store = _store(backend.topic)
    with pytest.raises(RuntimeError):
        async with backend.engine.begin() as conn:
            await store.append(conn, "s-2", 0, [NewEvent("Opened", {"n": 1})])
            raise RuntimeError("the command failed after appending")
    async with backend.engine.begin() as conn:
        assert await store.load(conn, "s-2") == []
        recorded = await store.append(
            conn, "s-2", 0, [NewEvent("Opened", {"n": 1}), NewEvent("Secret", {"pin": "x"})]
        )
    records = await published_records(backend.engine, store)
    envelope = CloudEvent.from_json_bytes(records[0].value)
    assert [CloudEvent.from_json_bytes(r.value).id for r in records] == [
        recorded[0].event_id
    ]  # "Secret" stays home
    assert dict(records[0].headers)["ce_id"] == recorded[0].event_id.encode() and records[0].key == "s-2"
    assert envelope.id == recorded[0].event_id and envelope.sequence == "1"
    assert envelope.subject == "s-2" and envelope.type == "test.Opened.v1"
    assert envelope.time == recorded[0].recorded_at and envelope.time.tzinfo is not None
    positions = [e.position for e in recorded]
    assert positions == sorted(positions) and len(set(positions)) == 2


async def test_personal_data_fails_its_write(backend: Backend) -> None:
    await backend.create_tables()
    store = _store(backend.topic)
    with pytest.raises(PersonalDataInEventError):
        async with backend.engine.begin() as conn:
            await store.append(conn, "s-3", 0, [NewEvent("Opened", {"head_first_name": "สมร"})])
    async with backend.engine.connect() as conn:
        assert await store.load(conn, "s-3") == []


async def test_bulk_start_of_streams_is_all_or_nothing(backend: Backend) -> None:
    await backend.create_tables()
    store = _store(backend.topic)
    async with backend.engine.begin() as conn:
        await store.append_many(conn, [(f"b-{i}", [NewEvent("Opened", {"i": i})]) for i in range(50)])
    with pytest.raises(ConcurrencyError):
        async with backend.engine.begin() as conn:
            await store.append_many(
                conn, [("b-new", [NewEvent("Opened", {})]), ("b-7", [NewEvent("Opened", {})])]
            )
    async with backend.engine.connect() as conn:
        assert await store.load(conn, "b-new") == []
        assert len(await store.read_all(conn, 0, 1000)) == 50


async def test_a_reading_connection_loads_the_same_stream_as_a_transaction(backend: Backend) -> None:
    """On PostgreSQL a reading (autocommit) connection loads through the driver itself; what
    it returns is what the SQLAlchemy statement returns inside a transaction."""
    await backend.create_tables()
    store = _store(backend.topic)
    async with backend.engine.begin() as conn:
        await store.append(conn, "s-read", 0, [NewEvent("Opened", {"n": 0, "area": "34010101"})])
        await store.append(conn, "s-read", 1, [NewEvent("Changed", {"n": 1, "list": [1, 2]})])
        in_transaction = await store.load(conn, "s-read")
    reading = backend.engine.execution_options(
        **({"isolation_level": "AUTOCOMMIT"} if backend.kind == "kafka" else {})
    )
    async with reading.connect() as conn:
        read = await store.load(conn, "s-read")
        assert await store.load(conn, "s-none") == []
    assert read == in_transaction
    assert [e.version for e in read] == [1, 2]
    assert read[1].data == {"n": 1, "list": [1, 2]}
