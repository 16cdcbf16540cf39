"""Verification progress query: per sub-area, where households stand against the campaign."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas, campaign
from faemban_domain.platform.area_query import within
from faemban_reporting.adapters.tables import verification_households

CATEGORIES = ("all_correct", "partly_correct", "entirely_wrong", "no_problem_found")
MEASURES = (
    "households",
    "to_verify",
    "returned",
    "verified",
    *CATEGORIES,
    "new_households",
    "certified",
    "approved",
    "verified_late",
    "certified_late",
    "approved_late",
)


def _measures(t: sa.Table) -> list[Any]:
    def count(cond: Any, name: str) -> Any:
        return sa.func.sum(sa.case((cond, 1), else_=0)).label(name)

    done = t.c.status.in_(("verified", "certified", "approved"))
    return [
        sa.func.count().label("households"),
        count(t.c.status == "to_verify", "to_verify"),
        count(sa.and_(t.c.status == "to_verify", t.c.times_returned > 0), "returned"),
        count(done, "verified"),
        *(count(sa.and_(done, t.c.verification_category == c), c) for c in CATEGORIES),
        count(sa.and_(done, t.c.verification_category.is_(None)), "new_households"),
        count(t.c.status.in_(("certified", "approved")), "certified"),
        count(t.c.status == "approved", "approved"),
        count(sa.and_(done, t.c.verified_late), "verified_late"),
        count(sa.and_(t.c.status.in_(("certified", "approved")), t.c.certified_late), "certified_late"),
        count(sa.and_(t.c.status == "approved", t.c.approved_late), "approved_late"),
    ]


def _shape(m: dict[str, int], overdue: dict[str, int] | None) -> dict[str, Any]:
    return {
        "households": m["households"],
        "to_verify": m["to_verify"],
        "returned": m["returned"],
        "verified": m["verified"],
        "by_category": {**{c: m[c] for c in CATEGORIES}, "new_household": m["new_households"]},
        "certified": m["certified"],
        "approved": m["approved"],
        "late": {
            "verified": m["verified_late"],
            "certified": m["certified_late"],
            "approved": m["approved_late"],
        },
        "overdue": overdue,
    }


def _overdue(
    m: dict[str, int], calendar: campaign.CampaignCalendar | None, now: datetime
) -> dict[str, int] | None:
    """Households still waiting for a step whose date has passed (needs one survey year's calendar)."""
    if calendar is None:
        return None
    return {
        "verify": m["to_verify"] if calendar.is_late("verify", now) else 0,
        "district": m["verified"] - m["certified"] if calendar.is_late("district", now) else 0,
        "province": m["certified"] - m["approved"] if calendar.is_late("province", now) else 0,
    }


async def verification_progress(
    conn: AsyncConnection,
    area: str,
    level: areas.AreaLevel,
    visible: Sequence[str] | None,
    survey_year: int | None,
    now: datetime,
) -> dict[str, Any]:
    t = verification_households
    key = sa.func.substr(t.c.area_code, 1, areas.LEVEL_LENGTH[level]).label("code")
    stmt = sa.select(key, *_measures(t)).where(within(t.c.area_code, area, visible))
    if survey_year is not None:
        stmt = stmt.where(t.c.survey_year == survey_year)
    rows = (await conn.execute(stmt.group_by(key).order_by(key))).mappings().all()
    calendar = campaign.calendar(survey_year) if survey_year is not None else None
    measured = [(r["code"], {m: int(r[m] or 0) for m in MEASURES}) for r in rows]
    total = {m: sum(x[m] for _, x in measured) for m in MEASURES}
    return {
        "area": area,
        "level": level,
        "survey_year": survey_year,
        "as_of": now,
        "campaign": None
        if calendar is None
        else {
            "verify_by": calendar.verify_by,
            "district_by": calendar.district_by,
            "province_by": calendar.province_by,
            "plans_by": calendar.plans_by,
        },
        "rows": [
            {
                "area_code": code,
                "area_name_th": (info.name_th if (info := areas.area(code)) else code),
                **_shape(m, _overdue(m, calendar, now)),
            }
            for code, m in measured
        ],
        "total": _shape(total, _overdue(total, calendar, now)),
    }
