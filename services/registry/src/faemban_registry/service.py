"""Composition root of the registry service."""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import REGISTRY_TOPIC
from faemban_domain.platform.service import ServiceRuntime, ServiceSpec
from faemban_registry.entrypoints.api import router
from faemban_registry.entrypoints.imports_api import router as imports_router
from faemban_registry.service_layer.imports import ImportJobs


async def start_import_jobs(runtime: ServiceRuntime) -> None:
    jobs = ImportJobs(runtime, runtime.settings.var_dir / "registry-imports")
    runtime.state["imports"] = jobs
    await jobs.resume_unfinished()


SPEC = ServiceSpec(
    name="registry",
    title="Faemban registry",
    description="**registry** — households, members, TPMAP import, verification, certification.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, imports_router],
    publishes=REGISTRY_TOPIC,
    on_start=[start_import_jobs],
)
