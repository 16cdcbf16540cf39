"""The MPI drill-down (docs/domain.md, "KPIs"; docs/interfaces.md, "Shape 8"): per area, the
households and persons failing each indicator and dimension, MPI poor, critical, H, A, M0.

It reads each household's current assessment (or the one valid at ``as_of``) by the area that
assessment names — as assessment's own summary does, so the two agree on the same data — and
counts persons from the household's members.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas, indicators
from faemban_domain.alkire_foster import alkire_foster, exact_score
from faemban_domain.platform.area_query import within
from faemban_reporting.adapters.tables import kpi_assessments, kpi_failing, kpi_households
from faemban_reporting.service_layer.queries.kpis import valid_at

s, f, h = kpi_assessments, kpi_failing, kpi_households


def _current(as_of: datetime | None) -> sa.ColumnElement[bool]:
    return s.c.valid_to.is_(None) if as_of is None else valid_at(s, as_of.astimezone(UTC))


def _pair(households: int, persons: int) -> dict[str, int]:
    return {"households": households, "persons": persons}


async def mpi(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    k: Fraction | None,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    key = sa.func.substr(s.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("code")
    persons = sa.func.coalesce(h.c.members, 0)
    joined = s.outerjoin(h, h.c.household_id == s.c.household_id)
    where = sa.and_(within(s.c.area_code, area, visible), _current(as_of))
    flags = ("mpi_poor", "critical", *indicators.DIMENSIONS)

    def both(flag: str) -> list[sa.ColumnElement[Any]]:
        return [
            sa.func.coalesce(sa.func.sum(sa.case((s.c[flag], 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((s.c[flag], persons), else_=0)), 0),
        ]

    columns: list[sa.ColumnElement[Any]] = [sa.func.count(), sa.func.coalesce(sa.func.sum(persons), 0)]
    for flag in flags:
        columns += both(flag)
    base: dict[str, list[int]] = {
        row[0]: [int(v) for v in row[1:]]
        for row in await conn.execute(sa.select(key, *columns).select_from(joined).where(where).group_by(key))
    }

    failing: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    rows = await conn.execute(
        sa.select(key, f.c.indicator, sa.func.count(), sa.func.coalesce(sa.func.sum(persons), 0))
        .select_from(
            joined.join(f, sa.and_(f.c.household_id == s.c.household_id, f.c.sequence == s.c.sequence))
        )
        .where(where)
        .group_by(key, f.c.indicator)
    )
    for code, indicator, n, p in rows:
        failing[code][indicator] = (int(n), int(p))

    scores: dict[str, dict[Fraction, int]] = defaultdict(lambda: defaultdict(int))
    rows = await conn.execute(
        sa.select(key, s.c.af_score, sa.func.count()).where(where).group_by(key, s.c.af_score)
    )
    for code, score, n in rows:
        scores[code][exact_score(score)] += int(n)

    codes_order = [i.code for i in indicators.latest_rule_set().indicators]
    seen = {ind for per in failing.values() for ind in per}
    codes_order += sorted(seen - set(codes_order))

    def measures(
        counts: Sequence[int], fails: dict[str, tuple[int, int]], sc: dict[Fraction, int]
    ) -> dict[str, Any]:
        by_flag = {flag: _pair(counts[2 + 2 * i], counts[3 + 2 * i]) for i, flag in enumerate(flags)}
        return {
            **_pair(counts[0], counts[1]),
            "mpi_poor": by_flag["mpi_poor"],
            "critical": by_flag["critical"],
            "dimensions": {d: by_flag[d] for d in indicators.DIMENSIONS},
            "indicators": {c: _pair(*fails.get(c, (0, 0))) for c in codes_order},
            "alkire_foster": alkire_foster(sc, counts[0], k).as_dict(),
        }

    out_rows = []
    total_counts = [0] * (2 + 2 * len(flags))
    total_fails: dict[str, tuple[int, int]] = {}
    total_scores: dict[Fraction, int] = defaultdict(int)
    for code in sorted(base, key=lambda c: (-base[c][0], c)):
        info = areas.area(code)
        out_rows.append(
            {
                "area_code": code,
                "area_name_th": info.name_th if info else code,
                **measures(base[code], failing[code], scores[code]),
            }
        )
        total_counts = [a + b for a, b in zip(total_counts, base[code], strict=True)]
        for ind, (n, p) in failing[code].items():
            n0, p0 = total_fails.get(ind, (0, 0))
            total_fails[ind] = (n0 + n, p0 + p)
        for score, n in scores[code].items():
            total_scores[score] += n
    return {
        "area": area,
        "level": level,
        "as_of": as_of,
        "rows": out_rows,
        "total": measures(total_counts, total_fails, total_scores),
    }
