"""Shared facts: indicator catalogue, areas, citizen ids, Thai normalisation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from faemban_domain import areas, indicators
from faemban_domain.citizen_id import check_digit, is_valid_citizen_id
from faemban_domain.thai import normalise_year, parse_date, parse_number, thai_digits_to_arabic


def test_catalogue_has_the_17_indicators_of_domain_5() -> None:
    rs = indicators.rule_set(2022)
    assert len(rs.indicators) == 17
    assert rs.income_threshold_baht == 38000
    assert [i.code for i in rs.by_dimension("income")] == [
        "income.working_age_job",
        "income.elderly_income",
        "income.average_income",
    ]
    assert sorted(i.sjp2_no for i in rs.indicators) == list(range(1, 18))
    assert rs.indicator("access.disabled_care").jpt_no == 28
    assert rs.indicator("education.preschool").sjp1_column == "3-5 ปี เตรียม"
    assert {i.dimension for i in rs.indicators} == set(indicators.DIMENSIONS)


def test_rule_set_lookup_is_by_survey_year() -> None:
    assert indicators.rule_set(2030).effective_from_survey_year == 2019
    with pytest.raises(LookupError):
        indicators.rule_set(2000)


def test_areas_come_from_geothai_with_parents_and_villages() -> None:
    ubon = areas.area("34")
    assert ubon is not None and ubon.name_en == "Ubon Ratchathani"
    det = areas.area("3407")
    assert det is not None and det.name_th == "เดชอุดม" and det.parent_code == "34"
    sub = areas.area("340101")
    assert sub is not None and sub.level == "subdistrict" and sub.parent_code == "3401"
    village = areas.area("34010105")
    assert village is not None and village.level == "village" and village.name_th == "หมู่ที่ 5"
    assert areas.area("34010100") is None  # หมู่ 0 does not exist
    assert areas.area("349999") is None
    assert areas.area("3x") is None
    assert all(c.parent_code == "34" for c in areas.children("34"))
    assert len(areas.children("34")) == 25  # Ubon's 25 districts (seed 001)
    assert areas.is_within("34070102", "3407") and not areas.is_within("34070102", "3408")
    assert areas.ancestor("34070102", "district") == "3407"


def test_citizen_id_checksum() -> None:
    body = "110170012345"
    good = body + str(check_digit(body))
    assert is_valid_citizen_id(good)
    assert is_valid_citizen_id(f"{good[0]}-{good[1:5]}-{good[5:10]}-{good[10:12]}-{good[12]}")
    bad = body + str((check_digit(body) + 1) % 10)
    assert not is_valid_citizen_id(bad)
    assert not is_valid_citizen_id("12345")
    assert not is_valid_citizen_id("")
    thai = good.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert is_valid_citizen_id(thai)


def test_check_digit_matches_formula() -> None:
    # d13 = (11 - sum(d_i * (14 - i)) mod 11) mod 10, worked by hand for 3-4101-00123-45-?
    digits = "341010012345"
    total = sum(int(d) * (14 - i) for i, d in enumerate(digits, start=1))
    assert check_digit(digits) == (11 - total % 11) % 10


def test_thai_digits_and_buddhist_era() -> None:
    assert thai_digits_to_arabic("๓๔๐๗") == "3407"
    assert normalise_year(2562) == 2019 and normalise_year(2019) == 2019
    assert parse_date("๑๕/๐๑/๒๕๖๕") == date(2022, 1, 15)
    assert parse_date("2022-01-15") == date(2022, 1, 15)
    assert parse_number("๓๘,๐๐๐") == 38000.0
    assert parse_number("  ") is None
    with pytest.raises(ValueError, match="not a date"):
        parse_date("yesterday")


def test_a_configured_survey_year_overrides_the_threshold_and_keeps_the_old_rules() -> None:
    configured = json.dumps(
        {
            "rule_sets": [
                {
                    "effective_from_survey_year": 2030,
                    "based_on": 2019,
                    "income_threshold_baht": 40000,
                    "indicator_codes": [
                        c for c in indicators.rule_set(2019).codes if c != "health.birth_weight"
                    ],
                    "assessment": {"low_income_line_baht": 120000, "cutoff_k": 0.4},
                }
            ]
        }
    )
    new = indicators.rule_set(2031, configured)
    assert new.effective_from_survey_year == 2030 and new.income_threshold_baht == 40000
    assert len(new.indicators) == 16 and "health.birth_weight" not in new.codes
    assert new.assessment.low_income_line_baht == 120000 and new.assessment.cutoff_k == 0.4
    assert new.assessment.child_max_age == 14  # defaults where the file is silent
    old = indicators.rule_set(2029, configured)
    assert old.income_threshold_baht == 38000 and old.fingerprint != new.fingerprint
    assert old.fingerprint == indicators.rule_set(2024).fingerprint


def test_rule_sets_come_from_a_file_too(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([{"effective_from_survey_year": 2028, "based_on": 2019}]))
    assert indicators.rule_set(2028, str(path)).effective_from_survey_year == 2028


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"effective_from_survey_year": 2030}, "either indicators or based_on"),
        ({"effective_from_survey_year": 2030, "based_on": 2000}, "no earlier rule set"),
        ({"effective_from_survey_year": 2030, "based_on": 2019, "indicator_codes": ["x.y"]}, "x.y"),
        (
            {
                "effective_from_survey_year": 2030,
                "based_on": 2019,
                "assessment": {
                    "dimension_weights": {"health": 1, "living": 1, "education": 0, "income": 0, "access": 0}
                },
            },
            "add up to 1",
        ),
        ({"effective_from_survey_year": 2019, "based_on": 2019}, "two rule sets"),
    ],
)
def test_a_bad_rule_set_is_refused_with_the_reason(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        indicators.rule_set(2030, json.dumps({"rule_sets": [spec]}))
