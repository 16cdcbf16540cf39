"""The events of a household's assessment stream.

``Assessed`` (stored as ``AssessedCompact``) is the published ``indicator.assessed.v2`` and the
two things v1 says beyond it; it is published as v2 (adapters/event_store.py) and the assessment
API answers v1 from it (``to_v1``). Streams written before it hold ``AssessedAsV1`` (stored as
``Assessed``, v1's shape), read as ``Assessed`` on replay (ADR 0025). The others stay in this
service. The stored names never change: streams already hold them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from faemban_domain.bounds import EntityId, EventYear
from faemban_domain.events.contracts import (
    V2_AS_IN_V1,
    AssessmentCause,
    GeneratedText,
    IndicatorAssessedV1,
    IndicatorAssessedV2,
    IndicatorCode,
)
from faemban_domain.eventsourcing.aggregate import EventNames


class _Private(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactsRecorded(_Private):
    """What the assessment now knows of the household (``HouseholdFacts`` as JSON)."""

    cause: AssessmentCause
    at: datetime
    facts: dict[str, Any]


class SurveyYearOpened(_Private):
    survey_year: EventYear
    at: datetime


class SufficiencyAttested(_Private):
    """An officer's attestation (พอเพียง); the reason is their own words and never leaves."""

    at: datetime
    reason: str = Field(max_length=1000)
    role: str = Field(max_length=40)


class PlanOpened(_Private):
    plan_id: EntityId
    at: datetime


class PlanClosed(_Private):
    plan_id: EntityId
    at: datetime


class Assessed(IndicatorAssessedV2):
    """An assessment as the store keeps it: the published v2, plus which indicators of the
    year's rules do not apply and the vulnerability's generated reason — all v1 says beyond v2.

    Why not v1's shape: a TPMAP household's v1 is 2.3 KB of JSON (a result and basis object for
    each of 17 indicators, nested vulnerability and CDD objects) and was validated, dumped,
    converted to v2 and validated again for every assessment; this is half the bytes, validated
    once, and its published part needs no conversion (ADR 0025)."""

    not_applicable_indicators: list[IndicatorCode] = Field(default_factory=list, max_length=64)
    vulnerability_reason: GeneratedText

    @classmethod
    def of_v1(cls, v1: IndicatorAssessedV1) -> Assessed:
        """An assessment stored in v1's shape, as this record (nothing v1 said is lost)."""
        data = v1.model_dump(mode="json")
        results = data["indicator_results"]
        return cls.model_validate(
            {
                **IndicatorAssessedV2.from_v1(data),
                "not_applicable_indicators": [
                    c for c, r in results.items() if r["result"] == "not_applicable"
                ],
                "vulnerability_reason": data["vulnerability"]["reason"],
            }
        )

    def to_v1(self, indicator_order: Sequence[str]) -> dict[str, Any]:
        """The assessment as ``indicator.assessed.v1`` (JSON form), its indicators in
        ``indicator_order`` (the year's rules; any other code after them, sorted).

        Per indicator: a failing one rests on its finding; an applicable one is met on its
        finding or with nothing found failing ("no_finding"); one that does not apply rests on
        the members — the assessment's own rules (domain/assessment.py)."""
        data = self.model_dump(mode="json")
        basis = {code: b for b, codes in self.findings.items() for code in codes}
        failing, not_applicable = set(self.failing_indicators), set(self.not_applicable_indicators)
        codes = set(self.applicable_indicators) | not_applicable
        ordered = [c for c in indicator_order if c in codes]
        ordered += sorted(codes.difference(ordered))
        results: dict[str, dict[str, str]] = {}
        for code in ordered:
            if code in not_applicable:
                results[code] = {"result": "not_applicable", "basis": "members"}
            elif code in failing:
                results[code] = {"result": "fails", "basis": basis[code]}
            else:
                results[code] = {"result": "met", "basis": basis.get(code, "no_finding")}
        v1 = {
            **{k: data[k] for k in V2_AS_IN_V1},
            "indicator_results": results,
            "vulnerability": {
                "level": self.vulnerability_level,
                "low_income": self.low_income,
                "dependants": self.dependants,
                "dependants_from_members": self.dependants_from_members,
                "housing_problem": self.housing_problem,
                "reason": self.vulnerability_reason,
            },
            "cdd": {
                "vulnerable": self.cdd_vulnerable,
                "criteria": data["cdd_criteria"],
                "unknown_criteria": data["cdd_unknown_criteria"],
                "burdens": data["cdd_burdens"],
                "unknown_burdens": data["cdd_unknown_burdens"],
            },
        }
        return {k: v1[k] for k in IndicatorAssessedV1.model_fields}  # in v1's own order


KEPT_HERE = frozenset({"not_applicable_indicators", "vulnerability_reason"})
"""The fields of ``Assessed`` that stay in this service (v2 is the rest)."""
AssessedAsV1 = IndicatorAssessedV1
"""An assessment as streams written before ``Assessed`` hold it (read on replay, never written)."""

ASSESSMENT_EVENTS = EventNames(
    {
        "FactsRecorded": FactsRecorded,
        "SurveyYearOpened": SurveyYearOpened,
        "Assessed": AssessedAsV1,
        "AssessedCompact": Assessed,
        "SufficiencyAttested": SufficiencyAttested,
        "PlanOpened": PlanOpened,
        "PlanClosed": PlanClosed,
    }
)
