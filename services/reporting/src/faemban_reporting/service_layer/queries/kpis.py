"""KPIs per area at a moment (docs/interfaces.md, "Shape 8"; docs/domain.md, "KPIs").

Every count reads the KPI read model's facts known at ``as_of`` (a fact's time ≤ ``as_of``; a
state's version valid then), so the same query answers today and any past moment.
A household's facts count in the area where it lives now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas, campaign
from faemban_reporting.adapters.tables import (
    kpi_assessments,
    kpi_assistance,
    kpi_case_moves,
    kpi_certifications,
    kpi_households,
    kpi_plans,
    kpi_team_households,
    kpi_verifications,
)
from faemban_reporting.domain.kpis import LEVELS, OUTCOMES, RATIOS, TeamLoad, ratio

h = kpi_households
LOCAL_LEVELS = ("subdistrict", "district")


def within(column: sa.ColumnElement[str], area: str, visible: Sequence[str] | None) -> sa.ColumnElement[bool]:
    cond = column.startswith(area)
    if visible is not None:
        cond = sa.and_(cond, sa.or_(*(column.startswith(v) for v in visible)))
    return cond


def valid_at(table: sa.Table, at: datetime) -> sa.ColumnElement[bool]:
    """The version of a state that held at ``at``."""
    return sa.and_(table.c.valid_from <= at, sa.or_(table.c.valid_to.is_(None), table.c.valid_to > at))


def standing_at(at: datetime) -> sa.ColumnElement[bool]:
    """A logbook entry recorded by ``at`` and not voided by then."""
    a = kpi_assistance
    return sa.and_(a.c.logged_at <= at, sa.or_(a.c.voided_at.is_(None), a.c.voided_at > at))


def deadline_end(survey_year: int) -> datetime:
    """The end of the survey year's verification day (a Thai calendar day)."""
    day = campaign.calendar(survey_year).verify_by
    return datetime.combine(day + timedelta(days=1), time(), campaign.BANGKOK).astimezone(UTC)


async def latest_survey_year(conn: AsyncConnection, as_of: datetime) -> int:
    """The campaign a KPI report means by default: the latest survey year verified by ``as_of``
    (the Thai calendar year of ``as_of`` before any verification)."""
    v = kpi_verifications
    year = (
        await conn.execute(
            sa.select(sa.func.max(v.c.survey_year)).where(v.c.valid_from <= as_of.astimezone(UTC))
        )
    ).scalar()
    return int(year) if year is not None else as_of.astimezone(campaign.BANGKOK).year


def _count_if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


async def _grouped(conn: AsyncConnection, stmt: sa.Select[Any]) -> dict[str, tuple[int, ...]]:
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in await conn.execute(stmt)}


