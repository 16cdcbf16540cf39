"""Tracing's edges: what crosses Kafka, what is refused, and the OTLP exporter for real."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from faemban_domain import tracing
from faemban_domain.events.envelope import CloudEvent, headers_of
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.platform.telemetry import configure_tracing

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def envelope(**over: object) -> CloudEvent:
    fields: dict[str, object] = {"source": "faemban/test", "type": "t", "subject": "H1", "data": {}}
    return CloudEvent(**(fields | over))  # type: ignore[arg-type]


def test_the_traceparent_travels_in_the_envelope_and_as_kafka_headers() -> None:
    headers = dict(headers_of(envelope(traceparent=PARENT).model_dump(mode="json")))
    assert headers["ce_traceparent"] == headers["traceparent"] == PARENT.encode()
    assert "traceparent" not in dict(headers_of(envelope().model_dump(mode="json")))


@pytest.mark.parametrize("bad", ["", "00-xyz", "00-" + "g" * 32 + "-00f067aa0ba902b7-01", PARENT + "\n"])
def test_a_malformed_traceparent_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        envelope(traceparent=bad)
    assert tracing.valid_traceparent(bad) is None


def test_off_there_is_no_traceparent_and_no_span() -> None:
    assert not tracing.enabled()
    assert tracing.current_traceparent() is None
    with tracing.consuming("x", [PARENT]):
        assert tracing.current_traceparent() is None


def test_a_consumer_span_continues_the_event_trace_and_links_the_batch() -> None:
    tracing.use_provider(TracerProvider())
    try:
        other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        with tracing.consuming("batch", [PARENT, other, None, "garbage"]):
            current = tracing.current_traceparent()
        assert current is not None and current.split("-")[1] == PARENT.split("-")[1]
        assert current.split("-")[2] != PARENT.split("-")[2]  # a new span, child of the event's
    finally:
        tracing.use_provider(None)


@pytest.fixture
def collector() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 — the standard library's name
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()


def test_spans_go_to_the_configured_otlp_collector(
    collector: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    provider = configure_tracing(PlatformSettings(), "faemban-probe")
    assert provider is not None
    try:
        with tracing.tracer().start_as_current_span("probe"):
            pass
        provider.shutdown()  # flushes the batch
    finally:
        tracing.use_provider(None)
    request = ExportTraceServiceRequest.FromString(received[0])
    resource = request.resource_spans[0].resource
    assert {a.key: a.value.string_value for a in resource.attributes}["service.name"] == "faemban-probe"
    assert [s.name for s in request.resource_spans[0].scope_spans[0].spans] == ["probe"]


def test_without_a_collector_tracing_stays_off() -> None:
    assert configure_tracing(PlatformSettings(), "faemban-probe") is None
    assert not tracing.enabled()
