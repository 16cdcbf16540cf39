"""The campaign calendar: by when each step of a survey year's campaign is due.

docs/domain.md, "Verification" and seed 002: the field team verifies by 31 December, the
district (ศจพ.อ.) certifies by 10 January, the province (ศจพ.จ.) approves by
15 January, plans are made by 16 February. The dates are configuration
(``FAEMBAN_CAMPAIGN_CALENDAR``, a JSON object keyed by survey year), these
are only the default. A step done after its date is allowed and marked late;
the registry, planning and reporting all ask this module, so they agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Literal

from faemban_domain.platform.settings import catalogue_settings

Step = Literal["verify", "district", "province", "plans"]
BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
"""Deadlines are Thai calendar days; Thailand keeps UTC+7 all year."""


def thai_day(at: datetime) -> date:
    """The Thai calendar day of an aware moment."""
    return at.astimezone(BANGKOK).date()


def day_start(day: date) -> datetime:
    """00:00 of a Thai calendar day, in UTC (the zone the read models store)."""
    return datetime.combine(day, time(), BANGKOK).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class CampaignCalendar:
    survey_year: int
    verify_by: date
    district_by: date
    province_by: date
    plans_by: date

    def due(self, step: Step) -> date:
        return {
            "verify": self.verify_by,
            "district": self.district_by,
            "province": self.province_by,
            "plans": self.plans_by,
        }[step]

    def is_late(self, step: Step, at: datetime) -> bool:
        """Late when done on a Thai calendar day after the step's date."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        return thai_day(at) > self.due(step)


def default_calendar(survey_year: int) -> CampaignCalendar:
    return CampaignCalendar(
        survey_year=survey_year,
        verify_by=date(survey_year, 12, 31),
        district_by=date(survey_year + 1, 1, 10),
        province_by=date(survey_year + 1, 1, 15),
        plans_by=date(survey_year + 1, 2, 16),
    )


@cache
def _configured(raw: str) -> dict[int, dict[str, date]]:
    try:
        parsed = json.loads(raw)
        return {
            int(year): {k: date.fromisoformat(v) for k, v in dates.items()} for year, dates in parsed.items()
        }
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError(
            'FAEMBAN_CAMPAIGN_CALENDAR must be JSON like {"2025": {"verify_by": "2025-12-31", ...}}'
        ) from exc


def calendar(survey_year: int, configured: str | None = None) -> CampaignCalendar:
    """The calendar of a survey year: configured dates over the default ones."""
    raw = configured if configured is not None else catalogue_settings().campaign_calendar
    base = default_calendar(survey_year)
    dates = _configured(raw).get(survey_year, {}) if raw.strip() else {}
    unknown = set(dates) - {"verify_by", "district_by", "province_by", "plans_by"}
    if unknown:
        raise ValueError(f"unknown campaign dates {sorted(unknown)}")
    return CampaignCalendar(
        survey_year=survey_year,
        verify_by=dates.get("verify_by", base.verify_by),
        district_by=dates.get("district_by", base.district_by),
        province_by=dates.get("province_by", base.province_by),
        plans_by=dates.get("plans_by", base.plans_by),
    )
