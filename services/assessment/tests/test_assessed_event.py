"""The ``Assessed`` event is put together without validation (ADR 0024): for households across
the rules' range it is exactly what validating the same data makes, and a sampled check
catches one that breaks the contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from test_assessment_rules import ADULT, RULES, household

from faemban_assessment.domain import events as ev
from faemban_assessment.domain.assessment import assess
from faemban_assessment.domain.household import assessed_event
from faemban_domain.events.checks import SampledCheck, contract_checks
from faemban_domain.events.contracts import MemberFacts

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CHILD = MemberFacts(age=8, annual_income=0)
ELDER = MemberFacts(age=82, annual_income=0, physical_status="disabled")


@pytest.mark.parametrize(
    "facts",
    [
        household(),
        household(failing=sorted(RULES.codes)[:5], members=[ADULT, CHILD, ELDER], average_income=12_000),
        household(failing=RULES.codes, members=[ELDER], average_income=None, welfare_card=True),
        household(failing=["health.food_safety"], members=[CHILD, ADULT], average_income=38_000),
    ],
)
def test_the_constructed_event_is_what_validation_makes(facts: object) -> None:
    assessment = assess(facts, RULES)  # type: ignore[arg-type]
    built = assessed_event(
        assessment,
        household_id="TP34070100001",
        area_code="34070101",
        outcome="survive" if assessment.survive else "none",
        as_of=AT,
        cause="registered",
    )
    validated = ev.Assessed.model_validate(built.model_dump())
    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()
    assert type(built.vulnerability) is type(validated.vulnerability)
    assert type(next(iter(built.indicator_results.values()))) is type(
        next(iter(validated.indicator_results.values()))
    )


def test_a_sampled_check_validates_the_first_of_each_kind_and_one_in_every() -> None:
    check = SampledCheck(every=3)
    assert [check.due("Assessed") for _ in range(7)] == [True, False, False, True, False, False, True]
    assert check.due("Other") is True


def test_an_event_that_breaks_its_contract_is_refused_when_checked() -> None:
    assert contract_checks.every == 1  # the tests check every built event (conftest)
    assessment = assess(household(), RULES)
    with pytest.raises(ValidationError, match="area_code"):
        assessed_event(
            assessment,
            household_id="TP34070100001",
            area_code="Bangkok",
            outcome="none",
            as_of=AT,
            cause="registered",
        )
