"""The personal-data access log, for admins (docs/domain.md, "Personal data")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from faemban_domain.bounds import INT64_MAX, Instant
from faemban_domain.platform.auth import Principal, require_roles
from faemban_registry.entrypoints.dependencies import RegistryService
from faemban_registry.service_layer import access

router = APIRouter(prefix="/v1/access-log", tags=["personal data"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]


class AccessOut(BaseModel):
    access_id: int
    at: Instant
    subject: str
    roles: list[str]
    household_id: str
    what: str
    purpose: str | None
    request_id: str | None


class AccessPage(BaseModel):
    entries: list[AccessOut]
    next_after_id: int | None


@router.get("", response_model=AccessPage)
async def query_access_log(
    principal: Admin,
    registry: RegistryService,
    household_id: Annotated[str | None, Query(max_length=40)] = None,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
    after_id: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AccessPage:
    """Who read whose personal data, when and why; oldest first, paged by ``after_id``."""
    query = access.AccessQuery(household_id, subject, since, until, limit, after_id)
    rows = await registry.transactions.read(access.query_access_log, principal, query)
    entries = [AccessOut.model_validate(r) for r in rows]
    return AccessPage(entries=entries, next_after_id=entries[-1].access_id if len(entries) == limit else None)
