"""P1 — TPMAP register import on the distributed stack, beside bare COPY.

    make bench-import                                   # 100,000 and 1,000,000 households
    .venv/bin/python bench/import_bench.py --sizes 100000

For each size, in the same run on the same machine:
- generate the register (deterministic, not timed; cached in .cache/bench);
- start registry and reporting as separate processes on fresh PostgreSQL
  databases and empty Kafka topics;
- time upload → import ``done`` (rows/s), and upload → the register summary
  showing every household (time to summary);
- bare PostgreSQL: read the same CSV and COPY the same rows into an
  equivalent keyed table (COPY alone, and CSV parse + COPY).
Prints the figures and the ratios; no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from common import BenchSettings, fresh_db
from sqlalchemy.engine import make_url

from faemban_cli.demo_data import generate, write_csv
from faemban_domain import tpmap_register
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "faemban"


async def empty_topics(bootstrap: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith("faemban.")]
        if doomed:
            await admin.delete_topics(doomed)
        while [t for t in await admin.list_topics() if t.startswith("faemban.")]:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


def wait_ready(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


async def bare_copy(base: str, path: Path) -> tuple[float, float]:
    """(COPY seconds, CSV parse + COPY seconds) for the same rows into an equivalent table."""
    url = await fresh_db(base, "bench_bare_copy")
    u = make_url(url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    names = [c.name for c in tpmap_register.all_columns()]
    cols = ", ".join(
        f'"{n}" text'
        if n
        in (
            "household_id",
            "village_name",
            "house_no",
            "head_title",
            "head_first_name",
            "head_last_name",
            "head_citizen_id",
            "head_sex",
            "province_code",
            "district_code",
            "subdistrict_code",
        )
        else f'"{n}" double precision'
        for n in names
    )
    await conn.execute(f"CREATE TABLE register ({cols}, PRIMARY KEY (household_id))")
    t0 = time.perf_counter()
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        numeric = [
            n
            not in (
                "household_id",
                "village_name",
                "house_no",
                "head_title",
                "head_first_name",
                "head_last_name",
                "head_citizen_id",
                "head_sex",
                "province_code",
                "district_code",
                "subdistrict_code",
            )
            for n in names
        ]
        records = [
            tuple(
                float(v) if num and v != "" else (None if v == "" else v)
                for v, num in zip(row, numeric, strict=True)
            )
            for row in reader
        ]
    parsed = time.perf_counter()
    await conn.copy_records_to_table("register", records=records, columns=names)
    done = time.perf_counter()
    await conn.close()
    return done - parsed, done - t0


async def one_size(n: int, base: str, bootstrap: str, var: Path) -> dict[str, float]:
    cache = ROOT / ".cache" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"tpmap-34-{n}.csv"
    if not path.exists():
        print(f"  generating {n:,} households ...", flush=True)
        write_csv(generate("34", n, seed=1), path)
    await empty_topics(bootstrap)
    env = {
        **os.environ,
        "FAEMBAN_VAR_DIR": str(var),
        "FAEMBAN_LOG_LEVEL": "WARNING",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
    }
    env["REGISTRY_DATABASE_URL"] = await fresh_db(base, "bench_registry")
    env["REPORTING_DATABASE_URL"] = await fresh_db(base, "bench_reporting")
    procs = [
        subprocess.Popen([str(BIN), "serve", "registry", "--port", "8101"], env=env),  # noqa: ASYNC220
        subprocess.Popen([str(BIN), "serve", "reporting", "--port", "8105"], env=env),  # noqa: ASYNC220
    ]
    try:
        for port in (8101, 8105):
            wait_ready(f"http://127.0.0.1:{port}")
        private, _ = ensure_dev_keypair(var)
        auth = {"Authorization": f"Bearer {mint_token(private, roles=['province_officer'], areas=['34'])}"}
        async with httpx.AsyncClient(timeout=600) as client:
            t0 = time.perf_counter()
            with path.open("rb") as fh:
                r = await client.post(
                    "http://127.0.0.1:8101/v1/imports/tpmap-register",
                    files={"file": (path.name, fh)},
                    headers=auth,
                )
            import_id = r.json()["import_id"]
            while True:
                status = (
                    await client.get(f"http://127.0.0.1:8101/v1/imports/{import_id}", headers=auth)
                ).json()
                if status["status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.2)
            imported = time.perf_counter() - t0
            assert status["status"] == "done", status["errors"][:3]
            while await relayed(client) < n:  # noqa: ASYNC110 - polling another process
                await asyncio.sleep(0.2)
            published = time.perf_counter() - t0
            while True:
                s = (
                    await client.get(
                        "http://127.0.0.1:8105/v1/reports/register-summary",
                        params={"area": "34"},
                        headers=auth,
                    )
                ).json()
                if s["total"]["target_households"] == n:
                    break
                await asyncio.sleep(0.2)
            summarised = time.perf_counter() - t0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
    copy_s, parse_copy_s = await bare_copy(base, path)
    return {
        "n": n,
        "import_s": imported,
        "published_s": published,
        "summary_s": summarised,
        "copy_s": copy_s,
        "parse_copy_s": parse_copy_s,
    }


async def relayed(client: httpx.AsyncClient) -> float:
    """Events the registry's relay has published (its Prometheus counter)."""
    text = (await client.get("http://127.0.0.1:8101/metrics")).text
    for line in text.splitlines():
        if line.startswith("faemban_relay_published_total{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def main(sizes: list[int]) -> None:
    servers = BenchSettings()
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
    var = ROOT / ".cache" / "bench" / "var"
    results = []
    for n in sizes:
        print(f"P1 with {n:,} households ...", flush=True)
        results.append(await one_size(n, base, bootstrap, var))
    print(
        "\nP1 — TPMAP register import, distributed stack (PostgreSQL 15 + Kafka 4.1.1 on loopback, 2 cores)\n"
    )
    header = (
        "households",
        "import",
        "rows/s",
        "on Kafka",
        "to summary",
        "bare COPY/s",
        "vs COPY",
        "parse+COPY/s",
        "vs parse+COPY",
    )
    print(("{:>11} " * len(header)).format(*header))
    for r in results:
        n = r["n"]
        cells = (
            f"{n:,}",
            f"{r['import_s']:.1f}s",
            f"{n / r['import_s']:,.0f}",
            f"{r['published_s']:.1f}s",
            f"{r['summary_s']:.1f}s",
            f"{n / r['copy_s']:,.0f}",
            f"{r['copy_s'] / r['import_s']:.1%}",
            f"{n / r['parse_copy_s']:,.0f}",
            f"{r['parse_copy_s'] / r['import_s']:.1%}",
        )
        print(("{:>11} " * len(cells)).format(*cells))
    print(
        "\nimport = upload until the import is done; on Kafka = until the relay published every event;"
        "\nto summary = until reporting's register summary counts every household (all from the upload)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    asyncio.run(main(parser.parse_args().sizes))
