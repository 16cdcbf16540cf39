"""The monthly progress report a province sends on the 15th (docs/domain.md, "KPIs"; seed 001:
"report the progress every month").

For one area and one Thai calendar month, and cumulatively up to the month's end: households
verified, plans made, logbook entries by agency and kind with their amounts, cases opened,
escalated and resolved per level, and the KPIs as the record stood at the month's end (or now,
for the current month). Everything is read from the KPI read model, by the time each fact
entered the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import agencies, areas, campaign
from faemban_domain.platform.area_query import within
from faemban_reporting.adapters.tables import (
    kpi_assistance,
    kpi_case_moves,
    kpi_households,
    kpi_plans,
    kpi_verifications,
)
from faemban_reporting.service_layer.queries.escalations import CASE_LEVELS
from faemban_reporting.service_layer.queries.kpis import kpis, standing_at

CASE_ACTIONS = {"open": "opened", "escalate": "escalated", "resolve": "resolved"}


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> datetime:
        """00:00 of the month's first Thai day, in UTC."""
        return campaign.day_start(date(self.year, self.month, 1))

    @property
    def end(self) -> datetime:
        nxt = Month(self.year + self.month // 12, self.month % 12 + 1)
        return nxt.start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


async def monthly(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    month: Month,
    now: datetime,
    survey_year: int,
    targets: Mapping[str, float | None],
    team_max: int,
) -> dict[str, Any]:
    start, end = month.start, month.end
    as_of = min(end - _TICK, now.astimezone(UTC))
    h = kpi_households
    scope = within(h.c.area_code, area, visible)

    def split(column: sa.ColumnElement[datetime]) -> list[sa.ColumnElement[Any]]:
        """How many in the month, and how many up to its end."""
        return [
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(column >= start, column <= as_of), 1), else_=0)), 0
            ),
            sa.func.coalesce(sa.func.sum(sa.case((column <= as_of, 1), else_=0)), 0),
        ]

    v = kpi_verifications
    first = (
        sa.select(v.c.household_id, sa.func.min(v.c.valid_from).label("at"))
        .group_by(v.c.household_id)
        .subquery()
    )
    verified = (
        await conn.execute(
            sa.select(*split(first.c.at))
            .select_from(h.join(first, first.c.household_id == h.c.household_id))
            .where(scope)
        )
    ).one()
    households = (
        await conn.execute(sa.select(sa.func.count()).where(scope, h.c.registered_at <= as_of))
    ).scalar_one()

    p = kpi_plans
    plans = (
        await conn.execute(
            sa.select(*split(p.c.created_at))
            .select_from(h.join(p, p.c.household_id == h.c.household_id))
            .where(scope)
        )
    ).one()

    a = kpi_assistance
    in_month = a.c.logged_at >= start  # and before as_of: standing_at below
    rows = await conn.execute(
        sa.select(
            a.c.agency,
            a.c.kind,
            sa.func.coalesce(sa.func.sum(sa.case((in_month, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((in_month, a.c.amount_baht), else_=0)), 0),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(a.c.amount_baht), 0),
        )
        .select_from(h.join(a, a.c.household_id == h.c.household_id))
        .where(scope, standing_at(as_of))
        .group_by(a.c.agency, a.c.kind)
        .order_by(a.c.agency, a.c.kind)
    )
    assistance = [
        {
            "agency": agency,
            "agency_name_th": agencies.agency(agency).name_th if agencies.is_known(agency) else agency,
            "kind": kind,
            "month": {"entries": int(n_month), "amount_baht": float(amount_month)},
            "cumulative": {"entries": int(n_all), "amount_baht": float(amount_all)},
        }
        for agency, kind, n_month, amount_month, n_all, amount_all in rows
    ]

    m = kpi_case_moves
    cases = {
        lvl: {
            "month": dict.fromkeys(CASE_ACTIONS.values(), 0),
            "cumulative": dict.fromkeys(CASE_ACTIONS.values(), 0),
        }
        for lvl in CASE_LEVELS
    }
    rows = await conn.execute(
        sa.select(m.c.to_level, m.c.action, *split(m.c.at))
        .select_from(h.join(m, m.c.household_id == h.c.household_id))
        .where(scope, m.c.action.in_(CASE_ACTIONS))
        .group_by(m.c.to_level, m.c.action)
    )
    for lvl, action, n_month, n_all in rows:
        cases[lvl]["month"][CASE_ACTIONS[action]] = int(n_month)
        cases[lvl]["cumulative"][CASE_ACTIONS[action]] = int(n_all)

    at_end = None if end > now else as_of  # the current month: as things stand now
    indicators = await kpis(conn, area, level, visible, survey_year, at_end, targets, team_max)
    info = areas.area(area)
    return {
        "area": area,
        "area_name_th": info.name_th if info else area,
        "month": str(month),
        "from": start,
        "to": end,
        "as_of": as_of,
        "survey_year": survey_year,
        "verification": {
            "households": int(households),
            "month": {"verified": int(verified[0])},
            "cumulative": {"verified": int(verified[1])},
        },
        "plans": {"month": {"made": int(plans[0])}, "cumulative": {"made": int(plans[1])}},
        "assistance": {
            "rows": assistance,
            "total": {
                "month": {
                    "entries": sum(r["month"]["entries"] for r in assistance),
                    "amount_baht": round(sum(r["month"]["amount_baht"] for r in assistance), 2),
                },
                "cumulative": {
                    "entries": sum(r["cumulative"]["entries"] for r in assistance),
                    "amount_baht": round(sum(r["cumulative"]["amount_baht"] for r in assistance), 2),
                },
            },
        },
        "cases": [{"level": lvl, **counts} for lvl, counts in cases.items()],
        "kpis": indicators,
    }


_TICK = datetime.resolution
"""A month's report counts what entered the record before its end: the last instant inside it."""
