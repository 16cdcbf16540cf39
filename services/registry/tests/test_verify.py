"""Field verification (ศจพ.1) on the Household aggregate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from faemban_domain.errors import InvalidInput
from faemban_domain.events.contracts import HouseholdVerifiedV1, MemberFacts
from faemban_domain.events.envelope import PERSONAL_KEYS
from faemban_registry.domain.household import FieldVerification, Household, Registration

FLAGS = ("income.average_income", "living.tidy_home", "access.elderly_care")

T1 = datetime(2026, 1, 5, tzinfo=UTC)
T2 = datetime(2026, 1, 6, tzinfo=UTC)


def household() -> Household:
    h = Household.register(
        "TP1",
        Registration(
            area_code="34070101",
            cohort_year=2019,
            source="tpmap",
            members=3,
            elderly=1,
            welfare_card_holders=1,
            total_income=90000,
            tpmap_failing_indicators=FLAGS,
        ),
    )
    h.collect_pending()
    h.version = 1
    return h


GRANDMA = MemberFacts(age=70, sex="female", welfare_card=True, elderly_allowance=True, annual_income=8400)
SON = MemberFacts(age=45, sex="male", has_occupation=True, annual_income=60000)
CHILD = MemberFacts(age=9, studying=True)


def verification(**over: object) -> FieldVerification:
    base: dict[str, object] = dict(
        survey_year=2022,
        marks={
            "income.average_income": "confirmed",
            "living.tidy_home": "rejected",
            "access.elderly_care": "confirmed",
        },
        new_failing=("education.compulsory",),
        field_status="lives_here",
        household_type="welfare",
        members=(GRANDMA, SON, CHILD),
    )
    base.update(over)
    return FieldVerification(**base)  # type: ignore[arg-type]


def test_verification_derives_category_and_results_for_every_indicator() -> None:
    h = household()
    assert h.verify(verification(), datetime(2026, 1, 5, 3, 4, 5, tzinfo=UTC)) == "partly_correct"
    [ev] = h.collect_pending()
    data = HouseholdVerifiedV1.model_validate(ev.data)
    results = data.indicator_results
    assert len(results) == 17
    assert results["income.average_income"].result == "fails"
    assert results["income.average_income"].established_by == "tpmap_confirmed"
    assert (
        results["living.tidy_home"].result == "met"
        and results["living.tidy_home"].established_by == "tpmap_rejected"
    )
    assert results["education.compulsory"].established_by == "new"
    assert results["education.preschool"].result == "not_applicable"  # nobody aged 3-5
    assert results["access.disabled_care"].result == "not_applicable"
    assert results["health.food_safety"].result == "met"
    assert data.total_income == 68400 and data.average_income == 22800
    assert not set(ev.data) & PERSONAL_KEYS
    assert h.verification and h.verification.verification_category == "partly_correct"


def test_a_failing_answer_that_cannot_apply_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput) as err:
        household().verify(verification(new_failing=("education.preschool",)), T1)
    [e] = err.value.errors
    assert e.field == "new_failing[0]" and "aged 3–5" in e.message
    with pytest.raises(InvalidInput) as err:
        household().verify(verification(members=(SON, CHILD)), T1)  # nobody 60+ to be cared for
    assert [e.field for e in err.value.errors] == ["indicators.access.elderly_care"]


def test_every_tpmap_flag_must_be_marked_and_new_ones_must_be_new() -> None:
    with pytest.raises(InvalidInput) as err:
        household().verify(
            verification(
                marks={"income.average_income": "confirmed", "health.exercise": "rejected"},
                new_failing=("living.tidy_home",),
            ),
            T1,
        )
    fields = {e.field for e in err.value.errors}
    assert fields == {
        "indicators.health.exercise",  # not flagged by TPMAP
        "indicators.access.elderly_care",  # flagged, not marked
        "indicators.living.tidy_home",  # flagged, not marked ...
        "new_failing[0]",  # ... and listed as new instead
    }


def test_a_reverification_supersedes_and_both_stay_in_the_stream() -> None:
    h = household()
    h.verify(verification(), T1)
    all_rejected = {code: "rejected" for code in FLAGS}
    assert h.verify(verification(marks=all_rejected, new_failing=()), T2) == "no_problem_found"
    events = h.collect_pending()
    assert [e.data["verification_category"] for e in events] == ["partly_correct", "no_problem_found"]
    assert h.verification and h.verification.verified_at == T2
