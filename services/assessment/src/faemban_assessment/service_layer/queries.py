"""Area summary and priority list, read from the projected counters and current rows."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.adapters.tables import assessment_area_counts, assessment_current
from faemban_assessment.domain.measures import HOUSEHOLDS, area_measures
from faemban_domain import areas
from faemban_domain.platform.area_query import within


async def summary(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    k: Fraction | None,
) -> dict[str, Any]:
    t = assessment_area_counts
    key = sa.func.substr(t.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("k")
    rows = await conn.execute(
        sa.select(key, t.c.measure, sa.func.sum(t.c.n))
        .where(within(t.c.area_code, area, visible))
        .group_by(key, t.c.measure)
    )
    by_area: dict[str, dict[str, int]] = {}
    total: dict[str, int] = {}
    for code, measure, n in rows:
        n = int(n or 0)
        by_area.setdefault(code, {})[measure] = n
        total[measure] = total.get(measure, 0) + n
    out_rows = []
    for code, counters in by_area.items():
        if not counters.get(HOUSEHOLDS):
            continue
        info = areas.area(code)
        out_rows.append(
            {"area_code": code, "area_name_th": info.name_th if info else None, **area_measures(counters, k)}
        )
    out_rows.sort(key=lambda r: (-r["households"], r["area_code"]))
    return {"area": area, "level": level, "rows": out_rows, "total": area_measures(total, k)}


async def priority(
    conn: AsyncConnection,
    area: str,
    visible: Sequence[str] | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    t = assessment_current
    stmt = sa.select(t).where(within(t.c.area_code, area, visible))
    if cursor:
        stmt = stmt.where(t.c.priority_key > cursor)
    rows = (await conn.execute(stmt.order_by(t.c.priority_key).limit(limit + 1))).mappings().all()
    page = rows[:limit]
    return {
        "area": area,
        "households": [
            {
                "household_id": r["household_id"],
                "area_code": r["area_code"],
                "vulnerability_level": r["vulnerability_level"],
                "critical": r["critical"],
                "af_score": r["af_score"],
                "dependants": r["dependants"],
                "mpi_poor": r["mpi_poor"],
                "deprived_dimensions": r["deprived_dimensions"],
                "failing_indicators": r["failing_indicators"],
                "outcome": r["outcome"],
                "survey_year": r["survey_year"],
                "as_of": r["as_of"],
            }
            for r in page
        ],
        "next_cursor": page[-1]["priority_key"] if len(rows) > limit else None,
    }
