"""``indicator.assessed.v2`` says everything v1 said, in far fewer bytes."""

from __future__ import annotations

import json
from typing import Any

from faemban_domain import indicators
from faemban_domain.events.contracts import IndicatorAssessedV1, IndicatorAssessedV2

RULES = indicators.rule_set(2019)


def _v1() -> dict[str, Any]:
    codes = [i.code for i in RULES.indicators]
    results: dict[str, dict[str, str]] = {}
    for n, code in enumerate(codes):
        if n % 4 == 0:
            results[code] = {"result": "not_applicable", "basis": "members"}
        elif n % 4 == 1:
            results[code] = {"result": "fails", "basis": "tpmap" if n % 8 == 1 else "field"}
        elif code == "income.average_income":
            results[code] = {"result": "met", "basis": "income_figures"}
        else:
            results[code] = {"result": "met", "basis": "no_finding" if n % 3 else "field"}
    failing = [c for c, r in results.items() if r["result"] == "fails"]
    return IndicatorAssessedV1.model_validate(
        {
            "household_id": "TP57010000001",
            "area_code": "57010101",
            "survey_year": 2019,
            "rules": RULES.fingerprint,
            "as_of": "2026-11-24T00:32:53.013068Z",
            "cause": "registered",
            "indicator_results": results,
            "failing_indicators": failing,
            "applicable_indicators": [c for c, r in results.items() if r["result"] != "not_applicable"],
            "deprived_dimensions": sorted({c.split(".")[0] for c in failing}),
            "mpi_poor": True,
            "critical": True,
            "tpmap_poor_latest": False,
            "af_score": 0.4,
            "average_income": 40500.0,
            "vulnerability_level": 2,
            "dependants": 1,
            "vulnerability": {
                "level": 2,
                "low_income": True,
                "dependants": 1,
                "dependants_from_members": True,
                "housing_problem": False,
                "reason": "low income, 1 dependant",
            },
            "cdd": {
                "vulnerable": True,
                "criteria": ["low_income_without_welfare_card"],
                "unknown_criteria": ["farmer_not_registered"],
                "burdens": ["poor_child"],
                "unknown_burdens": ["child_3_14"],
            },
            "survive": False,
            "outcome": "none",
        }
    ).model_dump(mode="json")


def _results_of(v2: IndicatorAssessedV2) -> dict[str, dict[str, str]]:
    """v1's per-indicator results, read back from v2 and the year's indicators."""
    basis = {code: b for b, codes in v2.findings.items() for code in codes}
    out = {}
    for ind in indicators.rule_set(v2.survey_year).indicators:
        if ind.code in v2.failing_indicators:
            out[ind.code] = {"result": "fails", "basis": basis[ind.code]}
        elif ind.code in v2.applicable_indicators:
            out[ind.code] = {"result": "met", "basis": basis.get(ind.code, "no_finding")}
        else:
            out[ind.code] = {"result": "not_applicable", "basis": "members"}
    return out


def test_v2_keeps_every_result_and_measure_of_v1() -> None:
    v1 = _v1()
    v2 = IndicatorAssessedV2.model_validate(IndicatorAssessedV2.from_v1(v1))
    assert _results_of(v2) == v1["indicator_results"]
    dumped = v2.model_dump(mode="json")
    for key in ("failing_indicators", "deprived_dimensions", "critical", "af_score", "outcome", "as_of"):
        assert dumped[key] == v1[key]
    assert dumped["low_income"] is True and dumped["dependants_from_members"] is True
    assert dumped["cdd_criteria"] == ["low_income_without_welfare_card"]
    assert dumped["cdd_unknown_burdens"] == ["child_3_14"]


def test_v2_is_well_under_v1() -> None:
    v1 = _v1()
    v2 = IndicatorAssessedV2.from_v1(v1)
    assert len(json.dumps(v2)) < 0.6 * len(json.dumps(v1))  # a real TPMAP household: 47%
