"""The KPIs a provincial poverty centre is judged by (docs/domain.md, "KPIs"): what each one
counts, its default target, and how a numerator and denominator become "met" or "not met".

Targets are configuration per survey year (``FAEMBAN_REPORTING_KPI_TARGETS``); these are the
defaults the documents give (verification of every household, 80% of develop-type households
out of income poverty, three helps by the lead agency for every household).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from faemban_domain import agencies, indicators

RATIOS = (
    "verified_by_deadline",
    "assisted",
    "lead_agency_thrice",
    "income_rose_and_passes",
    "plan_coverage",
    "cases_resolved_locally",
)
"""The KPIs that are a share of households (or cases), in report order."""

DEFAULT_TARGETS: dict[str, float | None] = {
    "verified_by_deadline": 100.0,
    "assisted": 100.0,
    "lead_agency_thrice": 100.0,
    "income_rose_and_passes": 80.0,
    "plan_coverage": 100.0,
    "cases_resolved_locally": None,
}
"""Percentages; None: reported without a target."""

LABELS_TH: dict[str, str] = {
    "verified_by_deadline": "ครัวเรือนเป้าหมายที่ได้รับการตรวจสอบภายในกำหนด",
    "assisted": "ครัวเรือนที่ตรวจสอบแล้วได้รับความช่วยเหลืออย่างน้อย 1 ครั้ง",
    "lead_agency_thrice": "การให้ความช่วยเหลือของหน่วยงานที่เป็นเจ้าภาพหลักไม่น้อยกว่า 3 ครั้งต่อ 1 ครัวเรือน",
    "income_rose_and_passes": "คนจนที่พัฒนาได้มีรายได้เพิ่มขึ้นผ่านเกณฑ์",
    "plan_coverage": "ครัวเรือนที่ผ่านการรับรองมีแผนพัฒนาครัวเรือน",
    "cases_resolved_locally": "เรื่องที่แก้ไขได้ในระดับตำบลหรืออำเภอ",
    "mentor_team_load": "จำนวนครัวเรือนต่อทีมพี่เลี้ยง",
    "outcomes": "ผลการพัฒนา (อยู่รอด / พอเพียง / ยั่งยืน)",
    "vulnerability_levels": "ระดับความเปราะบาง",
}
"""Seed 001's words for the two KPIs it names (10.1, 10.2); the others in plain Thai."""

OUTCOMES = ("survive", "sufficient", "sustainable")


def by_lead_agency(agency: str, problem: str) -> bool:
    """An entry counts for "≥ 3 by the lead agency" when its agency leads the dimension of the
    problem it addresses (docs/domain.md, "Lead agencies")."""
    try:
        return agency in agencies.leads_of(agencies.problem_area(problem))
    except KeyError:
        return False


def passes_income_line(average: float | None, survey_year: int) -> bool:
    """At or above the income threshold of the verification's survey year."""
    return average is not None and average >= indicators.rules_for(survey_year).income_threshold_baht


def income_rose(first: float | Decimal | None, now: float | Decimal | None) -> bool:
    """Above the first verification's average (a first without incomes never counts as risen)."""
    return first is not None and now is not None and float(now) > float(first)


LEVELS = ("0", "1", "2", "3")


def targets_for(
    survey_year: int, configured: Mapping[str, Mapping[str, float | None]]
) -> dict[str, float | None]:
    """The survey year's targets: configured ones over the defaults."""
    return {**DEFAULT_TARGETS, **configured.get(str(survey_year), {})}


def ratio(numerator: int, denominator: int, target: float | None) -> dict[str, Any]:
    """A KPI share; "met" only when there is a target and something to measure."""
    percentage = round(100 * numerator / denominator, 2) if denominator else None
    met = None if target is None or percentage is None else percentage >= target
    return {
        "numerator": numerator,
        "denominator": denominator,
        "percentage": percentage,
        "target": target,
        "met": met,
    }


@dataclass(frozen=True, slots=True)
class TeamLoad:
    teams: int
    households: int
    min: int | None
    median: float | None
    max: int | None
    teams_over_max: int
    max_per_team: int

    @classmethod
    def of(cls, per_team: Sequence[int], max_per_team: int) -> TeamLoad:
        """Households per mentor team (teams looking after at least one household)."""
        counts = sorted(n for n in per_team if n > 0)
        return cls(
            teams=len(counts),
            households=sum(counts),
            min=counts[0] if counts else None,
            median=statistics.median(counts) if counts else None,
            max=counts[-1] if counts else None,
            teams_over_max=sum(1 for n in counts if n > max_per_team),
            max_per_team=max_per_team,
        )
