"""One trace from a request through every service it sets moving (OpenTelemetry; ADR 0021).

A request's server span (FastAPI instrumentation) is current while its handler records
events. The event store keeps the span's W3C ``traceparent`` in each event's metadata; the
envelope carries it as the CloudEvents distributed-tracing extension and the relay as a
Kafka header. A consumer continues the trace: its span's parent is the event's
``traceparent``, so what the consumer records carries on the same trace, through as many
services as the events travel. A batch handler's span takes its first event as parent and
links the others (OpenTelemetry's messaging conventions for batches).

Tracing is on when a tracer provider is in use (``use_provider``: the OTLP exporter the
platform configures, or a test's in-memory exporter); off, nothing here costs more than a
check of one global.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind, TracerProvider

TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
"""W3C Trace Context ``traceparent``: version, trace id, parent span id, flags."""
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)

_provider: TracerProvider | None = None


def use_provider(provider: TracerProvider | None) -> None:
    """Trace with ``provider`` from now on (None: tracing off)."""
    global _provider
    _provider = provider


def provider() -> TracerProvider | None:
    return _provider


def enabled() -> bool:
    return _provider is not None


def tracer() -> trace.Tracer:
    return (_provider or trace.get_tracer_provider()).get_tracer("faemban")


def current_traceparent() -> str | None:
    """The current span's ``traceparent`` (None when tracing is off or no span is current)."""
    if _provider is None:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def valid_traceparent(value: str | None) -> str | None:
    """A ``traceparent`` as received (a Kafka header, an envelope), or None when malformed."""
    return value if value is not None and _TRACEPARENT.fullmatch(value) else None


@contextmanager
def consuming(
    name: str, traceparents: Sequence[str | None], attributes: Mapping[str, str | int] | None = None
) -> Iterator[None]:
    """A consumer span over the handling of one event (or a batch) that continues its trace."""
    if _provider is None:
        yield
        return
    contexts = [propagate.extract({"traceparent": tp}) for tp in traceparents if valid_traceparent(tp)]
    links = [Link(trace.get_current_span(c).get_span_context()) for c in contexts[1:]]
    with tracer().start_as_current_span(
        name,
        context=contexts[0] if contexts else None,
        kind=SpanKind.CONSUMER,
        links=links,
        attributes=dict(attributes or {}),
    ):
        yield
