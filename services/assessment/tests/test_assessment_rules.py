"""docs/domain.md, "Assessment", rule by rule, with the edges: exactly 3 dimensions, income exactly 38,000 and
100,000, exactly 2 dependants, a dimension with no applicable indicator."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from conftest import ADULT, RULES, household
from faemban_assessment.domain import facts as f
from faemban_assessment.domain.assessment import assess
from faemban_domain import indicators
from faemban_domain.events.contracts import HouseholdRegisteredV1, MemberFacts

CODES_BY_DIMENSION = {
    "health": "health.food_safety",
    "living": "living.drinking_water",
    "education": "education.literacy",
    "income": "income.working_age_job",
    "access": "access.disabled_care",
}
DISABLED_ADULT = MemberFacts(
    age=40, physical_status="disabled", annual_income=200_000, disability_allowance=True
)


@pytest.mark.parametrize(
    ("dimensions", "critical"),
    [
        ([], False),
        (["health"], False),
        (["health", "living"], False),
        (["health", "living", "education"], True),  # exactly 3 of 5
        (["income", "living", "access"], True),
        (["health", "living", "education", "income", "access"], True),
    ],
)
def test_critical_means_at_least_three_deprived_dimensions(dimensions: list[str], critical: bool) -> None:
    a = assess(household([CODES_BY_DIMENSION[d] for d in dimensions], [DISABLED_ADULT]), RULES)
    assert list(a.deprived_dimensions) == [d for d in indicators.DIMENSIONS if d in dimensions]
    assert a.critical is critical
    assert a.mpi_poor is bool(dimensions)


def test_two_failing_indicators_in_one_dimension_deprive_one_dimension() -> None:
    a = assess(household(["living.drinking_water", "living.tidy_home"]), RULES)
    assert a.deprived_dimensions == ("living",) and a.mpi_poor and not a.critical


@pytest.mark.parametrize(
    ("average", "result"),
    [(37_999.99, "fails"), (38_000, "met"), (38_000.01, "met"), (0, "fails")],
)
def test_average_income_indicator_against_the_years_threshold(average: float, result: str) -> None:
    a = assess(household(average_income=average), RULES)
    assert a.indicator_results["income.average_income"].result == result
    assert a.indicator_results["income.average_income"].basis == "income_figures"


def test_without_income_figures_the_field_finding_stands() -> None:
    a = assess(household(["income.average_income"], average_income=None), RULES)
    assert a.indicator_results["income.average_income"].result == "fails"
    assert a.indicator_results["income.average_income"].basis == "field"


@pytest.mark.parametrize(
    ("ages", "statuses", "expected"),
    [
        ([40], ["normal"], 0),
        ([14, 40], ["normal", "normal"], 1),  # 14: a child
        ([15, 40], ["normal", "normal"], 0),  # 15: working age
        ([59, 40], ["normal", "normal"], 0),
        ([60, 40], ["normal", "normal"], 1),  # 60: elderly
        ([0, 40], ["normal", "normal"], 1),
        ([40, 30], ["disabled", "normal"], 1),
        ([40, 30], ["bedridden", "normal"], 1),
        ([40, 30], ["chronically_ill", "normal"], 0),  # ill but not known unable to self-care
        ([75, 30], ["disabled", "normal"], 1),  # elderly AND disabled: counted once
        ([70, 48, 14], ["normal", "disabled", "normal"], 3),
    ],
)
def test_dependants_are_counted_once_each(ages: list[int], statuses: list[str], expected: int) -> None:
    members = [MemberFacts(age=a, physical_status=s) for a, s in zip(ages, statuses, strict=True)]  # type: ignore[arg-type]
    assert assess(household(members=members), RULES).vulnerability.dependants == expected


def _members_with(dependants: int) -> list[MemberFacts]:
    return [ADULT, *(MemberFacts(age=8) for _ in range(dependants))]


@pytest.mark.parametrize(
    ("average", "dependants", "housing", "level"),
    [
        (200_000, 3, False, 0),  # not low income: level 0 whatever the dependants
        (100_000.01, 3, True, 0),
        (100_000, 0, False, 1),  # exactly 100,000 is low income (≤)
        (100_000, 0, True, 1),  # with a housing problem: still level 1
        (100_000, 1, False, 2),
        (90_000, 2, False, 2),  # exactly 2 dependants: level 2
        (90_000, 3, False, 3),  # more than 2: level 3
    ],
)
def test_vulnerability_level(average: float, dependants: int, housing: bool, level: int) -> None:
    failing = ["living.housing_security"] if housing else []
    a = assess(household(failing, _members_with(dependants), average_income=average), RULES)
    assert a.vulnerability.level == level
    assert a.vulnerability.housing_problem is housing
    assert a.vulnerability.low_income is (level > 0)


def test_an_income_deprived_household_is_low_income_whatever_its_average() -> None:
    a = assess(household(["income.working_age_job"], _members_with(1), average_income=150_000), RULES)
    assert a.vulnerability.low_income and a.vulnerability.level == 2
    assert "income dimension deprived" in a.vulnerability.reason


@pytest.mark.parametrize(
    ("failing", "survive"),
    [
        ([], True),
        (["education.literacy", "access.disabled_care"], True),  # not income, living or health
        (["health.food_safety"], False),
        (["living.tidy_home"], False),
        (["income.working_age_job"], False),
    ],
)
def test_survive_means_no_deprivation_in_income_living_and_health(failing: list[str], survive: bool) -> None:
    assert assess(household(failing, [DISABLED_ADULT]), RULES).survive is survive


def test_tpmap_poor_latest_needs_a_welfare_card_and_mpi_poor() -> None:
    assert assess(household(["living.tidy_home"], welfare_card=True), RULES).tpmap_poor_latest
    assert not assess(household(["living.tidy_home"]), RULES).tpmap_poor_latest
    assert not assess(household([], welfare_card=True), RULES).tpmap_poor_latest


def test_af_score_splits_each_dimension_among_its_applicable_indicators() -> None:
    # One adult of 40: health has food, medicine, exercise (birth weight does not apply) → 1/15 each;
    # living 4 → 1/20 each; education only literacy → 1/5; income job + average (no elderly) → 1/10;
    # access: nothing applies (no elderly, no disabled) — the weight stays unreachable.
    a = assess(household(["health.food_safety", "living.tidy_home", "education.literacy"]), RULES)
    assert a.af_score == Fraction(1, 15) + Fraction(1, 20) + Fraction(1, 5)
    assert "access.elderly_care" not in a.applicable and "access.disabled_care" not in a.applicable
    worst = assess(household(list(RULES.codes), average_income=None), RULES)
    assert worst.af_score == Fraction(4, 5)  # the access fifth cannot be reached without its members
    assert worst.deprived_dimensions == ("health", "living", "education", "income")


def test_af_weights_are_configuration() -> None:
    rules = indicators.rule_set(
        2030,
        json.dumps(
            {
                "rule_sets": [
                    {
                        "effective_from_survey_year": 2030,
                        "based_on": 2019,
                        "assessment": {
                            "dimension_weights": {
                                "health": 0.1,
                                "living": 0.1,
                                "education": 0.2,
                                "income": 0.4,
                                "access": 0.2,
                            }
                        },
                    }
                ]
            }
        ),
    )
    a = assess(household(["income.working_age_job"]), rules)
    assert a.af_score == Fraction(2, 10)  # 0.4 split between job and average income


def test_an_indicator_that_no_longer_applies_cannot_fail() -> None:
    a = assess(household(["education.compulsory"], [ADULT]), RULES)  # no child 6–14 any more
    assert a.indicator_results["education.compulsory"].result == "not_applicable"
    assert not a.mpi_poor


def test_tpmap_counts_only_household() -> None:
    facts = f.registered(
        HouseholdRegisteredV1(
            household_id="H1",
            source="tpmap",
            chronically_ill=0,
            area_code="34070101",
            cohort_year=2024,
            members=4,
            welfare_card_holders=1,
            elderly=2,
            disabled=1,
            total_income=100_000,
            average_income=25_000,
            tpmap_failing_indicators=["education.compulsory", "living.tidy_home"],
        )
    )
    a = assess(facts, RULES)
    # Flagged: it applies; the elderly and disabled counts make theirs apply; other ages are unknown.
    assert a.indicator_results["education.compulsory"].result == "fails"
    assert a.indicator_results["access.elderly_care"].result == "met"
    assert a.indicator_results["education.preschool"].result == "not_applicable"
    assert a.indicator_results["income.average_income"].result == "fails"  # 25,000 < 38,000
    assert a.vulnerability.dependants == 2 and not a.vulnerability.dependants_from_members
    assert a.vulnerability.level == 2
    assert "child_3_14" in a.cdd.unknown_burdens and a.tpmap_poor_latest


@pytest.mark.parametrize(
    ("average", "card", "vulnerable"),
    [(99_999, False, True), (100_000, False, False), (50_000, True, False)],
)
def test_cdd_low_income_without_a_welfare_card(average: float, card: bool, vulnerable: bool) -> None:
    a = assess(household(average_income=average, welfare_card=card), RULES)
    assert a.cdd.vulnerable is vulnerable
    assert "farmer_not_registered" in a.cdd.unknown_criteria  # farming registration is not recorded


def test_cdd_burdens_from_the_members() -> None:
    members = [
        ADULT,
        MemberFacts(age=3),
        MemberFacts(age=66, elderly_allowance=False),
        MemberFacts(age=30, physical_status="disabled", disability_allowance=False),
        MemberFacts(age=50, physical_status="bedridden"),
    ]
    a = assess(household(["living.housing_security"], members), RULES)
    assert a.cdd.burdens == (
        "insecure_housing",
        "child_3_14",
        "elderly_without_allowance",
        "disabled_without_allowance",
        "chronically_ill_unable_to_self_care",
    )
    covered = [ADULT, MemberFacts(age=66, elderly_allowance=True)]
    assert assess(household([], covered), RULES).cdd.burdens == ()


def test_the_assessment_serialises_into_its_public_contract() -> None:
    from faemban_domain.events.contracts import IndicatorAssessedV1

    data: dict[str, Any] = {
        "household_id": "H1",
        "area_code": "34070101",
        **assess(household(["living.tidy_home"]), RULES).to_json(),
        "outcome": "none",
        "as_of": "2025-01-01T00:00:00+00:00",
        "cause": "verified",
    }
    published = IndicatorAssessedV1.model_validate(data)  # raises on a field the contract lacks
    assert published.failing_indicators == ["living.tidy_home"] and published.deprived_dimensions == [
        "living"
    ]
