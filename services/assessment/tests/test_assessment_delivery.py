"""The assessment consumer under at-least-once delivery: a duplicate publishes nothing new and a
restart mid-stream loses nothing — on real Kafka + PostgreSQL, and on the embedded wiring."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from conftest import published, registered, verified
from faemban_assessment.adapters.tables import metadata as assessment_tables
from faemban_assessment.service import ASSESS
from faemban_domain.events.contracts import MemberFacts
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import Broker, OutgoingRecord
from faemban_domain.eventsourcing.consumer import ConsumerRunner
from faemban_domain.testing import Backend, Running, delivery_backend_fixture, eventually

backend = delivery_backend_fixture(assessment_tables, "assessment")


def _records(topic: str, events: Sequence[CloudEvent]) -> list[OutgoingRecord]:
    return [OutgoingRecord(topic, e.subject, e.to_json_bytes(), tuple(e.kafka_headers())) for e in events]


async def _publish(broker: Broker, records: Sequence[OutgoingRecord]) -> None:
    pub = broker.publisher()
    await pub.start()
    try:
        await pub.publish(records)
    finally:
        await pub.stop()


async def _assessed_per_household(engine: AsyncEngine) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in await published(engine):
        out.setdefault(e.subject, []).append(e.data["cause"])
    return out


async def test_duplicates_publish_nothing_new_and_a_restart_mid_stream_loses_nothing(
    backend: Backend,
) -> None:
    households = [f"D{i:02d}" for i in range(30)]
    events: list[CloudEvent] = []
    for i, hid in enumerate(households):
        adult = MemberFacts(age=30 + i, has_occupation=True, annual_income=10_000 * (i + 1))
        events += [registered(hid), verified(hid, [adult], ["living.tidy_home"] if i % 2 else [])]
    await _publish(backend.broker, _records(backend.topic, events))

    name = f"assessment.assess.{uuid.uuid4().hex[:6]}"
    handled = 0
    stop_early = asyncio.Event()

    async def counting(
        conn: AsyncConnection, batch: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
    ) -> None:
        nonlocal handled
        assert ASSESS.batch_handler is not None
        await ASSESS.batch_handler(conn, batch, tables)
        handled += len(batch)
        if handled >= 25:
            stop_early.set()

    async def one(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
        await counting(conn, [event], tables)

    spec = replace(ASSESS, name=name, topics=[backend.topic], handler=one, batch_handler=counting)
    first = Running(
        ConsumerRunner(spec, backend.engine, backend.broker, backend.broker.publisher(), batch_size=5)
    )
    await asyncio.wait_for(stop_early.wait(), 60)
    await first.close()
    midway = sum(len(v) for v in (await _assessed_per_household(backend.engine)).values())
    assert midway < 2 * len(households), "the restart should happen mid-stream"

    live = replace(ASSESS, name=name, topics=[backend.topic])
    second = Running(ConsumerRunner(live, backend.engine, backend.broker, backend.broker.publisher()))
    try:

        async def all_assessed() -> bool:
            return sum(len(v) for v in (await _assessed_per_household(backend.engine)).values()) >= 60

        await eventually(all_assessed, what="every household assessed after the restart")
        before = await published(backend.engine)
        # Deliver every event again, as after a relay crash: nothing new may be published.
        await _publish(backend.broker, _records(backend.topic, events))
        target = second.runner.processed + len(events)

        async def redelivered() -> bool:
            return second.runner.processed >= target

        await eventually(redelivered, what="redelivery consumed")
    finally:
        await second.close()
    after = await published(backend.engine)
    assert [e.id for e in after] == [e.id for e in before]
    per_household = await _assessed_per_household(backend.engine)
    assert per_household == {hid: ["registered", "verified"] for hid in households}


async def test_in_a_batch_each_assessment_names_the_event_it_answers(backend: Backend) -> None:
    """Forty households' events arrive in one fetch and are saved in one write: still, each
    assessed event's causation id is the consumed event it answers, and its correlation id
    that event's (the request that started it), not the batch's first."""
    events = [
        registered(f"C{i:02d}").model_copy(update={"correlationid": uuid.uuid4().hex}) for i in range(40)
    ]
    await _publish(backend.broker, _records(backend.topic, events))
    spec = replace(ASSESS, name=f"assessment.assess.{uuid.uuid4().hex[:6]}", topics=[backend.topic])
    runner = Running(ConsumerRunner(spec, backend.engine, backend.broker, backend.broker.publisher()))
    try:

        async def all_assessed() -> bool:
            return len(await published(backend.engine)) >= len(events)

        await eventually(all_assessed, what="every household assessed")
    finally:
        await runner.close()
    assert runner.runner.processed == len(events)
    by_household = {e.subject: e for e in events}
    assessed = await published(backend.engine)
    assert len(assessed) == len(events)
    for out in assessed:
        cause = by_household[out.subject]
        assert (out.causationid, out.correlationid) == (cause.id, cause.correlationid), out.subject
