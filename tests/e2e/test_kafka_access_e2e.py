"""Who may read and write what on the real broker: each service's principal and a partner's.

The local broker runs a SASL listener with the standard authorizer (ADR 0023); the
distributed stack's services already run as their own principals, so every other e2e test
shows that the grants are enough. This suite shows that they are no more than that:

* the service × topic matrix, read and write, as the broker's authorizer answers each
  principal (Metadata with authorized operations) and by real attempts: every write that
  must fail is tried and refused; every read is tried;
* consumer groups: a service joins only groups under its own prefix;
* ``faemban partner add`` (the CLI): the partner reads ``faemban.assessment.v1``; it is refused
  on a dead-letter topic, on any write, on a topic it was not granted and on another
  partner's (or a service's) group; ``partner remove`` ends its access.
"""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from faemban_cli.demo_data import generate, write_csv
from faemban_cli.kafka_admin import librdkafka_config
from faemban_domain.events.contracts import TOPICS
from faemban_domain.eventsourcing.broker import KafkaBroker, KafkaCredentials
from faemban_domain.platform.wiring import kafka_credentials
from faemban_domain.testing import eventually

from .conftest import BIN, Stack
from .test_register_e2e import run_import

pytestmark = pytest.mark.integration

REGISTRY, ASSESSMENT, PLANNING, ASSISTANCE = TOPICS
DLQS = tuple(f"{t}.dlq" for t in TOPICS)

# The policy, written out: a service writes its own topic and the dead-letter topics of
# what it consumes, and reads what it consumes (docs/interfaces.md, "Kafka access").
CONSUMES = {
    "registry": {ASSESSMENT, PLANNING},
    "assessment": {REGISTRY, ASSESSMENT, PLANNING},
    "planning": {REGISTRY, ASSESSMENT, ASSISTANCE},
    "assistance-log": {REGISTRY, PLANNING},
    "reporting": {REGISTRY, ASSESSMENT, PLANNING, ASSISTANCE},
}
PUBLISHES = {
    "registry": REGISTRY,
    "assessment": ASSESSMENT,
    "planning": PLANNING,
    "assistance-log": ASSISTANCE,
    "reporting": None,
}


def may_write(service: str, topic: str) -> bool:
    return topic == PUBLISHES[service] or topic in {f"{t}.dlq" for t in CONSUMES[service]}


def may_read(service: str, topic: str) -> bool:
    return topic in CONSUMES[service]


@pytest.fixture(scope="module")
def admin(kafka_bootstrap: str) -> KafkaCredentials:
    credentials = kafka_credentials()
    if credentials is None:
        pytest.fail("KAFKA_SASL_USERNAME is not set: the local broker's administrator (infra.sh env)")
    # every topic of the matrix exists (the services create them as they start)
    asyncio.run(KafkaBroker(kafka_bootstrap, credentials=credentials).ensure_topics([*TOPICS, *DLQS]))
    return credentials


def service(name: str, secrets: Path) -> KafkaCredentials:
    principal = f"faemban-{name}"
    return KafkaCredentials(principal, (secrets / principal).read_text().strip())


def authorized(bootstrap: str, who: KafkaCredentials, topics: list[str]) -> dict[str, set[str]]:
    """The broker's own answer: the operations ``who`` may perform on each topic (none when it
    may not even describe it)."""
    from confluent_kafka import TopicCollection
    from confluent_kafka.admin import AdminClient

    client = AdminClient(librdkafka_config(bootstrap, who))
    futures = client.describe_topics(
        TopicCollection(topics), include_authorized_operations=True, request_timeout=20
    )
    out: dict[str, set[str]] = {}
    for topic, future in futures.items():
        try:
            out[topic] = {op.name.lower() for op in future.result().authorized_operations}
        except Exception as exc:
            assert "TOPIC_AUTHORIZATION_FAILED" in str(exc), exc
            out[topic] = set()
    return out


async def try_write(bootstrap: str, who: KafkaCredentials, topic: str, idempotent: bool = True) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=idempotent,
        request_timeout_ms=10000,
        **who.client_options(),
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"acl-probe")
    finally:
        await producer.stop()


