"""docs/domain.md, "Assessment" as one pure function: a household's facts and a survey year's rules in,
its assessment out. Nothing here reads a clock, a database or a setting.

Rules of ours, beyond the digest (ADR 0013):
- ``income.average_income`` is computed from the average income whenever the
  facts give it (docs/domain.md, "Indicators"), so a new threshold re-assesses it;
- without member facts (TPMAP counts only) an age-bound indicator applies when
  TPMAP flagged it or the counts show such a member (elderly, disabled), and
  the dependants are a lower bound from those counts;
- an indicator that applies but nobody found failing is met ("no_finding");
- a dimension without an applicable indicator keeps its weight: nobody can be
  deprived there, so c stays below 1 for that household.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any

from faemban_assessment.domain.facts import HouseholdFacts
from faemban_domain.applicability import applies
from faemban_domain.events.contracts import FINDING_BASES, CddBurden, CddCriterion, MemberFacts
from faemban_domain.indicators import DIMENSIONS, AssessmentParameters, Dimension, Indicator, RuleSet

INCOME_INDICATOR = "income.average_income"
HOUSING_INDICATOR = "living.housing_security"


@dataclass(frozen=True, slots=True)
class IndicatorAssessment:
    result: str
    basis: str


@dataclass(frozen=True, slots=True)
class Vulnerability:
    level: int
    low_income: bool
    dependants: int
    dependants_from_members: bool
    housing_problem: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Cdd:
    vulnerable: bool
    criteria: tuple[CddCriterion, ...]
    unknown_criteria: tuple[CddCriterion, ...]
    burdens: tuple[CddBurden, ...]
    unknown_burdens: tuple[CddBurden, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    survey_year: int
    rules: str
    indicator_results: dict[str, IndicatorAssessment]
    failing: tuple[str, ...]
    applicable: tuple[str, ...]
    deprived_dimensions: tuple[Dimension, ...]
    mpi_poor: bool
    critical: bool
    tpmap_poor_latest: bool
    af_score: Fraction
    average_income: float | None
    vulnerability: Vulnerability
    cdd: Cdd
    survive: bool

    def _shared_json(self) -> dict[str, Any]:
        """The fields v1 and the stored record carry alike."""
        return {
            "survey_year": self.survey_year,
            "rules": self.rules,
            "failing_indicators": list(self.failing),
            "applicable_indicators": list(self.applicable),
            "deprived_dimensions": list(self.deprived_dimensions),
            "mpi_poor": self.mpi_poor,
            "critical": self.critical,
            "tpmap_poor_latest": self.tpmap_poor_latest,
            "af_score": float(self.af_score),
            "average_income": self.average_income,
            "vulnerability_level": self.vulnerability.level,
            "dependants": self.vulnerability.dependants,
            "survive": self.survive,
        }

    def to_json(self) -> dict[str, Any]:
        """The fields of ``indicator.assessed.v1`` straight from the assessment: what the stored
        record's ``to_v1`` must reproduce (its tests compare the two)."""
        v, cdd = self.vulnerability, self.cdd
        return {
            **self._shared_json(),
            "indicator_results": {
                c: {"result": r.result, "basis": r.basis} for c, r in self.indicator_results.items()
            },
            "vulnerability": {
                "level": v.level,
                "low_income": v.low_income,
                "dependants": v.dependants,
                "dependants_from_members": v.dependants_from_members,
                "housing_problem": v.housing_problem,
                "reason": v.reason,
            },
            "cdd": {
                "vulnerable": cdd.vulnerable,
                "criteria": list(cdd.criteria),
                "unknown_criteria": list(cdd.unknown_criteria),
                "burdens": list(cdd.burdens),
                "unknown_burdens": list(cdd.unknown_burdens),
            },
        }

    def to_record_json(self) -> dict[str, Any]:
        """The fields of the stored ``Assessed`` this assessment gives (domain/events.py): v2's
        flat lists and fields, the indicators that do not apply and the vulnerability's reason."""
        findings: dict[str, list[str]] = {}
        not_applicable: list[str] = []
        for code, r in self.indicator_results.items():
            if r.result == "not_applicable":
                not_applicable.append(code)
            elif r.basis in FINDING_BASES:
                findings.setdefault(r.basis, []).append(code)
        v, cdd = self.vulnerability, self.cdd
        return {
            **self._shared_json(),
            "findings": findings,
            "dependants_from_members": v.dependants_from_members,
            "low_income": v.low_income,
            "housing_problem": v.housing_problem,
            "cdd_vulnerable": cdd.vulnerable,
            "cdd_criteria": list(cdd.criteria),
            "cdd_unknown_criteria": list(cdd.unknown_criteria),
            "cdd_burdens": list(cdd.burdens),
            "cdd_unknown_burdens": list(cdd.unknown_burdens),
            "not_applicable_indicators": not_applicable,
            "vulnerability_reason": v.reason,
        }


