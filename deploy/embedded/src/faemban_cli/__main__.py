"""``faemban``: run the system, mint development tokens, rebuild read models."""

from __future__ import annotations

import argparse
import asyncio
import json

from faemban_cli.settings import CliSettings
from faemban_domain.platform.auth import ROLES, ensure_dev_keypair, mint_token
from faemban_domain.platform.settings import PlatformSettings


def _run(args: argparse.Namespace) -> None:
    import uvicorn

    settings = PlatformSettings()
    mode = "Kafka " + settings.kafka_bootstrap_servers if settings.kafka_bootstrap_servers else "embedded"
    base = f"http://{args.host}:{args.port}"
    print(
        f"Faemban ({mode}) starting on {base}\n"
        f"  API docs     {base}/docs\n"
        f"  health       {base}/healthz   readiness {base}/readyz   metrics {base}/metrics\n"
        f"  data         {settings.var_dir.resolve()} (SQLite per service + bus.sqlite)\n"
        f"  get a token  .venv/bin/faemban token --role province_officer --area 34\n",
        flush=True,
    )
    if args.demo:
        import threading

        threading.Thread(target=_load_demo, args=(base, settings, args), daemon=True).start()
    uvicorn.run("faemban_cli.embedded:app", host=args.host, port=args.port, log_level="warning")


def _load_demo(base: str, settings: PlatformSettings, args: argparse.Namespace) -> None:
    """Once the server answers, import a generated register of the demo province."""
    import time

    import httpx

    from faemban_cli.client import import_register
    from faemban_cli.demo_data import generate, write_csv

    for _ in range(600):
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    path = settings.var_dir / f"demo-tpmap-{args.demo_province}-{args.demo_households}.csv"
    if not path.exists():
        write_csv(generate(args.demo_province, args.demo_households, seed=1), path)
    private_pem, _ = ensure_dev_keypair(settings.var_dir)
    token = mint_token(private_pem, roles=["admin"], areas=[], sub="demo-loader")
    status = import_register(base, token, path)
    print(
        f"Demo: {status['rows_accepted']:,} households of province {args.demo_province} "
        f"({status['rows_already_registered']:,} were already there).\n"
        f"  summary  {base}/v1/reports/register-summary?area={args.demo_province}&level=district\n"
        f"  token    .venv/bin/faemban token --role analyst --area {args.demo_province}",
        flush=True,
    )


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from faemban_cli.specs import BY_NAME, PORTS

    module = BY_NAME[args.service]
    pkg = module.migrations.parent.name
    port = args.port or PORTS[args.service]
    uvicorn.run(f"{pkg}.main:app", host=args.host, port=port, log_level="warning")


def _token(args: argparse.Namespace) -> None:
    settings = PlatformSettings()
    private_pem, _ = ensure_dev_keypair(settings.var_dir)
    areas = args.area or []
    token = mint_token(private_pem, roles=args.role, areas=areas, sub=args.sub, ttl_seconds=args.ttl)
    print(token)


def _rebuild(args: argparse.Namespace) -> None:
    from faemban_cli.specs import BY_NAME
    from faemban_domain.platform.service import ServiceRuntime
    from faemban_domain.platform.wiring import database_url, make_broker

    settings = PlatformSettings()
    spec = BY_NAME[args.service]

    async def go() -> None:
        broker = make_broker(settings)
        runtime = ServiceRuntime(spec, settings, database_url(settings, spec.name, embedded=False), broker)
        await runtime.migrate()
        try:
            report = await runtime.rebuild(args.projection)
        finally:
            await runtime.engine.dispose()
            await broker.close()
        print(
            json.dumps(
                {
                    "projection": report.projection,
                    "events": report.events,
                    "seconds": round(report.seconds, 3),
                    "tables": list(report.tables),
                }
            )
        )

    asyncio.run(go())


