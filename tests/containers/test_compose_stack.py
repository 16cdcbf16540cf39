"""The stack as ops run it: images built here, one container per service, the gateway.

What only containers show: the images start and find each other by name, the gateway
routes one /v1 surface, a killed container resumes its consumer exactly, and a service
reports unready while its database is away and recovers without a restart.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

from faemban_assessment.service import SPEC as ASSESSMENT
from faemban_cli.demo_data import generate, write_csv
from faemban_domain.eventsourcing.broker import KafkaCredentials
from faemban_domain.platform.kafka_access import consumer_group
from faemban_domain.testing import eventually

from .conftest import PORTS, ROOT, ComposeStack

OFFICER = ["province_officer"]
ANALYST = ["analyst"]


async def import_register(stack: ComposeStack, client: httpx.AsyncClient, path: Path, province: str) -> str:
    with path.open("rb") as fh:
        r = await client.post(
            f"{stack.url()}/v1/imports/tpmap-register",
            files={"file": (path.name, fh, "text/csv")},
            headers=stack.auth(OFFICER, [province]),
        )
    assert r.status_code == 202, r.text
    return str(r.json()["import_id"])


async def assessed(stack: ComposeStack, client: httpx.AsyncClient, province: str) -> httpx.Response:
    """The assessment summary of the province, through the gateway."""
    return await client.get(
        f"{stack.url()}/v1/assessments/summary",
        params={"area": province, "level": "district"},
        headers=stack.auth(ANALYST, [province]),
    )


async def counts(stack: ComposeStack, client: httpx.AsyncClient, province: str) -> tuple[int, int]:
    """(households in the register summary, households in the assessment summary)."""
    reg = await client.get(
        f"{stack.url()}/v1/reports/register-summary",
        params={"area": province},
        headers=stack.auth(ANALYST, [province]),
    )
    ass = await assessed(stack, client, province)
    assert reg.status_code == 200 and ass.status_code == 200, (reg.text, ass.text)
    return int(reg.json()["total"]["target_households"]), int(ass.json()["total"]["households"])


def register(tmp_path: Path, province: str, households: int) -> Path:
    path = tmp_path / f"tpmap-{province}.csv"
    assert write_csv(generate(province, households, seed=7), path) == households
    return path


SOURCES = {
    "registry": "services/registry/src/faemban_registry/service.py",
    "assessment": "services/assessment/src/faemban_assessment/service.py",
    "planning": "services/planning/src/faemban_planning/service.py",
    "assistance-log": "services/assistance-log/src/faemban_assistance_log/service.py",
    "reporting": "services/reporting/src/faemban_reporting/service.py",
}
DIGEST = (
    "import hashlib, importlib, sys; m = importlib.import_module(sys.argv[1]); "
    "print(hashlib.sha256(open(m.__file__, 'rb').read()).hexdigest())"
)


def test_the_containers_run_this_checkout(compose_stack: ComposeStack) -> None:
    """The images were rebuilt from the working tree, not taken stale from the layer cache:
    the installed modules are byte for byte the checkout's."""
    shared = ("faemban_domain.tracing", "libs/domain/src/faemban_domain/tracing.py")
    for service, path in SOURCES.items():
        module = path.split("/src/")[1].removesuffix(".py").replace("/", ".")
        for name, source in ((module, path), shared):
            container = compose_stack.container(service)
            inside = compose_stack.engine("exec", container, "python", "-c", DIGEST, name).stdout.strip()
            assert inside == hashlib.sha256((ROOT / source).read_bytes()).hexdigest(), (service, name)


