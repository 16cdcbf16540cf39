"""Composition root of the registry service."""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import REGISTRY_TOPIC
from faemban_domain.platform.service import ServiceSpec
from faemban_registry.entrypoints.api import router

SPEC = ServiceSpec(
    name="registry",
    title="Faemban registry",
    description="**registry** — households, members, TPMAP import, verification, certification.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router],
    publishes=REGISTRY_TOPIC,
)
