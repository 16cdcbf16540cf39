"""One trace from a field verification through registry → log → assessment → log → reporting.

In-process on the embedded stack (the five services, the in-process log), tracing into
an in-memory exporter: the request's server span is the root; the assessment's consumer
span is its child through the registry's event; a reporting consumer span is the child
of the assessment's span through the assessed event (ADR 0021).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
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

from .test_platform_e2e import TEAM, household
from .test_verification_e2e import form


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter, Path]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    try:
        app = create_app(list(ALL), settings=PlatformSettings(var_dir=tmp_path), embedded=True)
        async with app.router.lifespan_context(app):
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
        assert span.context is not None
        return [s for s in named(prefix) if s.parent is not None and s.parent.span_id == span.context.span_id]

    async def through_reporting() -> bool:
        return any(children_of(a, "reporting.") for a in children_of(server, "assessment.assess"))

    await eventually(
        through_reporting, timeout=60, what="a reporting span under the assessment's, under the request"
    )
    assess = children_of(server, "assessment.assess")
    assert len(assess) == 1 and assess[0].kind == SpanKind.CONSUMER
    # the assessed event reached reporting's projections and the assessment's own summary
    downstream = {s.name for s in children_of(assess[0], "")}
    assert {"reporting.kpis process", "assessment.summary process"} <= downstream, downstream
    # the registry's verified event went to reporting directly too (timeline, register)
    assert children_of(server, "reporting.timeline")
