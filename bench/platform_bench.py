"""Platform throughput beside the raw engines under it, measured in one run.

    make bench                      # 100,000 events
    make bench BENCH_ARGS="--events 500000"

1. write:   event store append (the events, batched transactions)
            vs bare PostgreSQL COPY of the same rows into an equivalent table;
2. publish: the relay tailing the event store to Kafka (idempotent producer,
            acks=all; it builds each envelope from the stored event, ADR 0032)
            vs bare aiokafka producer sending the same records, same settings: once
            a record at a time (``send``) and once through its batch API, as the
            relay's publisher does (ADR 0033);
3. consume: consumer runner projecting into PostgreSQL (inbox + offsets + effect)
            vs bare aiokafka consumer reading the same topic.

Needs KAFKA_BOOTSTRAP_SERVERS and FAEMBAN_TEST_POSTGRES_URL (make bench starts
the local ones). Prints a table; no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from common import BenchSettings, fresh_db
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events.contracts import HouseholdRegisteredV1, type_of
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import COMPRESSION, murmur2
from faemban_domain.eventsourcing.consumer import ConsumerRunner, ConsumerSpec
from faemban_domain.eventsourcing.records import ModelData
from faemban_domain.eventsourcing.relay import EventRelay
from faemban_domain.eventsourcing.store import EventStore, NewEvent, contract_view
from faemban_domain.eventsourcing.tables import metadata as platform_metadata
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.service import settle_heap
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.platform.wiring import kafka_client_options, make_broker

BATCH = 2000
ROUNDS = 3


def facts(i: int) -> dict[str, object]:
    return {
        "household_id": f"B{i:08d}",
        "area_code": f"3407{(i % 12) + 1:02d}{(i % 15) + 1:02d}",
        "cohort_year": 2019,
        "source": "tpmap",
        "members": 1 + i % 7,
        "welfare_card_holders": i % 3,
        "elderly": i % 2,
        "disabled": 0,
        "chronically_ill": 0,
        "total_income": 20000.0 + (i % 50) * 1000,
        "average_income": None,
        "tpmap_failing_indicators": ["income.average_income"] if i % 3 else [],
    }


PUBLIC = contract_view({"HouseholdRegistered": type_of(HouseholdRegisteredV1)})
"""As every service publishes: through its contract, the data dumped from the contract model."""


def rate(n: int, seconds: float) -> str:
    return f" {n / seconds:>10,.0f}/s"


async def main(n: int) -> None:
    servers = BenchSettings()
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
    url = await fresh_db(base, "bench_platform")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
    topic = f"bench.{uuid.uuid4().hex[:8]}.v1"
    raw_topic = f"bench.raw.{uuid.uuid4().hex[:8]}.v1"
    broker = make_broker(servers.platform())
    await broker.ensure_topics([topic, raw_topic])
    store = EventStore("faemban/bench", topic, PUBLIC)
    results: list[tuple[str, str, str, float]] = []
    notes: list[str] = []
    settle_heap(PlatformSettings().gc_young_threshold)  # as a started service runs (ADR 0024)

    # 1. write ------------------------------------------------------------
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        async with engine.begin() as conn:
            await store.append_many(
                conn,
                [
                    (
                        f"household-B{i:08d}",
                        [NewEvent("HouseholdRegistered", ModelData(facts(i), HouseholdRegisteredV1))],
                    )
                    for i in range(start, min(n, start + BATCH))
                ],
            )
    write_s = time.perf_counter() - t0

    u = make_url(url)
    pg = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    await pg.execute(
        "CREATE TABLE bare_events (stream_id text, version int, event_id text, event_type text,"
        " data jsonb, metadata jsonb, recorded_at timestamptz, PRIMARY KEY (stream_id, version))"
    )
    now = datetime.now(UTC)
    rows = [
        (f"household-B{i:08d}", 1, str(uuid.uuid4()), "HouseholdRegistered", json.dumps(facts(i)), "{}", now)
        for i in range(n)
    ]
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        await pg.copy_records_to_table("bare_events", records=rows[start : start + BATCH])
    copy_s = time.perf_counter() - t0
    await pg.close()
    results.append(("write", "event store append", "bare COPY (same rows, PK)", 0.0))
    results[-1] = (
        results[-1][0],
        f"{results[-1][1]:<32}{rate(n, write_s)}",
        f"{results[-1][2]:<28}{rate(n, copy_s)}",
        copy_s / write_s,
    )

    # 2. publish ----------------------------------------------------------
    # Relay and bare producer take turns, ROUNDS times over the same events (the relay's
    # position set back to the start between turns): on a shared machine one turn each swung
    # the share 41–87%.
    pg = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    sample = [
        CloudEvent(source="faemban/bench", type="t", subject=f"B{i:08d}", data=facts(i)) for i in range(n)
    ]
    payloads = [(ev.subject.encode(), ev.to_json_bytes(), ev.kafka_headers()) for ev in sample]
    publisher = broker.publisher()
    await publisher.start()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        compression_type=COMPRESSION,  # as the services' publisher
    )
    await producer.start()
    relay_turns: list[float] = []
    raw_turns: list[float] = []
    batch_turns: list[float] = []
    for _ in range(ROUNDS):
        await pg.execute("UPDATE relay_position SET position = 0")
        relay = EventRelay("bench", engine, publisher, store, batch_size=5000)
        t0 = time.perf_counter()
        sent = 0
        while sent < n:  # a drain may find a transaction still running and wait it out
            published = await relay.run_once()
            sent += published
            if not published:
                await asyncio.sleep(0.01)
        relay_turns.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for start in range(0, n, 5000):
            futs = [
                await producer.send(raw_topic, value=v, key=k, headers=h)
                for k, v, h in payloads[start : start + 5000]
            ]
            await asyncio.gather(*futs)
        raw_turns.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for start in range(0, n, 5000):
            await batched_send(producer, raw_topic, payloads[start : start + 5000])
        batch_turns.append(time.perf_counter() - t0)
    await producer.stop()
    await publisher.stop()
    await pg.close()
    relay_s, raw_pub_s = statistics.median(relay_turns), statistics.median(raw_turns)
    batch_s = statistics.median(batch_turns)
    shares = sorted(raw / ours for ours, raw in zip(relay_turns, raw_turns, strict=True))
    batch_shares = sorted(raw / ours for ours, raw in zip(relay_turns, batch_turns, strict=True))
    results.append(
        (
            "publish",
            f"{'relay (event store) -> Kafka':<32}{rate(n, relay_s)}",
            f"{'bare aiokafka producer':<28}{rate(n, raw_pub_s)}",
            raw_pub_s / relay_s,
        )
    )
    results.append(
        (
            "",
            f"{'(the same relay turns)':<32}{rate(n, relay_s)}",
            f"{'bare producer, batch API':<28}{rate(n, batch_s)}",
            batch_s / relay_s,
        )
    )
    notes.append(
        f"publish: median of {ROUNDS} turns each; the turns' shares {', '.join(f'{x:.0%}' for x in shares)}"
        f" (send per record), {', '.join(f'{x:.0%}' for x in batch_shares)} (batch API)"
    )

    # 3. consume ----------------------------------------------------------
    proj_md = sa.MetaData()
    counts = sa.Table(
        "bench_area_counts",
        proj_md,
        sa.Column("area_code", sa.String(8), primary_key=True),
        sa.Column("households", sa.Integer, nullable=False),
    )
    async with engine.begin() as conn:
        await conn.run_sync(proj_md.create_all)

    async def handler(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
        t = tables["counts"]
        updated = await conn.execute(
            t.update().where(t.c.area_code == event.areacode).values(households=t.c.households + 1)
        )
        if not updated.rowcount:
            await conn.execute(t.insert().values(area_code=event.areacode, households=1))

    async def batch_handler(
        conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
    ) -> None:
        t = tables["counts"]
        per_area = Counter(e.areacode for e in events)
        stmt = pg_insert(t).values([{"area_code": a, "households": k} for a, k in per_area.items()])
        stmt = stmt.on_conflict_do_update(
            index_elements=["area_code"], set_={"households": t.c.households + stmt.excluded.households}
        )
        await conn.execute(stmt)

    spec = ConsumerSpec("bench.counts", [topic], handler, {"counts": counts}, batch_handler=batch_handler)
    dlq = broker.publisher()
    await dlq.start()
    runner = ConsumerRunner(spec, engine, broker, dlq, batch_size=2000)
    stop = asyncio.Event()
    t0 = time.perf_counter()
    task = asyncio.create_task(runner.run(stop))
    while runner.processed < n:  # noqa: ASYNC110 - polling a counter owned by the runner
        await asyncio.sleep(0.05)
    consume_s = time.perf_counter() - t0
    stop.set()
    await task
    await dlq.stop()

    consumer = AIOKafkaConsumer(
        raw_topic,
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    await consumer.start()
    got = 0
    t0 = time.perf_counter()
    while got < n:
        batch = await consumer.getmany(timeout_ms=500, max_records=2000)
        for msgs in batch.values():
            for m in msgs:
                json.loads(m.value)
            got += len(msgs)
    raw_consume_s = time.perf_counter() - t0
    await consumer.stop()
    results.append(
        (
            "consume",
            f"{'runner -> PG projection':<32}{rate(n, consume_s)}",
            f"{'bare aiokafka consumer':<28}{rate(n, raw_consume_s)}",
            raw_consume_s / consume_s,
        )
    )

    await engine.dispose()
    print(f"\nFaemban platform bench — {n:,} events, PostgreSQL + Kafka on loopback, 2 cores\n")
    print(f"{'stage':<9}{'Faemban':<46}{'raw engine (same run)':<42}{'Faemban / raw':>14}")
    for stage, ours, raw, ratio in results:
        print(f"{stage:<9}{ours:<46}{raw:<42}{ratio:>13.0%}")
    print("\nratio = Faemban throughput as a share of the raw engine's (higher is better).")
    for note in notes:
        print(note)


async def batched_send(producer: AIOKafkaProducer, topic: str, payloads: Sequence[Any]) -> None:
    """The bare producer at its fastest: aiokafka's batch API (``create_batch``/``send_batch``),
    one open batch per partition, keys hashed by the publisher's ``murmur2``; the relay's
    publisher builds its batches the same way (ADR 0033), so this is the engine under it."""
    partitions = sorted(await producer.partitions_for(topic))
    batches: dict[int, Any] = {}
    acks = []
    for key, value, headers in payloads:
        partition = partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]
        batch = batches.get(partition) or batches.setdefault(partition, producer.create_batch())
        if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
            acks.append(await producer.send_batch(batch, topic, partition=partition))
            batch = batches[partition] = producer.create_batch()
            batch.append(key=key, value=value, timestamp=None, headers=headers)
    for partition, batch in batches.items():
        acks.append(await producer.send_batch(batch, topic, partition=partition))
    await asyncio.gather(*acks)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().events))
