"""The KPI read model under a national register, beside the raw engine under it, in one run.

    make bench                                                    # 1,000,000 households
    .venv/bin/python bench/kpi_bench.py --households 100000 --requests 500

1. project: reporting's KPI projection (the ``reporting.kpis`` consumer, batches as in
            production) over each household's ``household.registered``, ``household.verified``
            and three ``assistance.logged`` events (five events a household, province 34),
            on PostgreSQL — vs a bare aiokafka consumer reading and JSON-decoding the same topics;
2. read:    ``GET /v1/reports/kpis?area=34&level=district`` from a ``faemban serve reporting``
            process on that database under 50 concurrent keep-alive clients: requests/s, p50, p99.

Needs KAFKA_BOOTSTRAP_SERVERS and FAEMBAN_TEST_POSTGRES_URL. Prints figures; no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from assessment_bench import bare_consume, rate, run_consumer
from common import BenchSettings, fresh_db
from import_bench import wait_ready

from faemban_domain import areas
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.wiring import kafka_client_options, make_broker
from faemban_reporting.service import KPIS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "faemban"
AGENCIES = ("moi.cdd", "mol", "moph")
T0 = datetime(2024, 11, 1, tzinfo=UTC)


def villages() -> list[str]:
    return [
        f"{sub.code}{v:02d}"
        for district in areas.children("34")
        for sub in areas.children(district.code)
        for v in (1, 2, 3)
    ]


def events(n: int, run: str) -> Iterator[tuple[str, CloudEvent]]:
    """(topic key, event) for household after household: registered, verified, three entries."""
    places = villages()
    for i in range(n):
        hid = f"KB{run}{i:07d}"
        area = places[i % len(places)]
        at = T0 + timedelta(seconds=i)
        yield (
            "registry",
            CloudEvent(
                source="faemban/registry",
                type="th.faemban.household.registered.v1",
                subject=hid,
                areacode=area,
                sequence="1",
                time=at,
                data={
                    "household_id": hid,
                    "area_code": area,
                    "cohort_year": 2024,
                    "source": "tpmap",
                    "members": 4,
                    "welfare_card_holders": 1,
                    "elderly": 1,
                    "disabled": 0,
                    "chronically_ill": 0,
                    "tpmap_failing_indicators": ["income.average_income"],
                },
            ),
        )
        yield (
            "registry",
            CloudEvent(
                source="faemban/registry",
                type="th.faemban.household.verified.v1",
                subject=hid,
                areacode=area,
                sequence="2",
                time=at + timedelta(days=10),
                data={
                    "household_id": hid,
                    "area_code": area,
                    "survey_year": 2024,
                    "indicator_results": {},
                    "verification_category": "all_correct",
                    "field_status": "lives_here",
                    "household_type": "develop" if i % 3 else "welfare",
                    "members": [{"age": 40, "annual_income": 30000}] * 4,
                    "total_income": 120000,
                    "average_income": 30000,
                    "verified_at": (at + timedelta(days=10)).isoformat(),
                },
            ),
        )
        for k in range(3):
            eid = f"{hid}-{k}"
            yield (
                "assistance",
                CloudEvent(
                    source="faemban/assistance-log",
                    type="th.faemban.assistance.logged.v1",
                    subject=hid,
                    areacode=area,
                    sequence="1",
                    time=at + timedelta(days=20 + k),
                    data={
                        "entry_id": eid,
                        "household_id": hid,
                        "area_code": area,
                        "problem": "income",
                        "agency": AGENCIES[(i + k) % len(AGENCIES)],
                        "giver_kind": "state",
                        "kind": "training",
                        "amount_baht": 500.0,
                        "given_on": date(2024, 12, 1).isoformat(),
                    },
                ),
            )


async def produce(bootstrap: str, topics: dict[str, str], n: int, run: str) -> int:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, **kafka_client_options(), linger_ms=10, max_batch_size=512 * 1024, acks=1
    )
    await producer.start()
    sent = 0
    try:
        pending = []
        for key, event in events(n, run):
            pending.append(
                await producer.send(topics[key], value=event.to_json_bytes(), key=event.subject.encode())
            )
            sent += 1
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def read_load(url: str, headers: dict[str, str], requests: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    left = requests
    failures = 0

    async def client_loop() -> None:
        nonlocal left, failures
        async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=1)) as client:
            while left > 0:
                left -= 1
                started = time.perf_counter()
                r = await client.get(url, headers=headers)
                latencies.append(time.perf_counter() - started)
                if r.status_code != 200:
                    failures += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"per_s": requests / wall, "p50": q[49] * 1000, "p99": q[98] * 1000, "failures": failures}


async def main(households: int, requests: int, clients: int) -> None:
    servers = BenchSettings()
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
    run = uuid.uuid4().hex[:6]
    db = await fresh_db(base, "bench_reporting_kpis")
    var = ROOT / ".cache" / "bench" / "var-kpis"
    env = {
        **os.environ,
        "FAEMBAN_VAR_DIR": str(var),
        "FAEMBAN_LOG_LEVEL": "WARNING",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "REPORTING_DATABASE_URL": db,
        # it serves the read model the bench projects; its own consumers would project what the
        # service topics hold (an import bench's households) into the same tables meanwhile
        "FAEMBAN_RUN_CONSUMERS": "false",
    }
    # the service migrates its fresh database
    server = subprocess.Popen(  # noqa: ASYNC220
        [str(BIN), "serve", "reporting", "--port", "8105"], env=servers.as_service(env, "reporting")
    )
    try:
        await asyncio.to_thread(wait_ready, "http://127.0.0.1:8105")
        topics = {k: f"bench.{k}.{run}.v1" for k in ("registry", "assistance")}
        broker = make_broker(servers.platform())
        await broker.ensure_topics(list(topics.values()))
        t0 = time.perf_counter()
        n_events = await produce(bootstrap, topics, households, run)
        took = time.perf_counter() - t0
        print(
            f"KPI read model: {households:,} households, {n_events:,} events produced in {took:.0f} s",
            flush=True,
        )
        engine = make_engine(db)
        ours = await run_consumer(
            replace(KPIS, name=f"bench.kpis.{run}", topics=list(topics.values())), engine, broker, n_events
        )
        await engine.dispose()
        raw = 0.0
        for topic in topics.values():
            per_topic = households * (2 if "registry" in topic else 3)
            raw += await bare_consume(bootstrap, topic, per_topic)
        await broker.close()
        print(
            f"  project  KPI projection   {rate(n_events, ours)}   "
            f"bare aiokafka consumer {rate(n_events, raw)}   {raw / ours:.0%} ({ours:.0f} s vs {raw:.0f} s)",
            flush=True,
        )
        private, _ = ensure_dev_keypair(var)
        headers = {"Authorization": f"Bearer {mint_token(private, roles=['analyst'], areas=['34'])}"}
        url = "http://127.0.0.1:8105/v1/reports/kpis?area=34&level=district&survey_year=2024"
        async with httpx.AsyncClient(timeout=600) as client:
            first = await client.get(url, headers=headers)
            total = first.json()["total"]
            print(
                f"  check    total households {total['households']:,}, assisted "
                f"{total['assisted']['numerator']:,}/{total['assisted']['denominator']:,}",
                flush=True,
            )
        got = await read_load(url, headers, requests, clients)
        print(
            f"  read     GET /v1/reports/kpis?area=34&level=district, {clients} clients: "
            f"{got['per_s']:.1f} req/s, p50 {got['p50']:.0f} ms, p99 {got['p99']:.0f} ms "
            f"({requests} requests, {got['failures']:.0f} failed)"
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.households, args.requests, args.clients))
