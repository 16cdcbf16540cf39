"""The registry's composition root: what lives as long as the service, built once at start.

Entry points reach it through ``components_of("registry", Registry)``; handlers receive
only the unit of work it makes (Cosmic Python's ``bootstrap``).
"""

from __future__ import annotations

from dataclasses import dataclass

from faemban_domain.platform.blobs import BlobStore, blob_store
from faemban_domain.platform.service import ServiceRuntime
from faemban_domain.platform.unit_of_work import Transactions
from faemban_registry.adapters import household_index
from faemban_registry.adapters.access_log import AccessLogWriter
from faemban_registry.service_layer.imports import ImportJobs
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork
from faemban_registry.settings import RegistrySettings


@dataclass(frozen=True)
class Registry:
    transactions: Transactions[RegistryUnitOfWork]
    imports: ImportJobs
    blobs: BlobStore
    map_min_households: int = 5


def transactions(runtime: ServiceRuntime, blobs: BlobStore) -> Transactions[RegistryUnitOfWork]:
    """Reads log personal-data access through one group-committing writer per process;
    a writing unit of work logs in its own transaction (a second writer there would wait
    for the lock its own transaction holds on SQLite)."""
    writer = AccessLogWriter(runtime.engine.begin)
    return Transactions(
        runtime.transaction,
        runtime.reading,
        lambda conn: RegistryUnitOfWork(conn, blobs),
        lambda conn: RegistryUnitOfWork(conn, blobs, writer),
    )


async def bootstrap(runtime: ServiceRuntime) -> Registry:
    settings = RegistrySettings()
    async with runtime.transaction() as conn:
        # a database from before the household index gets it built once from the event store
        if await household_index.is_stale(conn):
            await household_index.rebuild(conn)
    blobs = blob_store(
        settings.blob_store,
        runtime.settings.var_dir / "registry-blobs",
        settings.s3_endpoint_url,
        "FAEMBAN_REGISTRY_BLOB_STORE",
    )
    jobs = ImportJobs(
        runtime,
        runtime.settings.var_dir / "registry-imports",
        keep_uploads=settings.keep_uploads,
        validation_workers=settings.import_workers,
    )
    await jobs.resume_unfinished()
    return Registry(transactions(runtime, blobs), jobs, blobs, settings.map_min_households)
