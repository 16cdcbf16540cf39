"""faemban: run the system, mint development tokens, make demo registers, import, rebuild, write reports."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from faemban_cli.settings import CliSettings
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.roles import ROLES

if TYPE_CHECKING:
    from faemban_cli.kafka_admin import KafkaAccessAdmin

# The auth and Kafka admin modules are imported where a command needs them: they pull in the
# web stack, JWT, cryptography and aiokafka (1.2 s), and every process started from this entry
# script pays its imports, a register import's validation workers included (ADR 0028).

EXAMPLES = {
    "run": "faemban run --demo",
    "serve": "faemban serve registry --port 8001",
    "token": "TOKEN=$(faemban token --role ops_team --area 340701)",
    "rebuild": "faemban rebuild reporting reporting.timeline",
    "demo-data": "faemban demo-data --province 34 --households 2000 --out ubon.csv",
    "import": "faemban import ubon.csv --url http://127.0.0.1:8000",
    "report": "faemban report monthly --area 34 --month 2021-03 --out report.xlsx",
    "kafka": "faemban kafka provision --secrets-dir var/kafka-secrets",
    "partner": "faemban partner add dole-ubon --topic faemban.assessment.v1",
}
"""One example per command: in ``faemban --help`` and in each command's own help."""

app = typer.Typer(
    name="faemban",
    help=__doc__,
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
    epilog="[bold]Examples[/bold]\n\n"
    + "\n\n".join(f"  {example}" for example in EXAMPLES.values())
    + "\n\nSettings come from the environment (README, 'Settings'); faemban COMMAND --help for each.",
)
console = Console(stderr=True)


def _example(command: str) -> str:
    return f"Example: [bold]{EXAMPLES[command]}[/bold]"


Role = Enum("Role", {r: r for r in ROLES}, type=str)  # type: ignore[misc]
Service = Enum(  # type: ignore[misc]
    "Service", {s: s for s in ("registry", "assessment", "planning", "assistance-log", "reporting")}, type=str
)
_cli = CliSettings()


@app.command(epilog=_example("run"))
def run(
    host: Annotated[str, typer.Option(help="address to listen on (FAEMBAN_HOST)")] = _cli.host,
    port: Annotated[int, typer.Option(help="port (FAEMBAN_PORT)")] = _cli.port,
    demo: Annotated[bool, typer.Option(help="load a generated TPMAP register once started")] = False,
    demo_province: Annotated[str, typer.Option(help="province of the demo register (34: Ubon)")] = "34",
    demo_households: Annotated[int, typer.Option(help="households in it (Ubon's 2019 register)")] = 15_689,
) -> None:
    """All five services in one process (embedded unless KAFKA_BOOTSTRAP_SERVERS is set).

    Embedded: a SQLite file per service and the in-process log under var/; with Kafka
    and <SERVICE>_DATABASE_URL set, the same five services on real infrastructure.
    """
    import uvicorn

    settings = PlatformSettings()
    mode = "Kafka " + settings.kafka_bootstrap_servers if settings.kafka_bootstrap_servers else "embedded"
    base = f"http://{host}:{port}"
    table = Table.grid(padding=(0, 2))
    table.add_row("API docs", f"{base}/docs")
    table.add_row("health", f"{base}/healthz   readiness {base}/readyz   metrics {base}/metrics")
    table.add_row("data", f"{settings.var_dir.resolve()} (SQLite per service + bus.sqlite)")
    table.add_row("get a token", ".venv/bin/faemban token --role province_officer --area 34")
    console.print(f"[bold]Faemban[/bold] ({mode}) starting on {base}")
    console.print(table)
    if demo:
        import threading

        threading.Thread(
            target=_load_demo, args=(base, settings, demo_province, demo_households), daemon=True
        ).start()
    uvicorn.run("faemban_cli.embedded:app", host=host, port=port, log_level="warning")


