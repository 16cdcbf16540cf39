"""The logbook under load: assistance entries through the API beside a bare FastAPI + asyncpg insert.

    make bench                                            # 100,000 entries, 20 clients
    .venv/bin/python bench/assistance_bench.py --entries 10000

In the same run on the same machine:
- the registry and the assistance-log run as separate processes on fresh PostgreSQL
  databases and empty Kafka topics; a generated register of 1,000 households (province
  34) is imported and the logbook waits until it knows every household;
- 20 concurrent clients (keep-alive connections) POST ``/v1/assistance`` with an
  ``Idempotency-Key`` each: entries/s and latency percentiles, then the time until the
  relay has published every ``assistance.logged`` to Kafka;
- bare: one FastAPI endpoint that validates a body of the same fields with pydantic and
  INSERTs one row with asyncpg (pool of 10), served by uvicorn the same way, under the
  same 20 clients and the same count.
Prints the figures and the ratios; no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from common import BenchSettings, fresh_db
from import_bench import empty_topics, wait_ready

from faemban_cli.demo_data import generate, write_csv
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token
from faemban_domain.platform.wiring import kafka_credentials
from faemban_domain.testing import eventually

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "faemban"
HOUSEHOLDS = 1_000
RUN = uuid.uuid4().hex[:8]
"""Idempotency keys of this run (a key is remembered per caller: a rerun must not replay)."""
BARE_APP = """
import os
from datetime import date
from decimal import Decimal

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Entry(BaseModel):
    household_id: str
    problem: dict[str, str]
    agency: str
    giver_kind: str
    kind: str
    amount_baht: Decimal | None = None
    given_on: date
    note: str = ""


@app.on_event("startup")
async def start() -> None:
    app.state.pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=10, max_size=10)


@app.post("/v1/assistance", status_code=201)
async def log(entry: Entry) -> dict[str, object]:
    async with app.state.pool.acquire() as conn:
        entry_id = await conn.fetchval(
            "INSERT INTO entries (household_id, problem, agency, giver_kind, kind, amount_baht, given_on,"
            " note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING entry_id",
            entry.household_id, entry.problem.get("indicator") or entry.problem.get("dimension") or "other",
            entry.agency, entry.giver_kind, entry.kind, entry.amount_baht, entry.given_on, entry.note,
        )
    return {"assistance_id": str(entry_id)}
