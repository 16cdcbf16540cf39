"""The two whole-system stacks the end-to-end tests run against.

``distributed``: the five services as ``faemban serve`` processes on loopback, each with
its own PostgreSQL database, talking only through the real Kafka broker; the assessment's
summary projection runs in a second assessment process, as a national deployment runs it
(ADR 0029), so both processes start and migrate together.
``embedded``: one ``faemban run`` process (SQLite files + in-process log),
exactly what ``make run`` starts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from faemban_domain.platform.auth import ensure_dev_keypair, mint_token
from faemban_domain.platform.kafka_access import service_client_env
from faemban_domain.platform.wiring import kafka_client_options

SERVICES = ("registry", "assessment", "planning", "assistance-log", "reporting")
SPLIT = {"assessment-summary": ("assessment", "assessment.summary")}
"""Extra distributed units: unit → (its service, the consumers it runs); the service's own unit
runs the others."""
BIN = Path(sys.executable).parent / "faemban"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, log: Path, timeout: float) -> float:
    """Seconds until ``url`` answered 200 (a start deadline, not a speed claim)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready within {timeout:.0f}s; log:\n{log.read_text()[-4000:]}")


@dataclass
class Stack:
    kind: str
    var_dir: Path
    env: dict[str, str]
    ports: dict[str, int]
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started_in: float = 0.0
    unit_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per process: each distributed service is its own principal on the broker."""

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def token(
        self, roles: list[str], areas: list[str], sub: str = "e2e", scopes: list[str] | None = None
    ) -> str:
        private, _ = ensure_dev_keypair(self.var_dir)
        return mint_token(private, roles=roles, areas=areas, sub=sub, scopes=scopes or ())

    def auth(
        self, roles: list[str], areas: list[str], sub: str = "e2e", scopes: list[str] | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(roles, areas, sub, scopes)}"}

    def _units(self) -> dict[str, list[str]]:
        if self.kind == "embedded":
            return {"embedded": ["run", "--port", str(self.ports["registry"])]}
        units = {s: ["serve", s, "--port", str(self.ports[s])] for s in SERVICES}
        units.update({u: ["serve", s, "--port", str(self.ports[u])] for u, (s, _) in SPLIT.items()})
        return units

    def start(self, only: str | None = None) -> None:
        for unit, args in self._units().items():
            if only and unit not in (only, "embedded"):
                continue
            log = (self.logs / f"{unit}.log").open("ab")
            env = {**self.env, **self.unit_env.get(unit, {})}
            self.procs[unit] = subprocess.Popen([str(BIN), *args], env=env, stdout=log, stderr=log)
        units = [*SERVICES, *(SPLIT if self.kind == "distributed" else ())]
        waited = [
            wait_ready(f"{self.url(u)}/readyz", self.logs / f"{self._unit_of(u)}.log", self._deadline)
            for u in units
            if not only or only == u or self.kind == "embedded"
        ]
        self.started_in = max(waited)

    @property
    def _deadline(self) -> float:
        # `make run` must answer on all five services within 60 s.
        return 60 if self.kind == "embedded" else 90

    def _unit_of(self, service: str) -> str:
        return "embedded" if self.kind == "embedded" else service

    def stop(self, only: str | None = None) -> None:
        for unit, proc in list(self.procs.items()):
            if only and unit not in (only, "embedded"):
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            del self.procs[unit]

    def cli(self, *args: str) -> str:
        # `faemban rebuild SERVICE …` reads the log as that service
        env = {**self.env, **(self.unit_env.get(args[1], {}) if args[0] == "rebuild" else {})}
        done = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout


def _base_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_DATABASE_URL")
        and k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")
        and not k.startswith("KAFKA_SASL_")
    }
    env.update(
        FAEMBAN_VAR_DIR=str(var_dir),
        FAEMBAN_LOG_LEVEL="WARNING",
        # Survey year 2024 of the e2e suite: district on time, province late (configuration, not code).
        FAEMBAN_CAMPAIGN_CALENDAR=json.dumps(
            {"2024": {"verify_by": "2099-12-31", "district_by": "2099-12-31", "province_by": "2000-01-15"}}
        ),
        # A next survey year raising the income threshold to 40,000 baht (configuration, not code).
        FAEMBAN_RULE_SETS=json.dumps(
            {
                "rule_sets": [
                    {"effective_from_survey_year": 2030, "based_on": 2019, "income_threshold_baht": 40000}
                ]
            }
        ),
    )
    return env


@pytest.fixture(scope="session")
def embedded_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("embedded")
    port = free_port()
    stack = Stack("embedded", root / "var", _base_env(root / "var"), {s: port for s in SERVICES}, root)
    stack.start()
    sys.stderr.write(
        f"\n[e2e] embedded stack answered /readyz on all five services after {stack.started_in:.1f}s\n"
    )
    yield stack
    stack.stop()


@dataclass(frozen=True)
class ExportedSpan:
    """A span as a service process exported it over OTLP."""

    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    links: tuple[str, ...]


@dataclass
class Collector:
    """An OTLP/HTTP receiver in the test process: the distributed services export their
    traces here (ADR 0021), so a test can follow one trace across processes and Kafka."""

    url: str
    spans: list[ExportedSpan] = field(default_factory=list)

    def receive(self, body: bytes) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                self.spans.extend(
                    ExportedSpan(
                        attributes.get("service.name", ""),
                        s.name,
                        s.kind,
                        s.trace_id.hex(),
                        s.span_id.hex(),
                        s.parent_span_id.hex(),
                        tuple(link.span_id.hex() for link in s.links),
                    )
                    for s in scope.spans
                )


@pytest.fixture(scope="session")
def otlp_collector() -> Iterator[Collector]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    collector = Collector("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 — the standard library's name
            collector.receive(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    collector.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield collector
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def distributed_stack(
    tmp_path_factory: pytest.TempPathFactory,
    create_database: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
    kafka_secrets_dir: Path,
    otlp_collector: Collector,
) -> Iterator[Stack]:
    import asyncio

    root = tmp_path_factory.mktemp("distributed")
    env = _base_env(root / "var")
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap
    # every process traces to the test's collector, as it would to an OpenTelemetry collector
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp_collector.url

    async def databases() -> dict[str, str]:
        return {s: await create_database(s) for s in SERVICES}

    asyncio.run(_empty_faemban_topics(kafka_bootstrap))
    for service, url in asyncio.run(databases()).items():
        env[f"{service.upper().replace('-', '_')}_DATABASE_URL"] = url
    units = [*SERVICES, *SPLIT]
    stack = Stack("distributed", root / "var", env, {u: free_port() for u in units}, root)
    stack.unit_env = {s: service_client_env(s, kafka_secrets_dir) for s in SERVICES}
    for unit, (service, consumers) in SPLIT.items():
        stack.unit_env[unit] = {**stack.unit_env[service], "FAEMBAN_CONSUMERS": consumers}
        stack.unit_env[service] = {**stack.unit_env[service], "FAEMBAN_CONSUMERS_EXCEPT": consumers}
    stack.start()
    sys.stderr.write(f"\n[e2e] distributed stack ready after {stack.started_in:.1f}s\n")
    yield stack
    stack.stop()


async def _empty_faemban_topics(bootstrap: str) -> None:
    """The distributed stack starts from empty topics (fresh databases need a fresh log)."""
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith("faemban.")]
        if doomed:
            await admin.delete_topics(doomed)
        for _ in range(150):
            if not {t for t in await admin.list_topics() if t.startswith("faemban.")}:
                break
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


@pytest.fixture(params=["distributed", "embedded"])
def stack(request: pytest.FixtureRequest) -> Stack:
    return request.getfixturevalue(f"{request.param}_stack")  # type: ignore[no-any-return]
