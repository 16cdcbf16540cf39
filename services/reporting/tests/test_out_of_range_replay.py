"""An event written before the domain ranges existed must not poison a read model for ever.

Topics keep every event and a rebuild replays them, so the register summary once showed
9,223,372,036,854,785,840 members for Ubon and answered 500 from then on. Now the
consumer checks each event against its contract: the old out-of-range events go to the
dead-letter topic and the totals count the good ones only — on real Kafka + PostgreSQL
and on the embedded wiring.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import sqlalchemy as sa

from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import OutgoingRecord
from faemban_domain.eventsourcing.consumer import ConsumerRunner, dlq_topic
from faemban_domain.testing import Backend, Running, delivery_backend_fixture, eventually
from faemban_reporting.adapters.projections import REGISTERED
from faemban_reporting.adapters.tables import metadata as reporting_tables
from faemban_reporting.adapters.tables import register_village_totals
from faemban_reporting.service import REGISTER

backend = delivery_backend_fixture(reporting_tables, "reporting")


def registered(hid: str, members: object, **extra: object) -> CloudEvent:
    return CloudEvent(
        source="faemban/registry",
        type=REGISTERED,
        subject=hid,
        sequence="1",
        areacode="34070101",
        data={
            "household_id": hid,
            "area_code": "34070101",
            "cohort_year": 2019,
            "source": "tpmap",
            "members": members,
            "welfare_card_holders": 0,
            "elderly": 0,
            "disabled": 0,
            "chronically_ill": 0,
            "total_income": None,
            "average_income": None,
            "tpmap_failing_indicators": [],
            **extra,
        },
    )


async def test_a_replayed_out_of_range_event_is_dead_lettered_and_totals_stay_right(backend: Backend) -> None:
    past = [
        registered("H-huge", 2**63 - 1),
        registered("H-float", 1e30),
        registered("H-year", 4, cohort_year=99999),
        registered("H-income", 4, total_income=987654321987),
    ]
    good = [registered(f"H{i}", 3) for i in range(5)]
    ordered = [good[0], past[0], good[1], past[1], good[2], past[2], good[3], past[3], good[4]]
    records = [
        # 1e400 as written in JSON (Python reads it as infinity), the way it was once stored
        OutgoingRecord(
            backend.topic,
            e.subject,
            e.to_json_bytes().replace(b"987654321987", b"1e400"),
            tuple(e.kafka_headers()),
        )
        for e in ordered
    ]
    publisher = backend.broker.publisher()
    await publisher.start()
    try:
        await publisher.publish(records)
        spec = replace(REGISTER, name=f"reporting.register.{uuid.uuid4().hex[:6]}", topics=[backend.topic])
        runner = ConsumerRunner(spec, backend.engine, backend.broker, publisher, retry_delay=0.01)
        running = Running(runner)
        try:

            async def all_seen() -> bool:
                return runner.processed + await _dead(backend) >= len(ordered)

            await eventually(all_seen, what="every event applied or dead-lettered")
        finally:
            await running.close()
    finally:
        await publisher.stop()
    async with backend.engine.connect() as conn:
        rows = (await conn.execute(sa.select(register_village_totals))).mappings().all()
    assert [(r["target_households"], r["members"]) for r in rows] == [(5, 15)]
    assert await _dead(backend) == len(past)


async def _dead(backend: Backend) -> int:
    """Records on the dead-letter topic (read from the start with a fresh group)."""
    sub = backend.broker.subscriber(f"dlq-reader-{uuid.uuid4().hex[:6]}", [dlq_topic(backend.topic)])

    async def from_start(tps: object) -> dict[object, int]:
        return {tp: 0 for tp in tps}  # type: ignore[attr-defined]

    await sub.start(from_start)  # type: ignore[arg-type]
    try:
        count = 0
        for _ in range(3):
            batches = await sub.fetch(timeout=0.5, max_records=100)
            count += sum(len(r) for r in batches.values())
        return count
    finally:
        await sub.stop()
