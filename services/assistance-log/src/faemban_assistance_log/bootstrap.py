"""The logbook's composition root: its units of work and photo store, built once at start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from faemban_assistance_log.service_layer.unit_of_work import LogbookUnitOfWork
from faemban_assistance_log.settings import AssistanceLogSettings
from faemban_domain.platform.blobs import BlobStore, blob_store
from faemban_domain.platform.service import ServiceRuntime
from faemban_domain.platform.unit_of_work import Transactions


@dataclass(frozen=True)
class Logbook:
    transactions: Transactions[LogbookUnitOfWork]
    blobs: BlobStore


async def bootstrap(runtime: ServiceRuntime) -> Logbook:
    settings = AssistanceLogSettings()
    blobs = blob_store(
        settings.blob_store,
        runtime.settings.var_dir / "assistance-blobs",
        settings.s3_endpoint_url,
        "FAEMBAN_ASSISTANCE_LOG_BLOB_STORE",
    )
    build = partial(LogbookUnitOfWork, blobs=blobs)
    return Logbook(Transactions(runtime.transaction, runtime.reading, build), blobs)
