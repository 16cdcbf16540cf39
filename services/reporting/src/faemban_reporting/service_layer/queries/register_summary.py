"""Register summary query: sums of the village totals by area prefix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas
from faemban_domain.indicators import DIMENSIONS
from faemban_domain.platform.area_query import within
from faemban_reporting.adapters.tables import register_village_totals
from faemban_reporting.domain.register_summary import MEASURES, add_up


def _shape(measures: dict[str, int]) -> dict[str, Any]:
    return {
        "target_households": measures["target_households"],
        "welfare_card_holders": measures["welfare_card_holders"],
        "members": measures["members"],
        "dimension_households": {d: measures[f"{d}_households"] for d in DIMENSIONS},
        "target_poor_persons": measures["target_poor_persons"],
    }


async def register_summary(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    cohort_year: int | None = None,
) -> dict[str, Any]:
    """``visible``: area prefixes the caller may see inside ``area`` (None: all of it)."""
    t = register_village_totals
    length = areas.LEVEL_LENGTH[level]
    key = sa.func.substr(t.c.area_code, 1, length).label("code")
    stmt = sa.select(key, *(sa.func.sum(t.c[m]).label(m) for m in MEASURES)).where(
        within(t.c.area_code, area, visible)
    )
    if cohort_year is not None:
        stmt = stmt.where(t.c.cohort_year == cohort_year)
    rows = (await conn.execute(stmt.group_by(key))).mappings().all()
    measured = [(r["code"], {m: int(r[m] or 0) for m in MEASURES}) for r in rows]
    measured.sort(key=lambda item: (-item[1]["target_households"], item[0]))
    out_rows = []
    for code, measures in measured:
        info = areas.area(code)
        out_rows.append(
            {"area_code": code, "area_name_th": info.name_th if info else code, **_shape(measures)}
        )
    return {
        "area": area,
        "level": level,
        "cohort_year": cohort_year,
        "rows": out_rows,
        "total": _shape(add_up(m for _, m in measured)),
    }
