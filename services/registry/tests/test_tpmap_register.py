"""Reading TPMAP register rows: every problem named by row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faemban_domain import tpmap_register
from faemban_domain.citizen_id import check_digit
from faemban_registry.adapters.register_files import open_rows
from faemban_registry.domain.tpmap_register import RegisterParser, RegisterRow, RowError

NAMES = [c.name for c in tpmap_register.all_columns()]
TWELVE = "341070012345"
GOOD_ID = TWELVE + str(check_digit(TWELVE))


def row(**over: Any) -> list[Any]:
    base: dict[str, Any] = {n: "" for n in NAMES}
    base.update(
        household_id="TP1",
        cohort_year="2562",
        province_code="34",
        district_code="3407",
        subdistrict_code="340701",
        village_no="3",
        head_first_name="สมร",
        head_citizen_id=GOOD_ID,
        members="4",
        welfare_card_holders="2",
        elderly="1",
        disabled="1",
        chronically_ill="0",
        total_income="120000",
        lat="15.2",
        lon="104.9",
    )
    base["income.average_income"] = "1"
    base.update(over)
    return [base[n] for n in NAMES]


def parser(
    in_scope: str = "34", default_year: int | None = None, header: list[str] | None = None
) -> RegisterParser:
    return RegisterParser(
        header or NAMES, default_cohort_year=default_year, in_scope=lambda a: a.startswith(in_scope)
    )


def test_a_good_row_becomes_a_registration_with_personal_facts_apart() -> None:
    parsed = parser().parse(2, row())
    assert isinstance(parsed, RegisterRow)
    assert parsed.registration.area_code == "34070103"
    assert parsed.registration.cohort_year == 2019
    assert parsed.registration.tpmap_failing_indicators == ("income.average_income",)
    assert parsed.personal.head_first_name == "สมร" and parsed.personal.head_citizen_id == GOOD_ID


@pytest.mark.parametrize(
    ("over", "column"),
    [
        ({"head_citizen_id": TWELVE + str((check_digit(TWELVE) + 1) % 10)}, "head_citizen_id"),
        ({"subdistrict_code": "340799"}, "subdistrict_code"),
        ({"subdistrict_code": "350101"}, "subdistrict_code"),
        ({"members": "four"}, "members"),
        ({"members": ""}, "members"),
        ({"members": "2.5"}, "members"),
        ({"welfare_card_holders": "9"}, "welfare_card_holders"),
        ({"village_no": "0"}, "village_no"),
        ({"lat": "25.1"}, "lat"),
        ({"lon": ""}, "lon"),
        ({"head_sex": "?"}, "head_sex"),
        ({"living.tidy_home": "yes"}, "living.tidy_home"),
        ({"household_id": ""}, "household_id"),
    ],
)
def test_each_bad_cell_is_reported_with_row_and_column(over: dict[str, Any], column: str) -> None:
    parsed = parser().parse(7, row(**over))
    assert isinstance(parsed, list)
    assert RowError(7, column, parsed[0].message) in parsed
    assert {e.row for e in parsed} == {7}


def test_all_problems_of_a_row_are_reported_together() -> None:
    parsed = parser().parse(3, row(members="x", village_no="abc", lat="1"))
    assert isinstance(parsed, list)
    assert {e.column for e in parsed} == {"members", "village_no", "lat"}


def test_rows_outside_the_callers_areas_are_rejected() -> None:
    parsed = parser(in_scope="3408").parse(2, row())
    assert isinstance(parsed, list) and parsed[0].column == "subdistrict_code"
    assert "outside your areas" in parsed[0].message


def test_thai_headers_thai_digits_and_buddhist_era() -> None:
    thai_header = [c.thai[0] if c.thai else c.name for c in tpmap_register.all_columns()]
    cells = row(cohort_year="๒๕๖๔", members="๕", village_no="๑๒", total_income="๑๒๐,๐๐๐")
    parsed = parser(header=thai_header).parse(2, cells)
    assert isinstance(parsed, RegisterRow), parsed
    assert parsed.registration.cohort_year == 2021
    assert parsed.registration.members == 5 and parsed.registration.area_code == "34070112"
    assert parsed.registration.total_income == 120000.0


def test_missing_required_columns_and_year_are_header_errors() -> None:
    p = parser(header=[n for n in NAMES if n not in ("members", "cohort_year")])
    assert {(e.row, e.column) for e in p.header_errors} == {(1, "members"), (1, "cohort_year")}
    p = parser(header=[n for n in NAMES if n != "cohort_year"], default_year=2019)
    assert p.header_errors == []


def test_files_in_every_accepted_encoding_read_the_same(tmp_path: Path) -> None:
    text = "household_id,village_name\nTP1,บ้านโนนสว่าง\n"
    for encoding in ("utf-8", "utf-8-sig", "cp874"):
        path = tmp_path / f"f-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert [cells for _, cells in open_rows(path)] == [
            ["household_id", "village_name"],
            ["TP1", "บ้านโนนสว่าง"],
        ]
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["household_id", "members"])
    wb.active.append(["TP1", 4])
    wb.save(tmp_path / "f.xlsx")
    assert list(open_rows(tmp_path / "f.xlsx")) == [(1, ["household_id", "members"]), (2, ["TP1", 4])]


def test_binary_or_broken_files_are_unreadable_not_crashes(tmp_path: Path) -> None:
    from faemban_registry.adapters.register_files import UnreadableFile

    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"household_id\x00,x\nTP1,1\n")
    with pytest.raises(UnreadableFile, match="NUL"):
        list(open_rows(nul))
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes([0xFF, 0xFE, 0xDB]) * 10)
    with pytest.raises(UnreadableFile):
        list(open_rows(junk))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is no workbook")
    with pytest.raises(UnreadableFile):
        list(open_rows(broken))
