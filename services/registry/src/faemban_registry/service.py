"""The registry service: its routers, its topic, its composition root."""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import REGISTRY_TOPIC
from faemban_domain.platform.service import ServiceSpec
from faemban_registry.bootstrap import bootstrap
from faemban_registry.entrypoints import (
    access_log_api,
    certification_api,
    households_api,
    imports_api,
    members_api,
    photos_api,
)

SPEC = ServiceSpec(
    name="registry",
    title="Faemban registry",
    description="**registry** — households, members, TPMAP import, verification, certification.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[
        households_api.router,
        members_api.router,
        imports_api.router,
        certification_api.router,
        photos_api.router,
        access_log_api.router,
    ],
    publishes=REGISTRY_TOPIC,
    components=bootstrap,
)