"""
BARE_TABLE = """
CREATE TABLE entries (
    entry_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id text NOT NULL, problem text NOT NULL, agency text NOT NULL, giver_kind text NOT NULL,
    kind text NOT NULL, amount_baht numeric(14, 2), given_on date NOT NULL, note text NOT NULL
);
CREATE INDEX ON entries (household_id);
"""


def wait_for(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def body(i: int, households: list[str]) -> dict[str, Any]:
    return {
        "household_id": households[i % len(households)],
        "problem": {"indicator": "income.average_income"},
        "agency": "moi.cdd",
        "giver_kind": "state",
        "kind": "goods",
        "amount_baht": f"{100 + i % 900}.50",
        "given_on": date.today().isoformat(),
        "note": "เมล็ดพันธุ์ผัก",
    }


async def load(
    url: str, headers: dict[str, str], n: int, clients: int, households: list[str]
) -> dict[str, float]:
    """``n`` POSTs from ``clients`` concurrent keep-alive clients: wall time and latencies."""
    latencies: list[float] = []
    next_i = 0
    failures = 0

    async def client_loop(k: int) -> None:
        nonlocal next_i, failures
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=1)) as client:
            while next_i < n:
                i, next_i = next_i, next_i + 1
                started = time.perf_counter()
                r = await client.post(
                    url, json=body(i, households), headers={**headers, "Idempotency-Key": f"b-{i}-{RUN}"}
                )
                latencies.append(time.perf_counter() - started)
                if r.status_code != 201:
                    failures += 1
                    if failures < 3:
                        print(f"    refused: {r.status_code} {r.text[:200]}", flush=True)

    t0 = time.perf_counter()
    await asyncio.gather(*(client_loop(k) for k in range(clients)))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"wall": wall, "per_s": n / wall, "p50": q[49] * 1000, "p99": q[98] * 1000, "failures": failures}


async def bare(base: str, n: int, clients: int, households: list[str]) -> dict[str, float]:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = await fresh_db(base, "bench_bare_logbook")
    u = make_url(url)
    dsn = f"postgresql://{u.username}@{u.host}:{u.port}/{u.database}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(BARE_TABLE)
    await conn.close()
    app_dir = ROOT / ".cache" / "bench"
    app_dir.mkdir(parents=True, exist_ok=True)
    (app_dir / "bare_logbook.py").write_text(BARE_APP)
    proc = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "uvicorn", "bare_logbook:app", "--port", "8199", "--log-level", "warning"],
        cwd=app_dir,
        env={**os.environ, "BARE_DSN": dsn},
    )
    try:
        await asyncio.to_thread(wait_for, "http://127.0.0.1:8199/docs")
        return await load("http://127.0.0.1:8199/v1/assistance", {}, n, clients, households)
    finally:
        proc.terminate()
        proc.wait()


async def published(bootstrap: str, topic: str) -> int:
    """Records on ``topic`` now (the end offsets of its partitions)."""
    from faemban_domain.eventsourcing.broker import KafkaBroker

    broker = KafkaBroker(bootstrap, credentials=kafka_credentials())
    reader = broker.reader([topic])
    try:
        return sum((await reader.open()).values())
    finally:
        await reader.close()
        await broker.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    servers = BenchSettings()
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
    var = ROOT / ".cache" / "bench" / "var-assistance"
    cache = ROOT / ".cache" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"tpmap-34-{HOUSEHOLDS}.csv"
    if not path.exists():
        write_csv(generate("34", HOUSEHOLDS, seed=1), path)
    with path.open(encoding="utf-8") as fh:
        households = [r["household_id"] for r in csv.DictReader(fh)]

    await empty_topics(bootstrap)
    env = {
        **os.environ,
        "FAEMBAN_VAR_DIR": str(var),
        "FAEMBAN_LOG_LEVEL": "WARNING",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
    }
    env["REGISTRY_DATABASE_URL"] = await fresh_db(base, "bench_registry")
    env["ASSISTANCE_LOG_DATABASE_URL"] = await fresh_db(base, "bench_assistance_log")
    procs = [
        subprocess.Popen(  # noqa: ASYNC220
            [str(BIN), "serve", "registry", "--port", "8101"], env=servers.as_service(env, "registry")
        ),
        subprocess.Popen(  # noqa: ASYNC220
            [str(BIN), "serve", "assistance-log", "--port", "8104"],
            env=servers.as_service(env, "assistance-log"),
        ),
    ]
    try:
        for port in (8101, 8104):
            wait_ready(f"http://127.0.0.1:{port}")
        private, _ = ensure_dev_keypair(var)
        province = {
            "Authorization": f"Bearer {mint_token(private, roles=['province_officer'], areas=['34'])}"
        }
        admin = {"Authorization": f"Bearer {mint_token(private, roles=['admin'], areas=[])}"}
        async with httpx.AsyncClient(timeout=600) as client:
            with path.open("rb") as fh:
                r = await client.post(
                    "http://127.0.0.1:8101/v1/imports/tpmap-register",
                    files={"file": (path.name, fh)},
                    headers=province,
                )
            import_id = r.json()["import_id"]

            async def imported() -> bool:
                got = await client.get(f"http://127.0.0.1:8101/v1/imports/{import_id}", headers=province)
                return got.json()["status"] in ("done", "failed")

            await eventually(imported, timeout=600, what="the register imported")
            for hid in households:  # the logbook knows every household before the clock starts

                async def known(hid: str = hid) -> bool:
                    url = f"http://127.0.0.1:8104/v1/households/{hid}/assistance"
                    return (await client.get(url, headers=admin)).status_code == 200

                await eventually(known, timeout=600, what=f"{hid} known to the logbook")
        print(
            f"Logbook: {args.entries:,} entries, {args.clients} clients, {len(households):,} households",
            flush=True,
        )
        ours = await load(
            "http://127.0.0.1:8104/v1/assistance", province, args.entries, args.clients, households
        )
        t0 = time.perf_counter()

        async def all_published() -> bool:
            return await published(bootstrap, "faemban.assistance.v1") >= args.entries

        await eventually(all_published, timeout=3600, what="every entry on Kafka")
        on_kafka = time.perf_counter() - t0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    theirs = await bare(base, args.entries, args.clients, households)
    print(
        f"  faemban  POST /v1/assistance: {ours['per_s']:,.0f} entries/s, p50 {ours['p50']:.1f} ms, "
        f"p99 {ours['p99']:.1f} ms ({ours['wall']:.1f} s, {ours['failures']:.0f} refused); "
        f"all on Kafka {on_kafka:.1f} s after the last answer"
    )
    print(
        f"  bare     FastAPI + asyncpg INSERT: {theirs['per_s']:,.0f} rows/s, p50 {theirs['p50']:.1f} ms, "
        f"p99 {theirs['p99']:.1f} ms ({theirs['wall']:.1f} s)"
    )
    print(
        f"  share    throughput {ours['per_s'] / theirs['per_s']:.0%} of bare; "
        f"p99 {ours['p99'] / theirs['p99']:.1f}× bare"
    )


if __name__ == "__main__":
    asyncio.run(main())
