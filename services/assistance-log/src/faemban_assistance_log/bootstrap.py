"""The logbook's composition root: its units of work, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from faemban_assistance_log.service_layer.unit_of_work import LogbookUnitOfWork
from faemban_domain.platform.service import ServiceRuntime
from faemban_domain.platform.unit_of_work import Transactions


@dataclass(frozen=True)
class Logbook:
    transactions: Transactions[LogbookUnitOfWork]


async def bootstrap(runtime: ServiceRuntime) -> Logbook:
    return Logbook(Transactions(runtime.transaction, runtime.reading, LogbookUnitOfWork))
