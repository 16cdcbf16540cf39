"""The register search for other government systems (DCI-style sync search; ADR 0022).

A partner system's service account searches the households of its granted areas by
area, failing indicator, verification category, status and assessment's critical flag,
a page at a time. Records carry what events carry (opaque ids, area codes, indicator and
assessment facts); the head's name, citizen id and house only with the
``registry.search.personal`` scope and a stated purpose, each household so read in the
access log (docs/domain.md, "Personal data").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faemban_domain.errors import FieldError, InvalidInput, NotPermitted
from faemban_domain.platform.auth import Principal
from faemban_registry.adapters import register_search
from faemban_registry.adapters.register_search import Criteria
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork

SEARCH = "registry.search"
PERSONAL = "registry.search.personal"


@dataclass(frozen=True)
class SearchRegister:
    criteria: Criteria
    page_size: int
    page_number: int
    personal: bool
    purpose: str | None


@dataclass(frozen=True)
class SearchPage:
    total_count: int
    records: list[dict[str, Any]]


def ensure_may_search(principal: Principal, personal: bool) -> None:
    """Partners by their granted scopes; an admin searches without personal fields."""
    if principal.is_admin and not personal:
        return
    wanted = PERSONAL if personal else SEARCH
    if "partner" not in principal.roles or wanted not in principal.scopes or SEARCH not in principal.scopes:
        raise NotPermitted(f"this search needs a partner account granted the scope {wanted!r}")


async def search_register(uow: RegistryUnitOfWork, principal: Principal, query: SearchRegister) -> SearchPage:
    ensure_may_search(principal, query.personal)
    principal.ensure_scope_query(query.criteria.area)
    if query.personal and not query.purpose:
        raise InvalidInput([FieldError("X-Purpose", "say why the records' personal fields are read")])
    offset = (query.page_number - 1) * query.page_size
    total, rows = await register_search.search(uow.conn, query.criteria, query.page_size, offset)
    records = [_record(r) for r in rows]
    if query.personal and records:
        ids = [r["household_id"] for r in records]
        heads = await register_search.heads(uow.conn, ids)
        for record in records:
            head = heads.get(record["household_id"])
            record["head"] = (
                {k: head[f"head_{k}"] for k in ("title", "first_name", "last_name", "citizen_id")}
                if head
                else None
            )
            record["address"] = (
                {"house_no": head["house_no"], "village_name": head["village_name"]} if head else None
            )
        await uow.access_log.record_many(principal, ids, "registry.search", query.purpose)
    return SearchPage(total, records)


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "household_id": row["household_id"],
        "area_code": row["area_code"],
        "cohort_year": row["cohort_year"],
        "source": row["source"],
        "status": row["status"],
        "verification_category": row["verification_category"],
        "household_type": row["household_type"],
        "failing_indicators": [c for c in (row["failing_indicators"] or "").split(",") if c],
        "critical": row["critical"],
    }
