"""P1/P4 — TPMAP register import on the distributed stack, beside bare COPY.

    .venv/bin/python bench/import_bench.py --sizes 100000 1000000
    .venv/bin/python bench/import_bench.py --sizes 1000000 --assessment-processes 2
    .venv/bin/python bench/import_bench.py --sizes 100000 --no-summary-process

For each size, in the same run on the same machine:
- generate the register (deterministic, not timed; cached in .cache/bench);
- start registry, assessment (N processes: one consumer group, partitions split) and
  reporting as separate processes on fresh PostgreSQL databases and empty Kafka topics; the
  assessment's summary projection in one more assessment process of its own (ADR 0029;
  ``--no-summary-process``: in the assessment processes);
- time upload → import ``done`` (rows/s), → every event on Kafka, → the register
  summary counting every household, → the assessment summary counting every
  household (P4: the last of these);
- per process: CPU seconds and peak RSS (VmHWM); the machine's busy CPU seconds;
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
from faemban_domain.platform.wiring import kafka_client_options

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "faemban"


async def empty_topics(bootstrap: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
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


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its waited-for children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children_peak_rss_mb(pid: int) -> dict[int, float]:
    """Peak RSS of each live child process (the registry's validation workers), by pid."""
    out: dict[int, float] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            try:
                out[child] = _peak_rss_mb(child)
            except OSError:
                pass
    return out


def _machine_busy_seconds() -> float:
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def profilers(procs: dict[str, subprocess.Popen[bytes]]) -> list[subprocess.Popen[bytes]]:
    """With BENCH_PROFILE=DIR: py-spy samples each service into DIR/NAME.txt (collapsed stacks)."""
    out = os.environ.get("BENCH_PROFILE")
    if not out:
        return []
    Path(out).mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():  # a profiling tool, not a dependency of the project
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=True)
    return [
        subprocess.Popen(
            [
                str(spy),
                "record",
                "--pid",
                str(p.pid),
                "--format",
                "raw",
                "--nonblocking",
                "-r",
                "50",
                "-o",
                f"{out}/{name}.txt",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, p in procs.items()
    ]


def _kafka_pid() -> int | None:
    out = subprocess.run(["pgrep", "-f", "kafka.Kafka"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


SUMMARY = "assessment.summary"
"""Run alone in the summary process; the first assessment process runs all but it, so a
consumer added to the assessment runs there too."""


async def one_size(
    servers: BenchSettings, n: int, var: Path, assessors: int, summary_process: bool
) -> dict[str, float]:
    base, bootstrap = servers.postgres_base, servers.kafka_bootstrap_servers
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
    env["ASSESSMENT_DATABASE_URL"] = await fresh_db(base, "bench_assessment")
    ports = {
        "registry": 8101,
        "reporting": 8105,
        **{f"assessment-{i + 1}": 8103 + 10 * i for i in range(assessors)},
        **({"assessment-summary": 8104} if summary_process else {}),
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    for name, port in ports.items():
        service = name.split("-")[0]
        unit_env = {**servers.as_service(env, service)}
        if summary_process and service == "assessment":
            the_split = "CONSUMERS" if name == "assessment-summary" else "CONSUMERS_EXCEPT"
            unit_env[f"FAEMBAN_{the_split}"] = SUMMARY
        procs[name] = subprocess.Popen(  # noqa: ASYNC220
            [str(BIN), "serve", service, "--port", str(port)], env=unit_env
        )
        if service == "assessment":  # the first one creates the topics and migrates
            wait_ready(f"http://127.0.0.1:{port}")
    kafka = _kafka_pid()
    stages: dict[str, float] = {}
    workers: dict[str, dict[int, float]] = {}  # service → child pid → peak RSS MB
    spies: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports.values():
            wait_ready(f"http://127.0.0.1:{port}")
        spies = profilers(procs)
        cpu0 = {name: cpu_seconds(p.pid) for name, p in procs.items()}
        kafka0 = cpu_seconds(kafka) if kafka else 0.0
        busy0 = _machine_busy_seconds()
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
            stages["upload"] = time.perf_counter() - t0
            print(f"    upload accepted    {stages['upload']:8.1f} s", flush=True)
            while True:
                status = (await _polled(client, f"http://127.0.0.1:8101/v1/imports/{import_id}", auth)).json()
                for name, p in procs.items():
                    for child, mb in _children_peak_rss_mb(p.pid).items():
                        workers.setdefault(name, {})[child] = mb
                if "validated" not in stages and status.get("phase") in ("registering", "done"):
                    # the file is checked whole before anything is registered: till here
                    # only the registry works, and at most one core
                    stages["validated"] = time.perf_counter() - t0
                    print(f"    validated          {stages['validated']:8.1f} s", flush=True)
                if status["status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.2)
            stages["import"] = time.perf_counter() - t0
            print(f"    import done        {stages['import']:8.1f} s", flush=True)
            assert status["status"] == "done", status["errors"][:3]
            summaries = {  # stage → (URL, query, the total that counts every household)
                "register summary": (
                    "http://127.0.0.1:8105/v1/reports/register-summary",
                    {"area": "34"},
                    "target_households",
                ),
                "assessment summary": (
                    f"http://127.0.0.1:{ports['assessment-1']}/v1/assessments/summary",
                    {"area": "34", "level": "district"},
                    "households",
                ),
            }
            while not all(stage in stages for stage in summaries):
                if "on Kafka" not in stages and await relayed(client) >= n:
                    stages["on Kafka"] = time.perf_counter() - t0
                    print(f"    all on Kafka       {stages['on Kafka']:8.1f} s", flush=True)
                for stage, (url, params, total) in summaries.items():
                    if stage in stages:
                        continue
                    got = (await _polled(client, url, auth, params)).json()
                    if got["total"][total] == n:
                        stages[stage] = time.perf_counter() - t0
                        print(f"    {stage:<18} {stages[stage]:8.1f} s", flush=True)
                # Polls 0.5% of the elapsed time apart (at least 0.5 s): the province's
                # summary costs PostgreSQL ~90 ms, and at 2 Hz the polls were ~8% of a 1 M
                # run's database CPU, a load no office puts on it.
                await asyncio.sleep(max(0.5, 0.005 * (time.perf_counter() - t0)))
        cpu = {name: cpu_seconds(p.pid) - cpu0[name] for name, p in procs.items()}
        if kafka:
            cpu["kafka"] = cpu_seconds(kafka) - kafka0
        busy = _machine_busy_seconds() - busy0
        cpu["postgres + other"] = busy - sum(cpu.values())
        rss = {name: _peak_rss_mb(p.pid) for name, p in procs.items()}
    finally:
        for p in spies:  # py-spy writes its file on SIGINT
            p.send_signal(signal.SIGINT)
            p.wait(60)
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            p.wait(60)
    print("    CPU seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items()) + f" (machine {busy:.0f})")
    print("    peak RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()), flush=True)
    for name, children in workers.items():
        print(
            f"    {name}'s child processes, peak RSS MB: " + ", ".join(f"{v:.0f}" for v in children.values())
        )
    copy_s, parse_copy_s = await bare_copy(base, path)
    return {
        "n": n,
        "import_s": stages["import"],
        "published_s": stages.get("on Kafka", float("nan")),
        "summary_s": stages["register summary"],
        "assessed_s": stages["assessment summary"],
        "copy_s": copy_s,
        "parse_copy_s": parse_copy_s,
    }


async def _polled(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], params: dict[str, str] | None = None
) -> httpx.Response:
    """A poll that a dropped keep-alive connection does not end: a 1 M run once lost its
    27 minutes to one ``ReadError`` on a status GET (the next request opens a new one)."""
    for attempt in range(5):
        try:
            return await client.get(url, headers=headers, params=params)
        except httpx.TransportError:
            if attempt == 4:
                raise
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


async def relayed(client: httpx.AsyncClient) -> float:
    """Events the registry's relay has published (its Prometheus counter)."""
    text = (await _polled(client, "http://127.0.0.1:8101/metrics", {})).text
    for line in text.splitlines():
        if line.startswith("faemban_relay_published_total{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def main(sizes: list[int], assessors: int, summary_process: bool) -> None:
    servers = BenchSettings()
    var = ROOT / ".cache" / "bench" / "var"
    results = []
    for n in sizes:
        summary = ", the summary projection in one more" if summary_process else ""
        print(f"P4 with {n:,} households, {assessors} assessment process(es){summary} ...", flush=True)
        results.append(await one_size(servers, n, var, assessors, summary_process))
    print(
        "\nP4 — TPMAP register import to both summaries, distributed stack "
        "(PostgreSQL 15 + Kafka 4.1.1 on loopback, 2 cores)\n"
    )
    header = (
        "households",
        "import",
        "rows/s",
        "on Kafka",
        "register",
        "assessment",
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
            f"{r['assessed_s']:.1f}s",
            f"{n / r['copy_s']:,.0f}",
            f"{r['copy_s'] / r['import_s']:.1%}",
            f"{n / r['parse_copy_s']:,.0f}",
            f"{r['parse_copy_s'] / r['import_s']:.1%}",
        )
        print(("{:>11} " * len(cells)).format(*cells))
    print(
        "\nimport = upload until the import is done; on Kafka = until the relay published every event;"
        "\nregister / assessment = until reporting's register summary / assessment's summary counts every"
        "\nhousehold (all from the upload)."
    )
    if len(results) > 1:
        print(
            f"growth: P4 time({results[-1]['n']:,}) / time({results[0]['n']:,}) = "
            f"{results[-1]['assessed_s'] / results[0]['assessed_s']:.1f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--assessment-processes", type=int, default=1)
    parser.add_argument(
        "--summary-process",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the assessment's summary projection in an assessment process of its own",
    )
    args = parser.parse_args()
    asyncio.run(main(args.sizes, args.assessment_processes, args.summary_process))
