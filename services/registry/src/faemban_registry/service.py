"""Composition root of the registry service."""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import REGISTRY_TOPIC
from faemban_domain.platform.service import ServiceRuntime, ServiceSpec
from faemban_registry.adapters import household_index
from faemban_registry.adapters.blobs import blob_store
from faemban_registry.entrypoints.access_log_api import router as access_log_router
from faemban_registry.entrypoints.api import router
from faemban_registry.entrypoints.certification_api import router as certification_router
from faemban_registry.entrypoints.imports_api import router as imports_router
from faemban_registry.entrypoints.photos_api import router as photos_router
from faemban_registry.service_layer.imports import ImportJobs
from faemban_registry.settings import RegistrySettings


async def start_import_jobs(runtime: ServiceRuntime) -> None:
    jobs = ImportJobs(
        runtime,
        runtime.settings.var_dir / "registry-imports",
        keep_uploads=RegistrySettings().keep_uploads,
    )
    runtime.state["imports"] = jobs
    await jobs.resume_unfinished()


async def open_blob_store(runtime: ServiceRuntime) -> None:
    settings = RegistrySettings()
    runtime.state["blobs"] = blob_store(
        settings.blob_store, runtime.settings.var_dir, settings.s3_endpoint_url
    )


async def index_households(runtime: ServiceRuntime) -> None:
    """A database from before the household index gets it built once from the event store."""
    async with runtime.transaction() as conn:
        if await household_index.is_stale(conn):
            await household_index.rebuild(conn)


SPEC = ServiceSpec(
    name="registry",
    title="Faemban registry",
    description="**registry** — households, members, TPMAP import, verification, certification.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router, imports_router, certification_router, photos_router, access_log_router],
    publishes=REGISTRY_TOPIC,
    on_start=[open_blob_store, index_households, start_import_jobs],
)