def _load_demo(base: str, settings: PlatformSettings, province: str, households: int) -> None:
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
    path = settings.var_dir / f"demo-tpmap-{province}-{households}.csv"
    if not path.exists():
        write_csv(generate(province, households, seed=1), path)
    from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

    private_pem, _ = ensure_dev_keypair(settings.var_dir)
    # the province's centre imports its register (admin configures, it does not do field work)
    token = mint_token(private_pem, roles=["province_officer"], areas=[province], sub="demo-loader")
    try:
        status = import_register(base, token, path)
    except SystemExit as refused:  # a daemon thread would end silently
        console.print(f"[red]Demo import stopped:[/red] {refused}")
        return
    console.print(
        f"Demo: {status['rows_accepted']:,} households of province {province} "
        f"({status['rows_already_registered']:,} were already there).\n"
        f"  summary  {base}/v1/reports/register-summary?area={province}&level=district\n"
        f"  token    .venv/bin/faemban token --role analyst --area {province}"
    )
    import csv

    from faemban_cli.demo_help import load_help_loop

    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    try:
        load_help_loop(base, private_pem, rows, say=console.print)
    except (RuntimeError, httpx.HTTPError) as exc:
        console.print(f"[red]Demo help loop stopped:[/red] {exc}")


@app.command(epilog=_example("serve"))
def serve(
    service: Annotated[Service, typer.Argument(help="the service to run")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="port (default: the service's own, 8001–8005)")] = None,
) -> None:
    """One service as its own process.

    Its database from <SERVICE>_DATABASE_URL or DATABASE_URL, Kafka from KAFKA_BOOTSTRAP_SERVERS.
    """
    import uvicorn

    from faemban_cli.specs import BY_NAME, PORTS

    name = str(service.value)
    package = BY_NAME[name].migrations.parent.name
    uvicorn.run(f"{package}.main:app", host=host, port=port or PORTS[name], log_level="warning")


@app.command(epilog=_example("token"))
def token(
    role: Annotated[list[Role], typer.Option(help="a role (repeatable)")],
    area: Annotated[list[str] | None, typer.Option(help="an area code in scope (repeatable)")] = None,
    sub: Annotated[str | None, typer.Option(help="the subject (default: a generated one)")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 12 * 3600,
    agency: Annotated[str | None, typer.Option(help="an agency user's agency code (e.g. moph)")] = None,
    scope: Annotated[
        list[str] | None, typer.Option(help="a partner's granted scope, e.g. registry.search (repeatable)")
    ] = None,
) -> None:
    """Mint a development JWT with the development key (var/dev-keys, made on first use)."""
    settings = PlatformSettings()
    from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

    private_pem, _ = ensure_dev_keypair(settings.var_dir)
    roles = [str(r.value) for r in role]
    print(
        mint_token(
            private_pem,
            roles=roles,
            areas=area or [],
            sub=sub,
            ttl_seconds=ttl,
            agency=agency,
            scopes=scope or [],
        )
    )


@app.command(epilog=_example("rebuild"))
def rebuild(
    service: Annotated[Service, typer.Argument(help="the service owning the read model")],
    projection: Annotated[str, typer.Argument(help="the projection (consumer) name")],
) -> None:
    """Replay a read model from offset 0 into fresh tables and swap them in (service stopped)."""
    from faemban_cli.specs import BY_NAME
    from faemban_domain.platform.service import ServiceRuntime
    from faemban_domain.platform.wiring import database_url, make_broker

    settings = PlatformSettings()
    spec = BY_NAME[str(service.value)]

    async def go() -> dict[str, Any]:
        broker = make_broker(settings)
        runtime = ServiceRuntime(spec, settings, database_url(settings, spec.name, embedded=False), broker)
        await runtime.migrate()
        try:
            report = await runtime.rebuild(projection)
        finally:
            await runtime.engine.dispose()
            await broker.close()
        return {
            "projection": report.projection,
            "events": report.events,
            "seconds": round(report.seconds, 3),
            "tables": list(report.tables),
        }

    try:
        result = asyncio.run(go())
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    print(json.dumps(result))


@app.command("demo-data", epilog=_example("demo-data"))
def demo_data(
    province: Annotated[str, typer.Option(help="2-digit province code, e.g. 34 (Ubon Ratchathani)")],
    households: Annotated[int, typer.Option(min=1, max=5_000_000, help="how many households")],
    seed: Annotated[int, typer.Option(help="the same seed writes the same file")] = 1,
    out: Annotated[Path | None, typer.Option(help="the file to write")] = None,
    xlsx: Annotated[bool, typer.Option(help="XLSX instead of CSV")] = False,
    thai_headers: Annotated[bool, typer.Option(help="ศจพ.1 Thai headers instead of English names")] = False,
    encoding: Annotated[str, typer.Option(help="CSV encoding, e.g. cp874 (TIS-620)")] = "utf-8",
    cohort_year: Annotated[int, typer.Option(help="TPMAP cohort year (CE)")] = 2019,
) -> None:
    """Write a deterministic TPMAP register over the province's real districts, subdistricts and villages."""
    from faemban_cli.demo_data import generate, write_csv, write_xlsx

    path = out or Path(f"tpmap-{province}-{households}-{seed}.{'xlsx' if xlsx else 'csv'}")
    rows = generate(province, households, seed, cohort_year)
    if xlsx:
        count = write_xlsx(rows, path, thai_headers=thai_headers)
    else:
        count = write_csv(rows, path, thai_headers=thai_headers, encoding=encoding)
    print(f"wrote {count} households to {path}")


@app.command("import", epilog=_example("import"))
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX register")],
    url: Annotated[str, typer.Option(help="the server (FAEMBAN_URL)")] = _cli.url,
    token: Annotated[str | None, typer.Option(help="bearer token (FAEMBAN_TOKEN)")] = None,
    cohort_year: Annotated[
        str | None, typer.Option(help="cohort year for rows without one (CE or BE)")
    ] = None,
) -> None:
    """Upload a TPMAP register and follow it to the end with a progress bar; list every bad row."""
    from faemban_cli.client import import_register

    bearer = token or CliSettings().token
    if not bearer:
        settings = PlatformSettings()
        from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

        private_pem, _ = ensure_dev_keypair(settings.var_dir)
        bearer = mint_token(private_pem, roles=["admin"], areas=[], sub="cli-import")
        console.print("(no --token/FAEMBAN_TOKEN: using a development admin token)")
    status = import_register(url, bearer, file, cohort_year, progress=True)
    keys = ("import_id", "status", "rows_total", "rows_accepted", "rows_rejected", "rows_already_registered")
    print(json.dumps({k: status[k] for k in keys}, ensure_ascii=False))
    if status["errors"]:
        table = Table(
            "row",
            "column",
            "problem",
            title=f"{status.get('errors_total', len(status['errors'])):,} problems",
        )
        for e in status["errors"][:50]:
            table.add_row(str(e["row"]), e["column"], e["message"])
        console.print(table)
        if len(status["errors"]) > 50:
            console.print(f"… and {len(status['errors']) - 50:,} more")
    if status["status"] != "done":
        raise typer.Exit(1)


