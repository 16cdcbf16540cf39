"""Registry use cases: plain async functions, dependencies as parameters."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.events.contracts import FieldStatus
from faemban_domain.eventsourcing.aggregate import Repository
from faemban_domain.platform.auth import Principal
from faemban_registry.domain.household import Household, Registration


async def register_household(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    registration: Registration,
    household_id: str | None = None,
) -> Household:
    principal.ensure_area(registration.area_code)
    hid = household_id or f"HH-{uuid.uuid4().hex[:16].upper()}"
    if household_id and await repo.get(conn, hid) is not None:
        raise InvalidInput([FieldError("household_id", f"household {hid} is already registered")])
    household = Household.register(hid, registration)
    await repo.save(conn, household)
    return household


async def load_household(
    conn: AsyncConnection, repo: Repository[Household], principal: Principal, household_id: str
) -> Household:
    household = await repo.get(conn, household_id)
    if household is None:
        raise NotFound(f"household {household_id} is not registered")
    principal.ensure_area(household.area_code)
    return household


async def record_field_status(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    status: FieldStatus,
    expected_version: int | None = None,
) -> Household:
    household = await load_household(conn, repo, principal, household_id)
    if expected_version is not None and expected_version != household.version:
        from faemban_domain.eventsourcing.store import ConcurrencyError

        raise ConcurrencyError(household.stream_id, expected_version)
    household.record_field_status(status)
    await repo.save(conn, household)
    return household
