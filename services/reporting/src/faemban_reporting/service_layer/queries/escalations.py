"""Escalation queues per area and case level (docs/interfaces.md, "Shape 8")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas
from faemban_domain.bounds import zoned
from faemban_domain.platform.area_query import within
from faemban_reporting.adapters.tables import escalation_cases

CASE_LEVELS = ("subdistrict", "district", "province", "national")
STATES = ("open", "accepted", "resolved", "returned")
LOCAL = ("subdistrict", "district")
"""Policy: solve at the district whenever possible; the share resolved here is the KPI."""


def _empty() -> dict[str, Any]:
    return {lvl: {**dict.fromkeys(STATES, 0), "oldest_open_days": None} for lvl in CASE_LEVELS}


def _summary(by_level: dict[str, Any]) -> dict[str, Any]:
    resolved = sum(by_level[lvl]["resolved"] for lvl in CASE_LEVELS)
    local = sum(by_level[lvl]["resolved"] for lvl in LOCAL)
    return {
        "cases": sum(by_level[lvl][s] for lvl in CASE_LEVELS for s in STATES),
        "resolved": resolved,
        "resolved_at_subdistrict_or_district": local,
        "share_resolved_locally": round(local / resolved, 4) if resolved else None,
    }


async def escalations(
    conn: AsyncConnection, area: str, level: areas.AreaLevel, visible: Sequence[str] | None, now: datetime
) -> dict[str, Any]:
    """Per sub-area and case level: how many cases are open, accepted, resolved, returned, and how
    long the oldest unresolved one has waited at its level (days)."""
    t = escalation_cases
    key = sa.func.substr(t.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("code")
    stmt = sa.select(
        key,
        t.c.level,
        t.c.state,
        sa.func.count().label("n"),
        sa.func.min(sa.case((t.c.state != "resolved", t.c.level_since), else_=None)).label("oldest"),
    ).where(within(t.c.area_code, area, visible))
    rows = (await conn.execute(stmt.group_by(key, t.c.level, t.c.state))).mappings().all()
    by_area: dict[str, dict[str, Any]] = {}
    total = _empty()
    for r in rows:
        for target in (by_area.setdefault(r["code"], _empty()), total):
            cell = target[r["level"]]
            cell[r["state"]] += int(r["n"])
            if r["oldest"] is not None:
                age = (now - zoned(r["oldest"])).days
                cell["oldest_open_days"] = max(cell["oldest_open_days"] or 0, age)
    return {
        "area": area,
        "level": level,
        "as_of": now,
        "rows": [
            {
                "area_code": code,
                "area_name_th": (info.name_th if (info := areas.area(code)) else code),
                "case_levels": m,
                **_summary(m),
            }
            for code, m in sorted(by_area.items())
        ],
        "total": {"case_levels": total, **_summary(total)},
    }