async def test_an_import_through_the_gateway_reaches_both_summaries(
    compose_stack: ComposeStack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        r = await client.get(f"{compose_stack.url()}/healthz")
        assert r.status_code == 200
        await import_register(compose_stack, client, register(tmp_path, "57", 1_000), "57")
        got: list[tuple[int, int]] = []

        async def complete() -> bool:
            got[:] = [await counts(compose_stack, client, "57")]
            return got[0] == (1_000, 1_000)

        await eventually(complete, timeout=300, what="register and assessment summaries of 1,000 households")
        # each service answers on its own port too, and says which version it runs
        for service in ("registry", "assessment", "planning", "assistance-log", "reporting"):
            ready = await client.get(f"{compose_stack.url(service)}/readyz")
            assert ready.status_code == 200, (service, ready.text)


def test_the_assessment_summary_consumes_from_a_container_of_its_own(compose_stack: ComposeStack) -> None:
    """ADR 0029 in the stack: the summary projection reads in a consumer group of its own from
    the assessment-summary container, the assessing and the rest from the assessment container
    (after the import above, both groups have their member)."""
    consumers = [c.name for c in ASSESSMENT.consumers]
    expected = {
        consumer_group("assessment", ["assessment.summary"]): "assessment-summary",
        consumer_group("assessment", [n for n in consumers if n != "assessment.summary"]): "assessment",
    }
    kafka = compose_stack.container("kafka")
    for group, service in expected.items():
        address = compose_stack.engine(
            "inspect",
            "--format",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            compose_stack.container(service),
        ).stdout.strip()
        described = compose_stack.engine(
            "exec",
            kafka,
            "/opt/kafka/bin/kafka-consumer-groups.sh",
            "--bootstrap-server",
            "localhost:9092",
            "--command-config",
            "/etc/faemban/kafka-admin.properties",
            "--describe",
            "--members",
            "--group",
            group,
        ).stdout
        hosts = [line.split()[2] for line in described.splitlines() if line.startswith(f"{group} ")]
        assert hosts == [f"/{address}"], (group, service, described)


async def test_the_assessment_container_killed_mid_stream_resumes_exactly(
    compose_stack: ComposeStack, tmp_path: Path
) -> None:
    households = 10_000
    async with httpx.AsyncClient(timeout=60) as client:
        await import_register(compose_stack, client, register(tmp_path, "58", households), "58")

        seen: list[int] = []

        async def under_way() -> bool:
            seen[:] = [(await counts(compose_stack, client, "58"))[1]]
            return seen[0] > 0

        await eventually(under_way, timeout=300, what="the assessment under way")
        compose_stack.engine("kill", compose_stack.container("assessment"))
        # the kill landed mid-stream: part of the register assessed, the rest still to come
        assert 0 < seen[0] < households, seen
        compose_stack.engine("start", compose_stack.container("assessment"))

        async def complete() -> bool:
            r = await assessed(compose_stack, client, "58")  # 502/503/504 while it starts
            return r.status_code == 200 and int(r.json()["total"]["households"]) >= households

        await eventually(complete, timeout=300, what=f"the assessment summary at {households}")
        await asyncio.sleep(5)  # a redelivered batch would land by now
        assert (await counts(compose_stack, client, "58")) == (households, households)


async def test_readyz_is_503_while_postgresql_is_stopped_and_recovers(compose_stack: ComposeStack) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        url = f"{compose_stack.url('registry')}/readyz"
        assert (await client.get(url)).status_code == 200
        compose_stack.engine("stop", "-t", "10", compose_stack.container("postgres"))
        try:
            body: list[Any] = []

            async def unready() -> bool:
                r = await client.get(url)
                body[:] = [r.json()]
                return r.status_code == 503

            await eventually(unready, timeout=60, what="readyz 503 without PostgreSQL")
            assert body[0]["services"]["registry"]["database"].startswith("error")
            assert body[0]["services"]["registry"]["broker"] == "ok"
        finally:
            compose_stack.engine("start", compose_stack.container("postgres"))
        await eventually(lambda: ready(client, compose_stack, "registry"), timeout=120, what="registry ready")


async def test_a_service_started_while_its_database_is_away_waits_for_it(compose_stack: ComposeStack) -> None:
    """Not a crash loop: the service retries in the process it started with. (podman will
    not start a container whose compose dependency is stopped, so PostgreSQL is taken off
    the network instead: running, but neither resolvable nor reachable.)"""
    network = f"{compose_stack.project}_default"
    postgres = compose_stack.container("postgres")
    planning = compose_stack.container("planning")
    compose_stack.engine("network", "disconnect", network, postgres)
    try:
        compose_stack.engine("restart", "-t", "5", planning)
        started_at = compose_stack.engine("inspect", "--format", "{{.State.StartedAt}}", planning).stdout

        async def waiting() -> bool:
            logs = compose_stack.engine("logs", "--since", "5m", planning)
            return "service.waiting" in logs.stdout + logs.stderr

        await eventually(waiting, timeout=60, what="planning waiting for its database")
    finally:
        compose_stack.engine("network", "connect", "--alias", "postgres", network, postgres)
    async with httpx.AsyncClient(timeout=30) as client:
        await eventually(lambda: ready(client, compose_stack, "planning"), timeout=180, what="planning ready")
    assert compose_stack.engine("inspect", "--format", "{{.State.StartedAt}}", planning).stdout == started_at


async def ready(client: httpx.AsyncClient, stack: ComposeStack, service: str) -> bool:
    try:
        return (await client.get(f"{stack.url(service)}/readyz")).status_code == 200
    except httpx.TransportError:
        return False  # still starting: not listening yet


EXAMPLE = ROOT / "examples" / "partner-consumer" / "consumer.py"
SCHEMAS = ROOT / "libs" / "domain" / "src" / "faemban_domain" / "schemas"
BIN = Path(sys.executable).parent / "faemban"


async def test_a_partner_reads_the_stack_s_assessment_events_with_its_own_credentials(
    compose_stack: ComposeStack, tmp_path: Path
) -> None:
    """The compose Kafka authenticates and authorises (ADR 0023): a partner made with
    ``faemban partner add`` on the loopback port reads the assessment topic with the example
    consumer, every event matching its schema, and is refused a dead-letter topic; a client
    without credentials gets nothing."""
    admin = {**compose_stack.env, **compose_stack.kafka_admin_env()}
    secret = tmp_path / "partner.secret"
    added = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN),
            "partner",
            "add",
            "ctest",
            "--topic",
            "faemban.assessment.v1",
            "--password-file",
            str(secret),
        ],
        env=admin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    bootstrap = admin["KAFKA_BOOTSTRAP_SERVERS"]
    partner = KafkaCredentials("partner-ctest", secret.read_text().strip())

    path = register(tmp_path, "63", 40)
    households = {row["household_id"] for row in csv.DictReader(path.open(encoding="utf-8"))}
    async with httpx.AsyncClient(timeout=60) as client:
        # the tests before this one stop and restart PostgreSQL and services
        for service in [s for s in PORTS if s != "gateway"]:
            await eventually(
                lambda s=service: ready(client, compose_stack, s), timeout=240, what=f"{service} ready"
            )
        await import_register(compose_stack, client, path, "63")

        async def assessed_all() -> bool:
            return await counts(compose_stack, client, "63") == (40, 40)

        await eventually(assessed_all, timeout=240, what="the 40 households of province 63 assessed")

    seen: set[str] = set()
    env = {
        "PATH": "/usr/bin:/bin",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_SASL_USERNAME": partner.username,
        "KAFKA_SASL_PASSWORD_FILE": str(secret),
    }

    async def read_them_all() -> bool:
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(EXAMPLE), "--topic", "faemban.assessment.v1", "--schemas", str(SCHEMAS)]
            + ["--group", "partner-ctest.dashboard", "--idle-seconds", "3"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]  # 1: an event off-schema
        seen.update(json.loads(line)["subject"] for line in done.stdout.splitlines())
        return seen >= households

    await eventually(read_them_all, timeout=240, what="the partner read the 40 assessed households")

    async def refused() -> None:
        reader = AIOKafkaConsumer(
            "faemban.registry.v1.dlq", bootstrap_servers=bootstrap, group_id=None, **partner.client_options()
        )
        with pytest.raises(TopicAuthorizationFailedError):
            try:
                await reader.start()
            finally:
                await reader.stop()
        anonymous = AIOKafkaConsumer(
            "faemban.assessment.v1", bootstrap_servers=bootstrap, group_id=None, request_timeout_ms=5000
        )
        with pytest.raises(KafkaError):
            try:
                await anonymous.start()
            finally:
                await anonymous.stop()

    await refused()
