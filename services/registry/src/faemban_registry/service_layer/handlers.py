"""Registry use cases: plain async functions, dependencies as parameters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.events.contracts import FieldStatus
from faemban_domain.eventsourcing.aggregate import Repository
from faemban_domain.eventsourcing.store import ConcurrencyError
from faemban_domain.platform.auth import Principal
from faemban_registry.domain.household import FieldVerification, Household, Registration


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


async def _load_at(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    expected_version: int | None,
) -> Household:
    """Load for a change; a client that says which version it saw gets 409 if it moved on."""
    household = await load_household(conn, repo, principal, household_id)
    if expected_version is not None and expected_version != household.version:
        raise ConcurrencyError(household.stream_id, expected_version)
    return household


async def record_field_status(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    status: FieldStatus,
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    household.record_field_status(status)
    await repo.save(conn, household)
    return household


async def verify_household(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    verification: FieldVerification,
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    household.verify(verification, datetime.now(UTC).isoformat())
    await repo.save(conn, household)
    return household