async def kpis(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    survey_year: int,
    as_of: datetime,
    targets: Mapping[str, float | None],
    team_max: int,
) -> dict[str, Any]:
    as_of = as_of.astimezone(UTC)  # stored times are UTC (SQLite keeps no offset)
    key = sa.func.substr(h.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("code")
    scope = within(h.c.area_code, area, visible)
    v, a, cert, p = kpi_verifications, kpi_assistance, kpi_certifications, kpi_plans
    mine = h.c.household_id

    cutoff = min(as_of, deadline_end(survey_year))
    verified_in_time = sa.exists().where(
        v.c.household_id == mine, v.c.survey_year == survey_year, v.c.valid_from <= cutoff
    )
    registered = await _grouped(
        conn,
        sa.select(key, sa.func.count(), _count_if(verified_in_time))
        .where(scope, h.c.registered_at <= as_of)
        .group_by(key),
    )

    verified = sa.exists().where(v.c.household_id == mine, v.c.valid_from <= as_of)
    assisted = sa.exists().where(a.c.household_id == mine, standing_at(as_of))
    by_lead = (
        sa.select(sa.func.count())
        .where(a.c.household_id == mine, a.c.by_lead_agency, standing_at(as_of))
        .scalar_subquery()
    )
    helped = await _grouped(
        conn,
        sa.select(
            key,
            _count_if(verified),
            _count_if(sa.and_(verified, assisted)),
            _count_if(sa.and_(verified, by_lead >= 3)),
        )
        .where(scope, h.c.registered_at <= as_of)
        .group_by(key),
    )

    income = await _grouped(
        conn,
        sa.select(key, sa.func.count(), _count_if(sa.and_(v.c.income_rose, v.c.passes_threshold)))
        .select_from(h.join(v, v.c.household_id == mine))
        .where(scope, valid_at(v, as_of), v.c.household_type == "develop")
        .group_by(key),
    )

    has_plan = sa.exists().where(p.c.household_id == mine, p.c.created_at <= as_of)
    plans = await _grouped(
        conn,
        sa.select(key, sa.func.count(), _count_if(has_plan))
        .select_from(h.join(cert, cert.c.household_id == mine))
        .where(scope, valid_at(cert, as_of), cert.c.certified)
        .group_by(key),
    )

    m = kpi_case_moves
    cases = await _grouped(
        conn,
        sa.select(key, sa.func.count(), _count_if(m.c.to_level.in_(LOCAL_LEVELS)))
        .select_from(h.join(m, m.c.household_id == mine))
        .where(scope, m.c.action == "resolve", m.c.at <= as_of)
        .group_by(key),
    )

    s = kpi_assessments
    ladder: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    vulnerability: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    rows = await conn.execute(
        sa.select(key, s.c.outcome, s.c.vulnerability_level, sa.func.count())
        .select_from(h.join(s, s.c.household_id == mine))
        .where(scope, valid_at(s, as_of))
        .group_by(key, s.c.outcome, s.c.vulnerability_level)
    )
    for code, outcome, vlevel, n in rows:
        if outcome in OUTCOMES:
            ladder[code][outcome] += int(n)
        vulnerability[code][str(vlevel)] += int(n)

    t = kpi_team_households
    per_team: dict[str, dict[str, int]] = defaultdict(dict)
    all_teams: dict[str, int] = defaultdict(int)
    rows = await conn.execute(
        sa.select(key, t.c.team_id, sa.func.count())
        .select_from(h.join(t, t.c.household_id == mine))
        .where(
            scope,
            t.c.assigned_at <= as_of,
            sa.or_(t.c.released_at.is_(None), t.c.released_at > as_of),
        )
        .group_by(key, t.c.team_id)
    )
    for code, team, n in rows:
        per_team[code][team] = int(n)
        all_teams[team] += int(n)

    def measures(
        counts: Mapping[str, tuple[int, ...]],
        load: Mapping[str, int],
        outcomes: Mapping[str, int],
        levels: Mapping[str, int],
    ) -> dict[str, Any]:
        reg = counts.get("registered", (0, 0))
        hel = counts.get("helped", (0, 0, 0))
        inc = counts.get("income", (0, 0))
        pla = counts.get("plans", (0, 0))
        cas = counts.get("cases", (0, 0))
        shares = {
            "verified_by_deadline": (reg[1], reg[0]),
            "assisted": (hel[1], hel[0]),
            "lead_agency_thrice": (hel[2], hel[0]),
            "income_rose_and_passes": (inc[1], inc[0]),
            "plan_coverage": (pla[1], pla[0]),
            "cases_resolved_locally": (cas[1], cas[0]),
        }
        return {
            "households": reg[0],
            **{name: ratio(*shares[name], targets.get(name)) for name in RATIOS},
            "mentor_team_load": vars_of(TeamLoad.of(list(load.values()), team_max)),
            "outcomes": dict(outcomes),
            "vulnerability_levels": dict(levels),
        }

    sources = {"registered": registered, "helped": helped, "income": income, "plans": plans, "cases": cases}
    codes = sorted(set().union(*sources.values(), ladder, vulnerability, per_team))
    out_rows = []
    for code in codes:
        info = areas.area(code)
        out_rows.append(
            {
                "area_code": code,
                "area_name_th": info.name_th if info else code,
                **measures(
                    {name: src[code] for name, src in sources.items() if code in src},
                    per_team.get(code, {}),
                    ladder.get(code, dict.fromkeys(OUTCOMES, 0)),
                    vulnerability.get(code, dict.fromkeys(LEVELS, 0)),
                ),
            }
        )
    totals = {name: tuple(map(sum, zip(*src.values(), strict=True))) for name, src in sources.items() if src}
    total = measures(
        totals,
        all_teams,
        {o: sum(x[o] for x in ladder.values()) for o in OUTCOMES},
        {lv: sum(x[lv] for x in vulnerability.values()) for lv in LEVELS},
    )
    return {
        "area": area,
        "level": level,
        "survey_year": survey_year,
        "as_of": as_of,
        "verify_by": campaign.calendar(survey_year).verify_by,
        "rows": out_rows,
        "total": total,
    }


def vars_of(load: TeamLoad) -> dict[str, Any]:
    return {
        "teams": load.teams,
        "households": load.households,
        "min": load.min,
        "median": load.median,
        "max": load.max,
        "teams_over_max": load.teams_over_max,
        "max_per_team": load.max_per_team,
    }
