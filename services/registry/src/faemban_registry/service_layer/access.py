"""Reading the personal-data access log (admins only, at the door)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faemban_domain.platform.auth import Principal
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork


@dataclass(frozen=True)
class AccessQuery:
    household_id: str | None
    subject: str | None
    since: datetime | None
    until: datetime | None
    limit: int
    after_id: int


async def query_access_log(
    uow: RegistryUnitOfWork, principal: Principal, query: AccessQuery
) -> list[dict[str, Any]]:
    return await uow.access_log.query(
        query.household_id, query.subject, query.since, query.until, query.limit, query.after_id
    )