report_app = typer.Typer(
    help="Write a report to a file (.json, .csv, .xlsx or .pdf), fetched from the server.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    epilog=_example("report"),
)
app.add_typer(report_app, name="report")


@report_app.command("monthly", epilog=_example("report"))
def report_monthly(
    area: Annotated[str, typer.Option(help="province, district or subdistrict code")],
    month: Annotated[str, typer.Option(help="YYYY-MM (CE)")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="the file; its suffix picks the format")],
    level: Annotated[
        str, typer.Option(help="the KPI section's rows: district, subdistrict or village")
    ] = "district",
    url: Annotated[str, typer.Option(help="the server (FAEMBAN_URL)")] = _cli.url,
    token: Annotated[str | None, typer.Option(help="bearer token (FAEMBAN_TOKEN)")] = None,
) -> None:
    """The monthly progress report the province sends on the 15th (verification, plans,
    assistance by agency and kind, cases per level, KPIs), as the server's reporting answers it."""
    from faemban_cli.client import fetch_report

    bearer = token or CliSettings().token
    if not bearer:
        settings = PlatformSettings()
        from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

        private_pem, _ = ensure_dev_keypair(settings.var_dir)
        bearer = mint_token(private_pem, roles=["province_officer"], areas=[area[:2]], sub="cli-report")
        console.print(
            f"(no --token/FAEMBAN_TOKEN: using a development province_officer token for {area[:2]})"
        )
    params = {"area": area, "month": month, "level": level}
    size = fetch_report(url, bearer, "/v1/reports/monthly", params, out)
    print(f"wrote {size:,} bytes to {out}")


@contextmanager
def _broker_admin() -> Iterator[KafkaAccessAdmin]:
    """The broker's admin client; its refusals end the command with their message (exit 1)."""
    from faemban_cli.kafka_admin import KafkaAccessAdmin, KafkaAdminError

    try:
        yield KafkaAccessAdmin.connect()
    except KafkaAdminError as exc:
        console.print(str(exc), style="red", markup=False)
        raise typer.Exit(1) from exc


kafka_app = typer.Typer(
    help="The broker's principals and ACLs (connects as the KAFKA_SASL_* administrator).",
    no_args_is_help=True,
    epilog=_example("kafka"),
)
app.add_typer(kafka_app, name="kafka")


