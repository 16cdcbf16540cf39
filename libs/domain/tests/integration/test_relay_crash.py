"""kill -9 around the relay: an event is published iff it committed,
and its effect downstream is applied exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

from faemban_domain.eventsourcing.consumer import ConsumerRunner
from faemban_domain.testing import Running, eventually

from .conftest import Backend
from .probe import count_seen, metadata, probe_spec, snapshot

SCRIPT = Path(__file__).with_name("crash_process.py")


def _broker_arg(backend: Backend, tmp_path: Path) -> str:
    if backend.kind == "kafka":
        return f"kafka:{os.environ['KAFKA_BOOTSTRAP_SERVERS']}"
    return f"embedded:{tmp_path / 'bus.sqlite'}"


async def _spawn(
    mode: str, backend: Backend, broker: str, fault: str | None = None
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "FAEMBAN_FAULT_INJECTION"}
    if fault:
        env["FAEMBAN_FAULT_INJECTION"] = fault
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        mode,
        backend.url,
        broker,
        backend.topic,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )


async def _records_on_topic(backend: Backend) -> list[str]:
    reader = backend.broker.reader([backend.topic])
    await reader.open()
    ids: list[str] = []
    try:
        while batch := await reader.fetch(timeout=0.5, max_records=100):
            for records in batch.values():
                ids.extend(dict(r.headers)["ce_id"].decode() for r in records)
    finally:
        await reader.close()
    return ids


async def test_kill_9_after_commit_and_after_publish_then_restart(backend: Backend, tmp_path: Path) -> None:
    await backend.create_tables(metadata)
    broker = _broker_arg(backend, tmp_path)

    # 1. The writer commits, then dies by SIGKILL before any relay publishes.
    writer = await _spawn("commit", backend, broker)
    assert writer.stdout is not None
    line = (await asyncio.wait_for(writer.stdout.readline(), 60)).decode().split()
    assert line[0] == "COMMITTED", line
    event_id = line[1]
    writer.send_signal(signal.SIGKILL)
    assert await writer.wait() == -signal.SIGKILL
    assert await backend.unpublished() == 1
    assert await _records_on_topic(backend) == []

    # 2. A relay publishes, then dies by SIGKILL before storing its position.
    relay = await _spawn("relay", backend, broker, fault="relay.after_publish")
    assert await relay.wait() == -signal.SIGKILL
    assert await backend.unpublished() == 1
    assert await _records_on_topic(backend) == [event_id]

    # 3. Restarted, the relay publishes the event again and stores its position.
    relay = await _spawn("relay", backend, broker)
    assert await relay.wait() == 0
    assert await backend.unpublished() == 0
    assert await _records_on_topic(backend) == [event_id, event_id]

    # 4. Downstream, the event's effect is applied exactly once.
    runner = ConsumerRunner(
        probe_spec(f"probe-{uuid.uuid4().hex[:6]}", backend.topic),
        backend.engine,
        backend.broker,
        backend.broker.publisher(),
    )
    await runner.dlq.start()
    running = Running(runner)
    try:
        await eventually(lambda: _consumed(runner, 2), what="both copies consumed")
    finally:
        await running.close()
        await runner.dlq.stop()
    assert await count_seen(backend.engine) == 1
    _, totals = await snapshot(backend.engine)
    assert totals == [
        {"household_id": "H-crash", "events": 1, "total": 1, "last_sequence": 1, "out_of_order": 0}
    ]


async def test_kill_9_between_commit_and_publish_publishes_exactly_once(
    backend: Backend, tmp_path: Path
) -> None:
    await backend.create_tables(metadata)
    broker = _broker_arg(backend, tmp_path)
    relay = await _spawn("relay", backend, broker, fault="relay.before_publish")
    assert await relay.wait() == 0  # no event yet: nothing to do, the fault point is never reached
    writer = await _spawn("commit", backend, broker)
    assert writer.stdout is not None
    event_id = (await asyncio.wait_for(writer.stdout.readline(), 60)).decode().split()[1]
    relay = await _spawn("relay", backend, broker, fault="relay.before_publish")
    assert await relay.wait() == -signal.SIGKILL  # died before publishing, its position not moved
    writer.send_signal(signal.SIGKILL)
    await writer.wait()
    assert await _records_on_topic(backend) == []
    relay = await _spawn("relay", backend, broker)
    assert await relay.wait() == 0
    assert await _records_on_topic(backend) == [event_id]
    assert await backend.unpublished() == 0


async def _consumed(runner: ConsumerRunner, n: int) -> bool:
    return runner.processed >= n