async def try_read(bootstrap: str, who: KafkaCredentials, topic: str) -> int:
    """Read ``topic`` from the start without a group (commits nothing anywhere). aiokafka
    refuses at start when the topic may not be described, and on the fetch when it may be
    described but not read."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **who.client_options(),
    )
    try:
        await consumer.start()
        got = await consumer.getmany(timeout_ms=1500)
        got_more = await consumer.getmany(timeout_ms=500)
        return sum(len(v) for v in got.values()) + sum(len(v) for v in got_more.values())
    finally:
        await consumer.stop()


async def try_group(bootstrap: str, who: KafkaCredentials, group: str, topic: str) -> None:
    """Join ``group`` on ``topic`` (commits nothing)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **who.client_options(),
    )
    try:
        await consumer.start()
        await consumer.getmany(timeout_ms=3000)
        # a refused JoinGroup surfaces on the next call
        await consumer.getmany(timeout_ms=500)
    finally:
        await consumer.stop()


SERVICES = list(CONSUMES)
MATRIX_TOPICS = [*TOPICS, *DLQS]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_may_write_only_its_topic_and_its_dead_letters_and_read_what_it_consumes(
    name: str, admin: KafkaCredentials, kafka_bootstrap: str, kafka_secrets_dir: Path
) -> None:
    who = service(name, kafka_secrets_dir)
    answer = authorized(kafka_bootstrap, who, MATRIX_TOPICS)
    for topic in MATRIX_TOPICS:
        assert ("write" in answer[topic]) == may_write(name, topic), (name, topic, answer[topic])
        assert ("read" in answer[topic]) == may_read(name, topic), (name, topic, answer[topic])
        assert not answer[topic] & {"delete", "alter", "alter_configs", "all"}, (name, topic, answer[topic])

    async def attempts() -> None:
        for topic in MATRIX_TOPICS:
            if not may_write(name, topic):
                with pytest.raises(TopicAuthorizationFailedError):
                    await try_write(kafka_bootstrap, who, topic)
            if may_read(name, topic):
                assert await try_read(kafka_bootstrap, who, topic) >= 0
            else:
                with pytest.raises(TopicAuthorizationFailedError):
                    await try_read(kafka_bootstrap, who, topic)

    asyncio.run(attempts())


def test_a_service_joins_only_its_own_consumer_groups(
    admin: KafkaCredentials, kafka_bootstrap: str, kafka_secrets_dir: Path
) -> None:
    who = service("assessment", kafka_secrets_dir)

    async def attempts() -> None:
        await try_group(kafka_bootstrap, who, f"assessment.acl-probe-{uuid.uuid4().hex[:6]}", REGISTRY)
        for group in (
            "reporting.consumers",
            "planning.consumers",
            "partner-acme.g1",
            "assessmentx.consumers",
        ):
            with pytest.raises(GroupAuthorizationFailedError):
                await try_group(kafka_bootstrap, who, group, REGISTRY)

    asyncio.run(attempts())


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120)


