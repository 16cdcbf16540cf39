"""Planning's composition root: its units of work and configuration, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from faemban_domain.platform.service import ServiceRuntime
from faemban_domain.platform.unit_of_work import Transactions
from faemban_planning.service_layer.unit_of_work import PlanningUnitOfWork
from faemban_planning.settings import PlanningSettings


@dataclass(frozen=True)
class Planning:
    transactions: Transactions[PlanningUnitOfWork]
    settings: PlanningSettings


async def bootstrap(runtime: ServiceRuntime) -> Planning:
    return Planning(
        Transactions(runtime.transaction, runtime.reading, PlanningUnitOfWork), PlanningSettings()
    )