def _demo_data(args: argparse.Namespace) -> None:
    from pathlib import Path

    from faemban_cli.demo_data import generate, write_csv, write_xlsx

    out = Path(
        args.out or f"tpmap-{args.province}-{args.households}-{args.seed}.{'xlsx' if args.xlsx else 'csv'}"
    )
    rows = generate(args.province, args.households, args.seed, args.cohort_year)
    if args.xlsx:
        count = write_xlsx(rows, out, thai_headers=args.thai_headers)
    else:
        count = write_csv(rows, out, thai_headers=args.thai_headers, encoding=args.encoding)
    print(f"wrote {count} households to {out}")


def _import(args: argparse.Namespace) -> None:
    from pathlib import Path

    from faemban_cli.client import import_register

    token = args.token or CliSettings().token
    if not token:
        settings = PlatformSettings()
        private_pem, _ = ensure_dev_keypair(settings.var_dir)
        token = mint_token(private_pem, roles=["admin"], areas=[], sub="cli-import")
        print("(no --token/FAEMBAN_TOKEN: using a development admin token)", flush=True)
    status = import_register(args.url, token, Path(args.file), args.cohort_year, progress=True)
    print(
        json.dumps(
            {
                k: status[k]
                for k in (
                    "import_id",
                    "status",
                    "rows_total",
                    "rows_accepted",
                    "rows_rejected",
                    "rows_already_registered",
                )
            },
            ensure_ascii=False,
        )
    )
    if status["errors"]:
        for e in status["errors"][:50]:
            print(f"  row {e['row']}, {e['column']}: {e['message']}")
        if len(status["errors"]) > 50:
            print(f"  ... and {len(status['errors']) - 50} more")
    if status["status"] != "done":
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    cli = CliSettings()
    parser = argparse.ArgumentParser(prog="faemban", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "run", help="all five services in one process (embedded unless KAFKA_BOOTSTRAP_SERVERS is set)"
    )
    p.add_argument("--host", default=cli.host)
    p.add_argument("--port", type=int, default=cli.port)
    p.add_argument("--demo", action="store_true", help="load a generated TPMAP register once started")
    p.add_argument("--demo-province", default="34", help="default 34, Ubon Ratchathani (seed 001)")
    p.add_argument("--demo-households", type=int, default=15_689, help="default: Ubon's 2019 register size")
    p.set_defaults(func=_run)

    p = sub.add_parser("serve", help="one service as its own process")
    p.add_argument("service", choices=["registry", "assessment", "planning", "assistance-log", "reporting"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=_serve)

    p = sub.add_parser("token", help="mint a development JWT with the development key")
    p.add_argument("--role", action="append", required=True, choices=ROLES)
    p.add_argument("--area", action="append", help="area code in scope (repeatable)")
    p.add_argument("--sub", default=None)
    p.add_argument("--ttl", type=int, default=12 * 3600)
    p.set_defaults(func=_token)

    p = sub.add_parser(
        "rebuild", help="replay a read model from offset 0 into fresh tables (service stopped)"
    )
    p.add_argument("service")
    p.add_argument("projection")
    p.set_defaults(func=_rebuild)

    p = sub.add_parser("demo-data", help="write a deterministic TPMAP register of a real province")
    p.add_argument("--province", required=True, help="2-digit province code, e.g. 34 (Ubon Ratchathani)")
    p.add_argument("--households", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=None)
    p.add_argument("--xlsx", action="store_true")
    p.add_argument("--thai-headers", action="store_true", help="ศจพ.1 Thai headers instead of English names")
    p.add_argument("--encoding", default="utf-8", help="CSV encoding, e.g. cp874 (TIS-620)")
    p.add_argument("--cohort-year", type=int, default=2019)
    p.set_defaults(func=_demo_data)

    p = sub.add_parser("import", help="upload a TPMAP register and follow it to the end")
    p.add_argument("file")
    p.add_argument("--url", default=cli.url)
    p.add_argument("--token", default=None)
    p.add_argument("--cohort-year", default=None)
    p.set_defaults(func=_import)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
