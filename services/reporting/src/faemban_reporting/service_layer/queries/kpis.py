"""KPIs per area at a moment (docs/interfaces.md, "Shape 8"; docs/domain.md, "KPIs").

Every count is a sum of the KPI counters (``adapters.kpi_counters``): now from the running
totals, a past day from the daily counters, a moment inside a day with that day's memberships
added exactly — the same read model for today and any past moment, in time proportional to
villages × measures, not households. A household's facts count in the area where it lives now.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas, campaign
from faemban_domain.platform.area_query import within
from faemban_reporting.adapters.tables import (
    kpi_assistance,
    kpi_counts,
    kpi_memberships,
    kpi_totals,
    kpi_verifications,
)
from faemban_reporting.domain.kpi_memberships import (
    ASSISTED,
    CERTIFIED,
    DEVELOP,
    INCOME_ROSE,
    LEAD_THRICE,
    PLANNED,
    REGISTERED,
    RESOLVED,
    TEAM,
    VERIFIED,
    outcome,
    resolved_at,
    verified_in,
)
from faemban_reporting.domain.kpi_memberships import level as vulnerability
from faemban_reporting.domain.kpis import LEVELS, OUTCOMES, RATIOS, TeamLoad, ratio

LOCAL_LEVELS = ("subdistrict", "district")


def valid_at(table: sa.Table, at: datetime) -> sa.ColumnElement[bool]:
    """The version of a state that held at ``at``."""
    return sa.and_(table.c.valid_from <= at, sa.or_(table.c.valid_to.is_(None), table.c.valid_to > at))


def standing_at(at: datetime) -> sa.ColumnElement[bool]:
    """A logbook entry recorded by ``at`` and not voided by then."""
    a = kpi_assistance
    return sa.and_(a.c.logged_at <= at, sa.or_(a.c.voided_at.is_(None), a.c.voided_at > at))


def deadline_end(survey_year: int) -> datetime:
    """The end of the survey year's verification day (a Thai calendar day)."""
    return campaign.day_start(campaign.calendar(survey_year).verify_by + timedelta(days=1))


async def latest_survey_year(conn: AsyncConnection, as_of: datetime) -> int:
    """The campaign a KPI report means by default: the latest survey year verified by ``as_of``
    (the Thai calendar year of ``as_of`` before any verification)."""
    v = kpi_verifications
    year = (
        await conn.execute(
            sa.select(sa.func.max(v.c.survey_year)).where(v.c.valid_from <= as_of.astimezone(UTC))
        )
    ).scalar()
    return int(year) if year is not None else campaign.thai_day(as_of).year


def _ends_a_day(moment: datetime) -> bool:
    """Is ``moment`` the last instant of a Thai calendar day (as a date "as of" means)?"""
    return campaign.thai_day(moment + timedelta(microseconds=1)) != campaign.thai_day(moment)


async def measures_at(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    moment: datetime | None,
    measures: Sequence[str] | None = None,
) -> dict[str, Counter[str]]:
    """Per sub-area, how many memberships of each measure held at ``moment`` (None: now).

    Now is the running totals; the end of a Thai day is the daily counters up to that day; any
    other moment adds the memberships that began or ended earlier that same day.
    """
    out: dict[str, Counter[str]] = defaultdict(Counter)
    length = areas.LEVEL_LENGTH[level]

    def pick(table: sa.Table) -> sa.ColumnElement[bool]:
        cond = within(table.c.area_code, area, visible)
        return cond if measures is None else sa.and_(cond, table.c.measure.in_(measures))

    if moment is None:
        t = kpi_totals
        key = sa.func.substr(t.c.area_code, 1, length).label("code")
        rows = await conn.execute(
            sa.select(key, t.c.measure, sa.func.sum(t.c.n)).where(pick(t)).group_by(key, t.c.measure)
        )
        for code, measure, n in rows:
            out[code][measure] += int(n or 0)
        return out
    moment = moment.astimezone(UTC)
    day = campaign.thai_day(moment)
    whole_day = _ends_a_day(moment)
    c = kpi_counts
    key = sa.func.substr(c.c.area_code, 1, length).label("code")
    rows = await conn.execute(
        sa.select(key, c.c.measure, sa.func.sum(c.c.n))
        .where(pick(c), c.c.day <= day if whole_day else c.c.day < day)
        .group_by(key, c.c.measure)
    )
    for code, measure, n in rows:
        out[code][measure] += int(n or 0)
    if not whole_day:
        m = kpi_memberships
        key = sa.func.substr(m.c.area_code, 1, length).label("code")
        since = campaign.day_start(day)
        for column, sign in ((m.c.valid_from, 1), (m.c.valid_to, -1)):
            rows = await conn.execute(
                sa.select(key, m.c.measure, sa.func.count())
                .where(pick(m), column >= since, column <= moment)
                .group_by(key, m.c.measure)
            )
            for code, measure, n in rows:
                out[code][measure] += sign * int(n)
    return out


async def kpis(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    survey_year: int,
    as_of: datetime | None,
    targets: Mapping[str, float | None],
    team_max: int,
) -> dict[str, Any]:
    """The KPIs per sub-area and in total at ``as_of`` (None: now), from the counters."""
    now = await measures_at(conn, area, level, visible, as_of)
    deadline = deadline_end(survey_year)
    on_time = verified_in(survey_year)
    if as_of is None or as_of.astimezone(UTC) >= deadline:
        by_deadline = await measures_at(
            conn, area, level, visible, deadline - timedelta(microseconds=1), [on_time]
        )
    else:
        by_deadline = now

    def measures(counts: Counter[str], on_time_count: int) -> dict[str, Any]:
        resolved = sum(n for m, n in counts.items() if m.startswith(RESOLVED))
        local = sum(counts[resolved_at(lvl)] for lvl in LOCAL_LEVELS)
        shares = {
            "verified_by_deadline": (on_time_count, counts[REGISTERED]),
            "assisted": (counts[ASSISTED], counts[VERIFIED]),
            "lead_agency_thrice": (counts[LEAD_THRICE], counts[VERIFIED]),
            "income_rose_and_passes": (counts[INCOME_ROSE], counts[DEVELOP]),
            "plan_coverage": (counts[PLANNED], counts[CERTIFIED]),
            "cases_resolved_locally": (local, resolved),
        }
        teams = [n for m, n in counts.items() if m.startswith(TEAM)]
        return {
            "households": counts[REGISTERED],
            **{name: ratio(*shares[name], targets.get(name)) for name in RATIOS},
            "mentor_team_load": asdict(TeamLoad.of(teams, team_max)),
            "outcomes": {o: counts[outcome(o)] for o in OUTCOMES},
            "vulnerability_levels": {lv: counts[vulnerability(int(lv))] for lv in LEVELS},
        }

    out_rows = []
    total: Counter[str] = Counter()
    total_on_time = 0
    for code in sorted(now):
        counts = now[code]
        if not any(counts.values()):
            continue
        info = areas.area(code)
        on_time_count = by_deadline.get(code, Counter())[on_time]
        out_rows.append(
            {
                "area_code": code,
                "area_name_th": info.name_th if info else code,
                **measures(counts, on_time_count),
            }
        )
        total.update(counts)
        total_on_time += on_time_count
    return {
        "area": area,
        "level": level,
        "survey_year": survey_year,
        "as_of": as_of,
        "verify_by": campaign.calendar(survey_year).verify_by,
        "rows": out_rows,
        "total": measures(total, total_on_time),
    }
