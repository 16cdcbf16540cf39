"""Where traces go: an OTLP/HTTP collector named by the settings (ADR 0021).

The SDK is set up here and handed to ``faemban_domain.tracing``, which the event store,
the consumers and the HTTP instrumentation use; nothing else touches OpenTelemetry's
globals, so a test can trace into its own in-memory exporter.
"""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from faemban_domain import tracing
from faemban_domain.platform.settings import PlatformSettings

NOT_TRACED = "/healthz,/readyz,/metrics"
"""Probes and scrapes: many a minute, nothing to follow."""


def configure_tracing(settings: PlatformSettings, service_name: str) -> TracerProvider | None:
    """The OTLP exporter when a collector is configured; the provider it made (to shut down)."""
    if not settings.otel_exporter_otlp_endpoint or tracing.provider() is not None:
        return None
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name or service_name})
    )
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    tracing.use_provider(provider)
    return provider


def instrument(app: FastAPI) -> None:
    """Server spans for requests (continuing a caller's ``traceparent``) when tracing is on."""
    provider = tracing.provider()
    if provider is not None:
        FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=NOT_TRACED)
