"""The assessment's composition root: its units of work, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from faemban_assessment.service_layer.unit_of_work import AssessmentUnitOfWork
from faemban_domain.platform.service import ServiceRuntime
from faemban_domain.platform.unit_of_work import Transactions


@dataclass(frozen=True)
class Assessment:
    transactions: Transactions[AssessmentUnitOfWork]


async def bootstrap(runtime: ServiceRuntime) -> Assessment:
    return Assessment(Transactions(runtime.transaction, runtime.reading, AssessmentUnitOfWork))