def assess(facts: HouseholdFacts, rules: RuleSet, survey_year: int | None = None) -> Assessment:
    """The household's assessment under ``rules`` (for ``survey_year``, default the facts')."""
    params = rules.assessment
    results = {ind.code: _indicator(ind, facts, rules) for ind in rules.indicators}
    failing = tuple(c for c, r in results.items() if r.result == "fails")
    applicable = tuple(c for c, r in results.items() if r.result != "not_applicable")
    by_dimension = _codes_by_dimension(rules)
    deprived = tuple(d for d in DIMENSIONS if any(results[c].result == "fails" for c in by_dimension[d]))
    mpi_poor = bool(failing)
    vulnerability = _vulnerability(facts, params, deprived, results)
    return Assessment(
        survey_year=survey_year or facts.survey_year,
        rules=rules.fingerprint,
        indicator_results=results,
        failing=failing,
        applicable=applicable,
        deprived_dimensions=deprived,
        mpi_poor=mpi_poor,
        critical=len(deprived) >= params.critical_min_dimensions,
        tpmap_poor_latest=mpi_poor and facts.welfare_card,
        af_score=af_score(rules, results),
        average_income=facts.average_income,
        vulnerability=vulnerability,
        cdd=_cdd(facts, params, results),
        survive=not any(d in deprived for d in params.survive_dimensions),
    )


def _indicator(ind: Indicator, facts: HouseholdFacts, rules: RuleSet) -> IndicatorAssessment:
    if ind.code == INCOME_INDICATOR and facts.average_income is not None:
        met = facts.average_income >= rules.income_threshold_baht
        return IndicatorAssessment("met" if met else "fails", "income_figures")
    finding = facts.findings.get(ind.code)
    if facts.members is not None:
        applicable = applies(ind, facts.members)
    else:
        applicable = (
            ind.applies_when == "always"
            or (finding is not None and finding[0] == "fails")
            or (ind.applies_when == "age_60_plus" and facts.counts.elderly > 0)
            or (ind.applies_when == "disabled_member" and facts.counts.disabled > 0)
        )
    if not applicable:
        return IndicatorAssessment("not_applicable", "members")
    if finding is not None and finding[0] == "fails":
        return IndicatorAssessment("fails", finding[1])
    if finding is not None and finding[0] == "met":
        return IndicatorAssessment("met", finding[1])
    return IndicatorAssessment("met", "no_finding")


def af_score(rules: RuleSet, results: dict[str, IndicatorAssessment]) -> Fraction:
    """c = Σ weights of failing indicators; a dimension's weight split among its applicable ones.

    Exact (fractions of the configured weights) so that area measures add up
    without drift and a cutoff k compares exactly.
    """
    score = Fraction(0)
    for dim, weight in _weights(rules):
        applicable = failing = 0
        for code in _codes_by_dimension(rules)[dim]:
            result = results[code].result
            if result != "not_applicable":
                applicable += 1
                failing += result == "fails"
        if failing:
            score += weight * Fraction(failing, applicable)
    return score


@cache
def _weights(rules: RuleSet) -> tuple[tuple[Dimension, Fraction], ...]:
    """The configured weights as exact fractions (0.2 → 1/5), once per rule set."""
    return tuple((d, Fraction(repr(rules.assessment.weight(d)))) for d in DIMENSIONS)


