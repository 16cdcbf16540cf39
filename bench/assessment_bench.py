"""Assessment throughput beside the raw engine under it, measured in one run.

    .venv/bin/python bench/assessment_bench.py [--events 50000]   (third part of make bench)

1. assess:  the assessment consumer (registry events → each household's facts and
            assessment in its stream, batches as in production) on PostgreSQL
            vs a bare aiokafka consumer reading and JSON-decoding the same topic;
2. summary: the summary projection (assessed events → current rows + area counters)
            vs the bare consumer on that topic.

The events are a TPMAP register's `household.registered.v1` (faemban demo-data,
province 34, seed 1). Needs KAFKA_BOOTSTRAP_SERVERS and FAEMBAN_TEST_POSTGRES_URL.
Prints a table; no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import replace
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from common import BenchSettings, fresh_db

from faemban_assessment.adapters.event_store import store as assessment_store
from faemban_assessment.adapters.tables import metadata as assessment_metadata
from faemban_assessment.service import ASSESS, SUMMARY
from faemban_cli.demo_data import generate
from faemban_domain import indicators
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import Broker
from faemban_domain.eventsourcing.consumer import ConsumerRunner, ConsumerSpec
from faemban_domain.eventsourcing.tables import metadata as platform_metadata
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.wiring import kafka_client_options, make_broker
from faemban_domain.testing import published_records


def registered(row: dict[str, Any]) -> CloudEvent:
    codes = indicators.rule_set(2019).codes
    area = f"{row['subdistrict_code']}{int(row['village_no']):02d}"
    members = int(row["members"])
    return CloudEvent(
        source="faemban/registry",
        type="th.faemban.household.registered.v1",
        subject=row["household_id"],
        areacode=area,
        sequence="1",
        data={
            "household_id": row["household_id"],
            "area_code": area,
            "cohort_year": 2019,
            "source": "tpmap",
            "members": members,
            "welfare_card_holders": int(row["welfare_card_holders"]),
            "elderly": int(row["elderly"]),
            "disabled": int(row["disabled"]),
            "chronically_ill": int(row["chronically_ill"]),
            "total_income": float(row["total_income"]),
            "average_income": round(float(row["total_income"]) / members, 2),
            "tpmap_failing_indicators": sorted(c for c in codes if str(row[c]) == "1"),
        },
    )


async def produce(bootstrap: str, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, **kafka_client_options(), linger_ms=5, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        for start in range(0, len(values), 5000):
            futs = [await producer.send(topic, value=v, key=k) for k, v in values[start : start + 5000]]
            await asyncio.gather(*futs)
    finally:
        await producer.stop()


async def bare_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        group_id=f"bare-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen = 0
    t0 = time.perf_counter()
    try:
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for r in records:
                    json.loads(r.value)
                    seen += 1
    finally:
        await consumer.stop()
    return time.perf_counter() - t0


async def run_consumer(spec: ConsumerSpec, engine: Any, broker: Broker, n: int) -> float:
    dlq = broker.publisher()
    await dlq.start()
    runner = ConsumerRunner(spec, engine, broker, dlq, batch_size=5000)
    stop = asyncio.Event()
    t0 = time.perf_counter()
    task = asyncio.create_task(runner.run(stop))
    while runner.processed < n:
        await asyncio.sleep(0.05)
        if task.done():
            task.result()
    seconds = time.perf_counter() - t0
    stop.set()
    await task
    await dlq.stop()
    return seconds


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f}/s"


async def main(n: int) -> None:
    servers = BenchSettings()
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
    engine = make_engine(await fresh_db(base, "bench_assessment"))
    async with engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.run_sync(assessment_metadata.create_all)
    broker = make_broker(servers.platform())
    registry_topic, assessed_topic = (
        f"bench.{t}.{uuid.uuid4().hex[:8]}.v1" for t in ("registry", "assessed")
    )
    await broker.ensure_topics([registry_topic, assessed_topic])
    events = [registered(row) for row in generate("34", n, seed=1)]
    await produce(bootstrap, registry_topic, [(e.subject.encode(), e.to_json_bytes()) for e in events])

    assess_s = await run_consumer(
        replace(ASSESS, name="bench.assess", topics=[registry_topic]), engine, broker, n
    )
    raw_assess_s = await bare_consume(bootstrap, registry_topic, n)
    published = [(r.key.encode(), r.value) for r in await published_records(engine, assessment_store)]
    await produce(bootstrap, assessed_topic, published)
    summary_s = await run_consumer(
        replace(SUMMARY, name="bench.summary", topics=[assessed_topic]), engine, broker, len(published)
    )
    raw_summary_s = await bare_consume(bootstrap, assessed_topic, len(published))
    await engine.dispose()
    await broker.close()

    print(f"\nAssessment throughput, {n:,} registered households ({len(published):,} assessments published)")
    print(f"{'stage':<9}{'Faemban':<44}{'raw engine (same run)':<40}share")
    rows = [
        ("assess", "consumer -> streams", n, assess_s, raw_assess_s),
        ("summary", "projection -> rows + counters", len(published), summary_s, raw_summary_s),
    ]
    for stage, what, count, ours, raw in rows:
        print(
            f"{stage:<9}{what:<32}{rate(count, ours)}  {'bare aiokafka consumer':<26}{rate(count, raw)}  "
            f"{raw / ours:.0%}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    asyncio.run(main(parser.parse_args().events))