def test_a_partner_reads_the_assessment_topic_and_nothing_else(
    admin: KafkaCredentials, kafka_bootstrap: str, tmp_path: Path
) -> None:
    name = f"acme-{uuid.uuid4().hex[:6]}"
    password_file = tmp_path / "partner.secret"
    done = _cli("partner", "add", name, "--topic", ASSESSMENT, "--password-file", str(password_file))
    assert done.returncode == 0, done.stderr
    issued: dict[str, Any] = json.loads(done.stdout)
    assert issued["username"] == f"partner-{name}"
    assert issued["group_prefix"] == f"partner-{name}."
    assert issued["topics"] == [ASSESSMENT]
    assert "password" not in issued  # written to the file only
    assert password_file.stat().st_mode & 0o077 == 0
    partner = KafkaCredentials(issued["username"], password_file.read_text().strip())

    answer = authorized(kafka_bootstrap, partner, MATRIX_TOPICS)
    assert answer[ASSESSMENT] == {"read", "describe"}
    assert all(answer[t] == set() for t in MATRIX_TOPICS if t != ASSESSMENT), answer

    async def attempts() -> None:
        assert await try_read(kafka_bootstrap, partner, ASSESSMENT) >= 0
        await try_group(kafka_bootstrap, partner, f"partner-{name}.dashboard", ASSESSMENT)
        for topic in (f"{ASSESSMENT}.dlq", f"{REGISTRY}.dlq", REGISTRY):
            with pytest.raises(TopicAuthorizationFailedError):
                await try_read(kafka_bootstrap, partner, topic)
        for topic in (ASSESSMENT, REGISTRY, f"{ASSESSMENT}.dlq"):
            with pytest.raises(TopicAuthorizationFailedError):
                await try_write(kafka_bootstrap, partner, topic, idempotent=False)
        # an idempotent producer is refused before any topic: it may write nowhere
        with pytest.raises(ClusterAuthorizationFailedError):
            await try_write(kafka_bootstrap, partner, ASSESSMENT)
        for group in ("partner-other.dashboard", "reporting.consumers", f"partner-{name}x.g"):
            with pytest.raises(GroupAuthorizationFailedError):
                await try_group(kafka_bootstrap, partner, group, ASSESSMENT)

    asyncio.run(attempts())

    listed = _cli("partner", "list")
    assert listed.returncode == 0 and f"partner-{name}" in listed.stdout, listed.stdout

    removed = _cli("partner", "remove", name)
    assert removed.returncode == 0, removed.stderr

    async def after_removal() -> None:
        with pytest.raises(KafkaError):  # the credentials are gone: authentication fails
            await try_read(kafka_bootstrap, partner, ASSESSMENT)

    asyncio.run(after_removal())


@pytest.mark.parametrize(
    "topics",
    [[f"{ASSESSMENT}.dlq"], ["__consumer_offsets"], [ASSESSMENT, "faemban.registry.v1.dlq"], []],
)
def test_partner_add_refuses_anything_but_public_topics(admin: KafkaCredentials, topics: list[str]) -> None:
    args = [a for t in topics for a in ("--topic", t)]
    done = _cli("partner", "add", f"nope-{uuid.uuid4().hex[:6]}", *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "password" not in done.stdout


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner-consumer" / "consumer.py"
SCHEMAS = Path(__file__).resolve().parents[2] / "libs" / "domain" / "src" / "faemban_domain" / "schemas"
PROVINCE = "62"  # Kamphaeng Phet: no other end-to-end test uses it


async def test_the_partner_example_reads_the_assessed_households_and_every_event_matches_its_schema(
    distributed_stack: Stack, admin: KafkaCredentials, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """examples/partner-consumer, run as a partner would: its own principal and group, the
    published schemas; a second run of the same group carries on where the first stopped."""
    stack = distributed_stack
    name = f"example-{uuid.uuid4().hex[:6]}"
    secret = tmp_path / "partner.secret"
    added = _cli("partner", "add", name, "--topic", ASSESSMENT, "--password-file", str(secret))
    assert added.returncode == 0, added.stderr

    register = tmp_path / "kamphaeng-phet.csv"
    write_csv(generate(PROVINCE, 12, seed=5), register)
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, register, [PROVINCE])
    assert status["status"] == "done", status
    households = {row["household_id"] for row in csv.DictReader(register.open(encoding="utf-8"))}

    env = {
        "PATH": "/usr/bin:/bin",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_SASL_USERNAME": f"partner-{name}",
        "KAFKA_SASL_PASSWORD_FILE": str(secret),
    }
    lines: list[dict[str, Any]] = []

    async def every_household_assessed() -> bool:
        done = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                str(EXAMPLE),
                "--topic",
                ASSESSMENT,
                "--schemas",
                str(SCHEMAS),
                "--idle-seconds",
                "3",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        lines.extend(json.loads(line) for line in done.stdout.splitlines())
        return {
            ln["subject"] for ln in lines if str(ln.get("areacode", "")).startswith(PROVINCE)
        } >= households

    await eventually(every_household_assessed, timeout=120, what="the partner read every assessed household")
    assert all(ln["valid"] for ln in lines), [ln for ln in lines if not ln["valid"]][:3]
    assert {ln["type"] for ln in lines} <= {
        "th.faemban.indicator.assessed.v1",
        "th.faemban.indicator.assessed.v2",
    }
    # the group's committed position: no event was read twice across the runs
    positions = [(ln["partition"], ln["offset"]) for ln in lines]
    assert len(positions) == len(set(positions))
