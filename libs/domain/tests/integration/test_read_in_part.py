"""A consumer that reads part of an event (ADR 0030): checked on what it reads, tolerant of the
rest, and read whole again as soon as one member of the process reads the type whole."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events.contracts import PlanClosedV1, part_of, type_of
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.consumer import ConsumerRunner, ConsumerSpec, dlq_topic
from faemban_domain.testing import Running, eventually

from .conftest import Backend
from .probe import metadata, publish, record
from .test_consumer import _read_all

CLOSED = type_of(PlanClosedV1)
PART = part_of(PlanClosedV1, ("household_id", "closed_at"))


def _closed(household: str, sequence: int, **data: Any) -> CloudEvent:
    return CloudEvent(
        source="faemban/planning",
        type=CLOSED,
        subject=household,
        sequence=str(sequence),
        data={
            "plan_id": f"plan-{sequence}",
            "household_id": household,
            "area_code": "34010101",
            "closed_at": "2026-11-25T03:00:00Z",
            **data,
        },
    )


class _Seen:
    """What a member's handler was given: (household id, the class of its payload)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    async def __call__(self, conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, Any]) -> None:
        data = payload(event)
        self.got.append((data.model_dump()["household_id"], type(data).__name__))


def _spec(name: str, topic: str, seen: _Seen, *, in_part: bool) -> ConsumerSpec:
    return ConsumerSpec(
        name=name,
        topics=[topic],
        handler=seen,
        event_types=frozenset({CLOSED}),
        reads={CLOSED: PART} if in_part else {},
    )


async def _run(backend: Backend, specs: list[ConsumerSpec], records: int) -> None:
    runner = ConsumerRunner(
        specs,
        backend.engine,
        backend.broker,
        backend.broker.publisher(),
        retry_delay=0.01,
        group=specs[0].name,
    )
    assert runner.dlq is not None
    await runner.dlq.start()
    running = Running(runner)
    try:
        await eventually(lambda: _count(runner, records), what=f"{records} records consumed")
    finally:
        await running.close()
        await runner.dlq.stop()


async def _count(runner: ConsumerRunner, n: int) -> bool:
    return runner.processed >= n


EVENTS = [
    _closed("TP34010000001", 1),
    _closed("not a household id", 2),  # breaks the contract in a field the part reads
    _closed("TP34010000003", 3, area_code="x"),  # breaks it only in a field the part does not read
    _closed("TP34010000004", 4, something_new="a later minor version"),
]


async def test_a_part_is_checked_on_what_it_reads_and_tolerates_the_rest(backend: Backend) -> None:
    await backend.create_tables(metadata)
    await publish(backend.broker, [record(backend.topic, e) for e in EVENTS])
    seen = _Seen()
    await _run(
        backend, [_spec(f"part-{uuid.uuid4().hex[:6]}", backend.topic, seen, in_part=True)], len(EVENTS)
    )
    assert sorted(seen.got) == [
        ("TP34010000001", "PlanClosedV1Part"),
        ("TP34010000003", "PlanClosedV1Part"),
        ("TP34010000004", "PlanClosedV1Part"),
    ]
    dead = await _read_all(backend, dlq_topic(backend.topic), expect=1)
    assert [dict(r.headers)["ce_id"].decode() for r in dead] == [EVENTS[1].id]
    assert b"household_id" in dict(dead[0].headers)["x-dlq-error"]


async def test_one_member_reading_the_type_whole_keeps_the_whole_check(backend: Backend) -> None:
    await backend.create_tables(metadata)
    await publish(backend.broker, [record(backend.topic, e) for e in EVENTS])
    suffix = uuid.uuid4().hex[:6]
    part, whole = _Seen(), _Seen()
    await _run(
        backend,
        [
            _spec(f"part-{suffix}", backend.topic, part, in_part=True),
            _spec(f"whole-{suffix}", backend.topic, whole, in_part=False),
        ],
        len(EVENTS),
    )
    assert part.got == whole.got == [("TP34010000001", "PlanClosedV1")]
    dead = await _read_all(backend, dlq_topic(backend.topic), expect=6)
    assert sorted(dict(r.headers)["ce_id"].decode() for r in dead) == sorted(
        [e.id for e in EVENTS[1:] for _ in range(2)]
    )
