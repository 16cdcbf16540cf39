"""Reads under load: GET /v1/households/{id} beside a bare FastAPI + asyncpg endpoint.

    make bench                                            # 20,000 requests, 50 clients
    .venv/bin/python bench/read_bench.py --requests 5000

In the same run on the same machine:
- the registry runs as its own process on a fresh PostgreSQL database and an empty Kafka
  topic; a generated register of 1,000 households (province 34) is imported;
- 50 concurrent keep-alive clients GET ``/v1/households/{id}`` as a province officer:
  once with ``?personal=false`` (the household alone), once with personal data and an
  ``X-Purpose`` (each read's access-log row durable before its answer);
- bare: one FastAPI endpoint that SELECTs one row of an equivalent table with asyncpg
  (pool of 10), served by uvicorn the same way, under the same clients and count.
Prints requests/s, p50 and p99 and the ratios; no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
from assistance_bench import wait_for
from common import BenchSettings, fresh_db
from import_bench import cpu_seconds, empty_topics, profilers, wait_ready
from sqlalchemy.engine import make_url

from faemban_cli.demo_data import generate, write_csv
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token
from faemban_domain.testing import eventually

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "faemban"
HOUSEHOLDS = 1_000
BARE_APP = """
import os

import asyncpg
from fastapi import FastAPI, HTTPException

app = FastAPI()


@app.on_event("startup")
async def start() -> None:
    app.state.pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=10, max_size=10)


@app.get("/v1/households/{household_id}")
async def read(household_id: str) -> dict[str, object]:
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM households WHERE household_id = $1", household_id)
    if row is None:
        raise HTTPException(404)
    return dict(row)
