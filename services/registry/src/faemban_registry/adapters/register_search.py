"""The register search's SQL: the household index (with assessment's critical flag) by
criteria, a page at a time, and the head's personal fields of a page when granted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.sql import one_of
from faemban_registry.adapters.tables import household_critical, household_index, household_personal


@dataclass(frozen=True)
class Criteria:
    area: str
    failing_indicators: tuple[str, ...] = ()
    """Every one of these fails (now: verified, else TPMAP's)."""
    verification_categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    household_types: tuple[str, ...] = ()
    cohort_year: int | None = None
    source: str | None = None
    critical: bool | None = None


def _where(c: Criteria) -> list[Any]:
    t, k = household_index, household_critical
    where: list[Any] = [t.c.area_code.startswith(c.area, autoescape=True)]
    where += [t.c.failing_indicators.contains(f",{code},", autoescape=True) for code in c.failing_indicators]
    if c.verification_categories:
        where.append(t.c.verification_category.in_(c.verification_categories))
    if c.statuses:
        where.append(t.c.status.in_(c.statuses))
    if c.household_types:
        where.append(t.c.household_type.in_(c.household_types))
    if c.cohort_year is not None:
        where.append(t.c.cohort_year == c.cohort_year)
    if c.source is not None:
        where.append(t.c.source == c.source)
    if c.critical is True:
        where.append(k.c.critical.is_(True))
    elif c.critical is False:
        where.append(sa.or_(k.c.critical.is_(False), k.c.critical.is_(None)))
    return where


async def search(
    conn: AsyncConnection, criteria: Criteria, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """(how many match, the page's rows in household id order)."""
    t, k = household_index, household_critical
    joined = t.outerjoin(k, k.c.household_id == t.c.household_id)
    where = _where(criteria)
    total = await conn.scalar(sa.select(sa.func.count()).select_from(joined).where(*where))
    rows = await conn.execute(
        sa.select(
            t.c.household_id,
            t.c.area_code,
            t.c.cohort_year,
            t.c.source,
            t.c.status,
            t.c.verification_category,
            t.c.household_type,
            t.c.failing_indicators,
            k.c.critical,
        )
        .select_from(joined)
        .where(*where)
        .order_by(t.c.household_id)
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), [dict(r) for r in rows.mappings()]


async def heads(conn: AsyncConnection, household_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The head's name, citizen id and house of each household that has them on file."""
    p = household_personal
    rows = await conn.execute(
        sa.select(
            p.c.household_id,
            p.c.head_title,
            p.c.head_first_name,
            p.c.head_last_name,
            p.c.head_citizen_id,
            p.c.house_no,
            p.c.village_name,
        ).where(one_of(conn, p.c.household_id, list(household_ids)))
    )
    return {r["household_id"]: dict(r) for r in rows.mappings()}