@cache
def _codes_by_dimension(rules: RuleSet) -> dict[Dimension, tuple[str, ...]]:
    return {d: tuple(i.code for i in rules.by_dimension(d)) for d in DIMENSIONS}


def dependants(members: tuple[MemberFacts, ...], params: AssessmentParameters) -> int:
    """ภาวะพึ่งพิง: aged 0–14 or 60+, disabled, or bedridden; each member counted once."""
    return sum(
        1
        for m in members
        if m.age <= params.child_max_age
        or m.age >= params.elderly_min_age
        or m.physical_status in ("disabled", "bedridden")
    )


def _vulnerability(
    facts: HouseholdFacts,
    params: AssessmentParameters,
    deprived: tuple[Dimension, ...],
    results: dict[str, IndicatorAssessment],
) -> Vulnerability:
    line = params.low_income_line_baht
    income_deprived = "income" in deprived
    below_line = facts.average_income is not None and facts.average_income <= line
    low_income = income_deprived or below_line
    if facts.members is not None:
        count, from_members = dependants(facts.members, params), True
    else:
        count, from_members = max(facts.counts.elderly, facts.counts.disabled), False
    housing = results.get(HOUSING_INDICATOR, IndicatorAssessment("met", "")).result == "fails"
    income_text = (
        "average income unknown"
        if facts.average_income is None
        else f"average income {facts.average_income:,.0f} baht/person/year "
        f"{'≤' if below_line else '>'} {line:,.0f}"
    )
    why_low = "; ".join(
        [*(["income dimension deprived"] if income_deprived else []), *([income_text] if below_line else [])]
    )
    counted = f"{count} dependant{'s' if count != 1 else ''}" + (
        "" if from_members else " at least (TPMAP counts of elderly and disabled only)"
    )
    if not low_income:
        level = 0
        reason = f"not low income: income dimension not deprived, {income_text}"
    elif count > 2:
        level, reason = 3, f"low income ({why_low}) and {counted}, more than 2"
    elif count >= 1:
        level, reason = 2, f"low income ({why_low}) and {counted}"
    else:
        level = 1
        reason = f"low income ({why_low}), no dependants" + (
            f", housing problem ({HOUSING_INDICATOR} fails)" if housing else ""
        )
    return Vulnerability(level, low_income, count, from_members, housing, reason)


def _cdd(facts: HouseholdFacts, params: AssessmentParameters, results: dict[str, IndicatorAssessment]) -> Cdd:
    """Seed 003's criteria and burdens; what the facts cannot tell is listed as unknown."""
    criteria: list[CddCriterion] = []
    unknown_criteria: list[CddCriterion] = ["farmer_not_registered"]  # farmer registration is not recorded
    if facts.average_income is None:
        unknown_criteria.append("low_income_without_welfare_card")
    elif facts.average_income < params.low_income_line_baht and not facts.welfare_card:
        criteria.append("low_income_without_welfare_card")
    burdens: list[CddBurden] = []
    unknown_burdens: list[CddBurden] = ["poor_child"]  # the education ministry's list is not ours
    if results.get(HOUSING_INDICATOR, IndicatorAssessment("met", "")).result == "fails":
        burdens.append("insecure_housing")
    members = facts.members
    if members is None:
        unknown_burdens += ["child_3_14", "elderly_without_allowance", "disabled_without_allowance"]
        unknown_burdens.append("chronically_ill_unable_to_self_care")
    else:
        if any(3 <= m.age <= 14 for m in members):
            burdens.append("child_3_14")
        if any(m.age >= params.elderly_min_age and not m.elderly_allowance for m in members):
            burdens.append("elderly_without_allowance")
        if any(m.physical_status == "disabled" and not m.disability_allowance for m in members):
            burdens.append("disabled_without_allowance")
        if any(m.physical_status == "bedridden" for m in members):
            burdens.append("chronically_ill_unable_to_self_care")
    return Cdd(
        bool(criteria), tuple(criteria), tuple(unknown_criteria), tuple(burdens), tuple(unknown_burdens)
    )
