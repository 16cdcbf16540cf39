"""The timeline keeps no inbox: an event delivered again — in the same batch, or late after
later events of its household, as a relay republishes after a crash — adds no row (ADR 0019's
proof for a projection that skips the inbox), on Kafka + PostgreSQL and on the embedded wiring."""

from __future__ import annotations

import uuid
from dataclasses import replace

import sqlalchemy as sa

from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import OutgoingRecord
from faemban_domain.eventsourcing.consumer import ConsumerRunner
from faemban_domain.eventsourcing.tables import inbox
from faemban_domain.testing import Backend, Running, delivery_backend_fixture, eventually
from faemban_reporting.adapters.projections import REGISTERED
from faemban_reporting.adapters.tables import metadata as reporting_tables
from faemban_reporting.adapters.tables import timeline_events
from faemban_reporting.service import TIMELINE

backend = delivery_backend_fixture(reporting_tables, "reporting")


def registered(hid: str, sequence: int, members: int) -> CloudEvent:
    facts = c.HouseholdRegisteredV1(
        household_id=hid,
        area_code="34070101",
        cohort_year=2019,
        source="tpmap",
        members=members,
        welfare_card_holders=0,
        elderly=0,
        disabled=0,
        chronically_ill=0,
    )
    return CloudEvent(
        source="faemban/registry",
        type=REGISTERED,
        subject=hid,
        sequence=str(sequence),
        areacode=facts.area_code,
        data=facts.model_dump(mode="json"),
    )


def _record(topic: str, e: CloudEvent) -> OutgoingRecord:
    return OutgoingRecord(topic, e.subject, e.to_json_bytes(), tuple(e.kafka_headers()))


async def test_an_event_delivered_again_early_or_late_adds_no_row(backend: Backend) -> None:
    first = [registered(f"H{i}", 1, 2 + i) for i in range(4)]
    later = [registered(f"H{i}", 2, 5 + i) for i in range(4)]  # the households' next events
    delivered = [
        *first,
        first[1],  # again at once: the same batch
        *later,
        first[0],  # late, after the household's later event (a relay's republish)
        first[2],
        later[3],
    ]
    publisher = backend.broker.publisher()
    await publisher.start()
    try:
        await publisher.publish([_record(backend.topic, e) for e in delivered])
        spec = replace(TIMELINE, name=f"reporting.timeline.{uuid.uuid4().hex[:6]}", topics=[backend.topic])
        runner = ConsumerRunner(spec, backend.engine, backend.broker, publisher)
        running = Running(runner)
        try:

            async def all_seen() -> bool:
                return runner.processed >= len(delivered)

            await eventually(all_seen, what="every delivery handled")
        finally:
            await running.close()
    finally:
        await publisher.stop()
    async with backend.engine.connect() as conn:
        rows = (await conn.execute(sa.select(timeline_events))).mappings().all()
        claimed = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(inbox).where(inbox.c.consumer == spec.name)
            )
        ).scalar()
    assert sorted((r["household_id"], r["event_id"]) for r in rows) == sorted(
        (e.subject, e.id) for e in [*first, *later]
    )
    by_id = {e.id: e for e in [*first, *later]}
    for r in rows:
        assert r["sequence"] == int(by_id[r["event_id"]].sequence or 0)
        assert r["data"]["members"] == by_id[r["event_id"]].data["members"]
    assert claimed == 0  # no inbox: the rows' keys are the guarantee