@kafka_app.command("provision", epilog=_example("kafka"))
def kafka_provision(
    secrets_dir: Annotated[
        Path | None, typer.Option(help="where each principal's password is kept (default: VAR/kafka-secrets)")
    ] = None,
    script: Annotated[
        bool, typer.Option(help="print the same as a shell script over Kafka's tools (compose's kafka-setup)")
    ] = False,
) -> None:
    """Every service's SCRAM principal (faemban-<service>) and exactly its ACLs.

    Idempotent: a password already in the secrets folder is kept; ACLs the service no
    longer needs are revoked. Each service then runs with KAFKA_SASL_USERNAME=faemban-<service>
    and KAFKA_SASL_PASSWORD from <secrets-dir>/faemban-<service>.
    """
    from faemban_cli.kafka_admin import stored_password
    from faemban_cli.specs import ALL, service_grants_of
    from faemban_domain.platform.kafka_access import service_principal

    if script:
        from faemban_cli.kafka_admin import provisioning_script

        print(provisioning_script([(s.name, service_grants_of(s)) for s in ALL]), end="")
        return
    folder = secrets_dir or PlatformSettings().var_dir / "kafka-secrets"
    with _broker_admin() as admin:
        for spec in ALL:
            principal = service_principal(spec.name)
            admin.set_password(principal, stored_password(folder, principal))
            added, removed = admin.sync(f"User:{principal}", service_grants_of(spec))
            console.print(f"{principal}: {added} ACLs added, {removed} revoked")
    console.print(f"passwords in {folder}")


partner_app = typer.Typer(
    help="Partners reading public topics with their own principal (connects as the administrator).",
    no_args_is_help=True,
    epilog=_example("partner"),
)
app.add_typer(partner_app, name="partner")


@partner_app.command("add", epilog=_example("partner"))
def partner_add(
    name: Annotated[str, typer.Argument(help="the partner's short name (a-z, 0-9, -)")],
    topic: Annotated[list[str], typer.Option(help="a public topic it may read (repeatable)")],
    password_file: Annotated[
        Path | None, typer.Option(help="write the password here (0600) instead of printing it")
    ] = None,
) -> None:
    """A partner principal (partner-NAME) that may read the given public topics, in consumer
    groups named partner-NAME.*; never a dead-letter topic, never a write.

    Prints the client settings once (the password is not stored by Faemban). Running it again
    sets a new password and makes the grants exactly the given topics.
    """
    from faemban_cli.kafka_admin import new_password
    from faemban_domain.platform.kafka_access import (
        NotPublic,
        partner_grants,
        partner_group_prefix,
        partner_principal,
    )

    try:
        grants = partner_grants(name, topic)
    except (NotPublic, ValueError) as exc:
        console.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from exc
    principal = partner_principal(name)
    password = new_password()
    with _broker_admin() as admin:
        admin.set_password(principal, password)
        admin.sync(f"User:{principal}", grants)
    settings = PlatformSettings()
    answer: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
        "sasl_mechanism": "SCRAM-SHA-512",
        "username": principal,
        "group_prefix": partner_group_prefix(name),
        "topics": sorted(set(topic)),
    }
    if password_file is not None:
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n")
        answer["password_file"] = str(password_file)
    else:
        answer["password"] = password
    print(json.dumps(answer, indent=2))


@partner_app.command("remove")
def partner_remove(name: Annotated[str, typer.Argument(help="the partner's short name")]) -> None:
    """Revoke every ACL of partner-NAME and delete its credentials."""
    from faemban_domain.platform.kafka_access import partner_principal

    principal = partner_principal(name)
    with _broker_admin() as admin:
        _, removed = admin.sync(f"User:{principal}", [])
        admin.delete_user(principal)
    console.print(f"{principal}: {removed} ACLs revoked, credentials deleted")


@partner_app.command("list")
def partner_list() -> None:
    """Partners on the broker and what each may read."""
    with _broker_admin() as admin:
        grants = admin.acls()
    table = Table("principal", "topics", "groups")
    partners = sorted({g.principal for g in grants if g.principal.startswith("User:partner-")})
    for principal in partners:
        mine = [g for g in grants if g.principal == principal and g.operation == "read"]
        table.add_row(
            principal.removeprefix("User:"),
            ", ".join(sorted(g.name for g in mine if g.resource_type == "topic")),
            ", ".join(sorted(g.name + "*" for g in mine if g.resource_type == "group")),
        )
    Console().print(table)


def main(argv: list[str] | None = None) -> None:
    app(args=argv)


if __name__ == "__main__":
    main()