"""


WRK_SCRIPT = """
ids = {%(ids)s}
headers = {%(headers)s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", string.format("%(path)s", ids[(counter %% #ids) + 1]), headers)
end
"""


def _ms(text: str) -> float:
    value = float(text.rstrip("usm"))
    return value / 1000 if text.endswith("us") else value * 1000 if text[-2:-1].isdigit() else value


async def load(
    url: str, headers: dict[str, str], n: int, clients: int, ids: list[str], server: int
) -> dict[str, float]:
    """``clients`` keep-alive connections from wrk (C, 2 threads: the load generator must not be
    the bottleneck) for about one second per 1,000 requests asked; with the server process's
    CPU per request, which says whether it or the machine around it is the limit."""
    if not shutil.which("wrk"):
        raise SystemExit("the read bench needs wrk (apt-get install wrk; `make bench` installs it)")
    seconds = max(10, n // 1000)
    cpu = cpu_seconds(server)
    found = await _wrk(url, headers, seconds, clients, ids)
    found["cpu_us"] = (cpu_seconds(server) - cpu) * 1e6 / (found["per_s"] * seconds)
    return found


async def _wrk(
    url: str, headers: dict[str, str], seconds: int, clients: int, ids: list[str]
) -> dict[str, float]:
    base, _, rest = url.partition("/v1/")
    script = ROOT / ".cache" / "bench" / "reads.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "ids": ", ".join(f'"{i}"' for i in ids),
            "headers": ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()),
            "path": "/v1/" + rest.replace("{id}", "%s"),
        }
    )
    out = await asyncio.to_thread(
        subprocess.run,
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = {"failures": 0.0}
    for line in out.stdout.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            found["per_s"] = float(words[1])
        elif words[:1] == ["50%"]:
            found["p50"] = _ms(words[1])
        elif words[:1] == ["99%"]:
            found["p99"] = _ms(words[1])
        elif line.strip().startswith("Non-2xx"):
            found["failures"] = float(words[-1])
    return found


async def bare(base: str, path: Path, n: int, clients: int, ids: list[str]) -> dict[str, float]:
    url = await fresh_db(base, "bench_bare_reads")
    u = make_url(url)
    dsn = f"postgresql://{u.username}@{u.host}:{u.port}/{u.database}"
    conn = await asyncpg.connect(dsn)
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        names = next(reader)
        rows = list(reader)
    cols = ", ".join(f'"{c}" text' for c in names)
    await conn.execute(f"CREATE TABLE households ({cols}, PRIMARY KEY (household_id))")
    await conn.copy_records_to_table("households", records=[tuple(r) for r in rows], columns=names)
    await conn.close()
    app_dir = ROOT / ".cache" / "bench"
    (app_dir / "bare_reads.py").write_text(BARE_APP)
    proc = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "uvicorn", "bare_reads:app", "--port", "8198", "--log-level", "warning"],
        cwd=app_dir,
        env={**os.environ, "BARE_DSN": dsn},
    )
    try:
        await asyncio.to_thread(wait_for, "http://127.0.0.1:8198/docs")
        return await load("http://127.0.0.1:8198/v1/households/{id}", {}, n, clients, ids, proc.pid)
    finally:
        proc.terminate()
        proc.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    servers = BenchSettings()
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
    cache = ROOT / ".cache" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    var = cache / "var-reads"
    path = cache / f"tpmap-34-{HOUSEHOLDS}.csv"
    if not path.exists():
        write_csv(generate("34", HOUSEHOLDS, seed=1), path)
    with path.open(encoding="utf-8") as fh:
        ids = [r["household_id"] for r in csv.DictReader(fh)]
    await empty_topics(bootstrap)
    env = {
        **os.environ,
        "FAEMBAN_VAR_DIR": str(var),
        "FAEMBAN_LOG_LEVEL": "WARNING",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "REGISTRY_DATABASE_URL": await fresh_db(base, "bench_registry_reads"),
    }
    proc = subprocess.Popen(  # noqa: ASYNC220
        [str(BIN), "serve", "registry", "--port", "8101"], env=servers.as_service(env, "registry")
    )
    try:
        wait_ready("http://127.0.0.1:8101")
        private, _ = ensure_dev_keypair(var)
        officer = {"Authorization": f"Bearer {mint_token(private, roles=['province_officer'], areas=['34'])}"}
        async with httpx.AsyncClient(timeout=600) as client:
            with path.open("rb") as fh:
                r = await client.post(
                    "http://127.0.0.1:8101/v1/imports/tpmap-register",
                    files={"file": (path.name, fh)},
                    headers=officer,
                )
            import_id = r.json()["import_id"]

            async def imported() -> bool:
                got = await client.get(f"http://127.0.0.1:8101/v1/imports/{import_id}", headers=officer)
                return bool(got.json()["status"] == "done")

            await eventually(imported, timeout=600, what="the register imported")
        await asyncio.sleep(5)  # the relay and PostgreSQL settle after the import
        url = "http://127.0.0.1:8101/v1/households/{id}"
        print(f"Reads: {args.requests:,} GETs, {args.clients} clients, {HOUSEHOLDS:,} households", flush=True)
        spies = profilers({"registry-reads": proc})  # BENCH_PROFILE=DIR: py-spy while loaded
        plain = await load(url + "?personal=false", officer, args.requests, args.clients, ids, proc.pid)
        personal = await load(
            url, {**officer, "X-Purpose": "bench: home visit"}, args.requests, args.clients, ids, proc.pid
        )
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait()
    finally:
        proc.terminate()
        proc.wait()
    raw = await bare(base, path, args.requests, args.clients, ids)
    print(f"\n{'':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} {'server CPU µs/req':>18}")
    for label, r in (
        ("Faemban GET household (personal=false)", plain),
        ("Faemban GET household + personal, logged", personal),
        ("bare FastAPI + asyncpg SELECT", raw),
    ):
        print(
            f"{label:44} {r['per_s']:8,.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['per_s'] / raw['per_s']:8.0%}"
            f" {r['cpu_us']:18,.0f}" + (f"  ({r['failures']:.0f} failed)" if r["failures"] else "")
        )


if __name__ == "__main__":
    asyncio.run(main())
