"""One trace from a field verification through registry → log → assessment → log → reporting.

In-process on the embedded stack (the five services, the in-process log), tracing into
an in-memory exporter: the request's server span is the root; the assessment's consumer
span is its child through the registry's event; a reporting consumer span is the child
of the assessment's span through the assessed event (ADR 0021). And on the distributed
stack — one process per service, the real broker — exported over OTLP to a collector in
the test process: the same chain across processes and Kafka records.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from faemban_cli.specs import ALL
from faemban_domain import tracing
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token
from faemban_domain.platform.service import create_app
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.testing import eventually

from .conftest import Collector, ExportedSpan, Stack
from .test_platform_e2e import TEAM, household
from .test_verification_e2e import form


@pytest.fixture
async def traced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter, Path]]:
    # the in-process log and SQLite under tmp_path, whatever `make test` exported: on the
    # shared Kafka these consumers would join the distributed stack's consumer groups
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "FAEMBAN_KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for spec in ALL:
        monkeypatch.delenv(f"{spec.name.upper().replace('-', '_')}_DATABASE_URL", raising=False)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    try:
        app = create_app(list(ALL), settings=PlatformSettings(var_dir=tmp_path), embedded=True)
        async with app.router.lifespan_context(app):
            assert {rt.broker.name for rt in app.state.runtimes.values()} == {"embedded"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://faemban", timeout=30
            ) as client:
                yield client, exporter, tmp_path
    finally:
        tracing.use_provider(None)


def by_trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [
        s for s in exporter.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id
    ]


def caused_by(span: ReadableSpan, spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    """Spans caused by ``span``'s events: its children, and batch spans that link it (a
    batch's span has its first event as parent and links the others: ADR 0021)."""
    assert span.context is not None
    me = span.context.span_id
    return [
        s
        for s in spans
        if (s.parent is not None and s.parent.span_id == me)
        or any(link.context.span_id == me for link in s.links)
    ]


async def test_a_verification_is_one_trace_across_three_services(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter, Path],
) -> None:
    client, exporter, var_dir = traced
    private, _ = ensure_dev_keypair(var_dir)
    headers = {"Authorization": f"Bearer {mint_token(private, roles=TEAM[0], areas=TEAM[1])}"}
    body = household(household_id=f"T-{uuid.uuid4().hex[:10]}", members=3)
    r = await client.post("/v1/households", json=body, headers=headers)
    assert r.status_code == 201, r.text
    hid = body["household_id"]
    # the registration's own trace first, to its end: otherwise its events and the
    # verification's may share a consumer batch, whose span has the first as parent
    registered = {s.name for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER}
    assert registered == {"POST /v1/households"}
    settled = {"registry.critical process", "assessment.summary process", "reporting.kpis process"}

    async def registration_done() -> bool:
        spans = exporter.get_finished_spans()
        assess = [s for s in spans if s.name == "assessment.assess process"]
        return any({c.name for c in caused_by(a, spans)} >= settled for a in assess)

    await eventually(registration_done, timeout=60, what="the registration's trace to reach every consumer")

    r = await client.post(f"/v1/households/{hid}/verification", json=form(), headers=headers)
    assert r.status_code == 200, r.text
    server = next(
        s
        for s in exporter.get_finished_spans()
        if s.kind == SpanKind.SERVER
        and s.attributes
        and "/verification" in str(s.attributes.get("http.route"))
    )
    assert server.context is not None and server.parent is None  # the request is the root
    trace_id = server.context.trace_id

    def named(prefix: str) -> list[ReadableSpan]:
        return [s for s in by_trace(exporter, trace_id) if s.name.startswith(prefix)]

    def children_of(span: ReadableSpan, prefix: str) -> list[ReadableSpan]:
        return caused_by(span, named(prefix))

    wanted = {"reporting.kpis process", "assessment.summary process"}

    async def through_reporting() -> bool:
        return any(
            {c.name for c in children_of(a, "")} >= wanted for a in children_of(server, "assessment.assess")
        )

    await eventually(
        through_reporting, timeout=60, what="reporting's and the summary's spans under the assessment's"
    )
    assess = children_of(server, "assessment.assess")
    assert len(assess) == 1 and assess[0].kind == SpanKind.CONSUMER
    # the assessed event reached reporting's projections and the assessment's own summary
    assert {"reporting.kpis process", "assessment.summary process"} <= {
        s.name for s in children_of(assess[0], "")
    }
    # the registry's verified event went to reporting directly too (timeline, register)
    assert children_of(server, "reporting.timeline")


CONSUMER, SERVER = 5, 2  # OTLP's SpanKind numbers


def caused(span: ExportedSpan, spans: Sequence[ExportedSpan]) -> list[ExportedSpan]:
    """Exported spans caused by ``span``'s events: children, or batch spans linking it."""
    return [s for s in spans if s.parent_span_id == span.span_id or span.span_id in s.links]


async def test_across_processes_the_trace_travels_through_kafka(
    distributed_stack: Stack, otlp_collector: Collector
) -> None:
    """The distributed stack: separate processes, the real broker, OTLP export. A caller's
    traceparent starts the verification's trace in the registry process; the assessment
    process's consumer span is its child through the Kafka record; reporting's spans are the
    assessment span's children through the assessed event."""
    stack, spans = distributed_stack, otlp_collector.spans
    headers = stack.auth(*TEAM)
    body = household(household_id=f"T-{uuid.uuid4().hex[:10]}", members=3)
    registered_trace = uuid.uuid4().hex
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(
            f"{stack.url('registry')}/v1/households",
            json=body,
            headers={**headers, "traceparent": f"00-{registered_trace}-{uuid.uuid4().hex[:16]}-01"},
        )
        assert r.status_code == 201, r.text

        def assessed_in(trace_id: str) -> list[ExportedSpan]:
            roots = [s for s in spans if s.trace_id == trace_id and s.kind == SERVER]
            return [c for root in roots for c in caused(root, spans) if c.name == "assessment.assess process"]

        async def registration_done() -> bool:
            return any(
                {c.service for c in caused(a, spans)} >= {"faemban-reporting", "faemban-assessment"}
                for a in assessed_in(registered_trace)
            )

        await eventually(registration_done, timeout=90, what="the registration's trace to reach reporting")

        trace_id = uuid.uuid4().hex
        caller = uuid.uuid4().hex[:16]
        r = await client.post(
            f"{stack.url('registry')}/v1/households/{body['household_id']}/verification",
            json=form(),
            headers={**headers, "traceparent": f"00-{trace_id}-{caller}-01"},
        )
        assert r.status_code == 200, r.text

    async def through_reporting() -> bool:
        return any(
            {c.service for c in caused(a, spans) if c.kind == CONSUMER} >= {"faemban-reporting"}
            for a in assessed_in(trace_id)
        )

    await eventually(through_reporting, timeout=90, what="the verification's trace to reach reporting")
    server = next(s for s in spans if s.trace_id == trace_id and s.kind == SERVER)
    assert server.service == "faemban-registry" and server.parent_span_id == caller  # the caller's trace
    (assess,) = assessed_in(trace_id)
    assert assess.service == "faemban-assessment" and assess.kind == CONSUMER
    assert assess.trace_id == trace_id and assess.parent_span_id == server.span_id
    downstream = caused(assess, spans)
    assert "reporting.kpis process" in {s.name for s in downstream if s.service == "faemban-reporting"}
    # the registry's verified event reached reporting directly too (timeline, register)
    assert any(s.service == "faemban-reporting" for s in caused(server, spans))
