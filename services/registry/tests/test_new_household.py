"""Form ศจพ.2: answers, sub-items, contradictions both ways, computed income (unit)."""

from __future__ import annotations

import pytest

from faemban_domain import indicators
from faemban_domain.events.contracts import MemberFacts
from faemban_registry.domain.new_household import IndicatorAnswer, evaluate

RULES = indicators.rule_set(2022)
ADULT = MemberFacts(age=40, has_occupation=True, annual_income=60000)
CHILD_4 = MemberFacts(age=4)


def answers(**over: IndicatorAnswer) -> dict[str, IndicatorAnswer]:
    """Everything met for a household of one adult, with overrides."""
    base = {
        code: IndicatorAnswer("met")
        for code in (
            "health.food_safety",
            "health.medicine_use",
            "health.exercise",
            "living.housing_security",
            "living.drinking_water",
            "living.household_water",
            "living.tidy_home",
            "education.literacy",
            "income.working_age_job",
        )
    }
    base.update({k.replace("__", "."): v for k, v in over.items()})
    return base


def test_preschool_fails_without_a_child_of_3_to_5_is_refused_naming_the_indicator() -> None:
    result, errors = evaluate(RULES, answers(education__preschool=IndicatorAnswer("fails")), [ADULT])
    assert result is None
    assert [(e.field, e.message) for e in errors] == [
        ("indicators.education.preschool", "education.preschool cannot fail: no member is aged 3–5")
    ]


def test_preschool_fails_with_a_child_of_4_is_accepted_as_new() -> None:
    result, errors = evaluate(RULES, answers(education__preschool=IndicatorAnswer("fails")), [ADULT, CHILD_4])
    assert errors == [] and result is not None
    assert result.results["education.preschool"] == {"result": "fails", "established_by": "new"}
    assert result.results["education.compulsory"]["result"] == "not_applicable"


def test_not_applicable_where_it_applies_is_refused() -> None:
    _, errors = evaluate(
        RULES, answers(education__preschool=IndicatorAnswer("not_applicable")), [ADULT, CHILD_4]
    )
    assert [(e.field, e.message) for e in errors] == [
        ("indicators.education.preschool", "education.preschool is applicable: a member is aged 3–5")
    ]


def test_an_applicable_question_left_unanswered_is_named() -> None:
    a = answers()
    del a["living.drinking_water"]
    _, errors = evaluate(RULES, a, [ADULT])
    assert [e.field for e in errors] == ["indicators.living.drinking_water"]


@pytest.mark.parametrize(
    ("items", "result"), [((True, True, True, True), "met"), ((True, True, False, True), "fails")]
)
def test_sub_items_decide_the_indicator(items: tuple[bool, ...], result: str) -> None:
    res, errors = evaluate(RULES, answers(health__food_safety=IndicatorAnswer(sub_items=items)), [ADULT])
    assert errors == [] and res is not None
    assert res.results["health.food_safety"]["result"] == result


def test_sub_items_must_match_the_form_and_the_answer() -> None:
    _, errors = evaluate(RULES, answers(living__tidy_home=IndicatorAnswer(sub_items=(True,) * 7)), [ADULT])
    assert [(e.field, e.message) for e in errors] == [
        ("indicators.living.tidy_home.sub_items", "living.tidy_home has 8 sub-items, 7 given")
    ]
    _, errors = evaluate(
        RULES, answers(living__housing_security=IndicatorAnswer("met", sub_items=(True, False))), [ADULT]
    )
    assert [e.field for e in errors] == ["indicators.living.housing_security"]


def test_average_income_is_computed_from_member_incomes() -> None:
    poor = MemberFacts(age=40, has_occupation=True, annual_income=30000)
    res, errors = evaluate(RULES, answers(), [poor, MemberFacts(age=16, studying=True)])
    assert errors == [] and res is not None and res.average_income == 15000  # a student earns 0
    res, errors = evaluate(RULES, answers(), [poor])
    assert errors == [] and res is not None
    assert res.total_income == 30000 and res.average_income == 30000
    assert res.results["income.average_income"] == {"result": "fails", "established_by": "new"}
    _, errors = evaluate(RULES, answers(income__average_income=IndicatorAnswer("met")), [poor])
    assert [e.field for e in errors] == ["indicators.income.average_income"]
    assert "30,000 baht per person per year is below 38,000" in errors[0].message


def test_average_income_must_be_answered_when_no_income_is_given() -> None:
    _, errors = evaluate(RULES, answers(), [MemberFacts(age=40, has_occupation=True)])
    assert [e.field for e in errors] == ["indicators.income.average_income"]
    res, errors = evaluate(
        RULES,
        answers(income__average_income=IndicatorAnswer("met")),
        [MemberFacts(age=40, has_occupation=True)],
    )
    assert errors == [] and res is not None and res.average_income is None


def test_unknown_indicator_is_named() -> None:
    _, errors = evaluate(RULES, answers(health__nope=IndicatorAnswer("met")), [ADULT])
    assert [e.field for e in errors] == ["indicators.health.nope"]
