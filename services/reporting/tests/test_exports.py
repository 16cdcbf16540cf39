"""Report exports: no cell becomes a formula, numbers stay numbers, Thai headers."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from faemban_reporting.adapters.exports import escalations_table, safe_cell, table_csv, table_xlsx

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "ปกติ", "a=b"]


def test_csv_cells_that_could_be_formulas_are_plain_text() -> None:
    assert [safe_cell(v) for v in HOSTILE] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "ปกติ",
        "a=b",
    ]
    assert safe_cell(-5) == -5  # numbers are not text
    rows = list(csv.reader(io.StringIO(table_csv([HOSTILE, [1, 2.5]]).decode("utf-8-sig"))))
    assert all(not c.startswith(("=", "+", "-", "@")) for c in rows[0])
    assert rows[1] == ["1", "2.5"]


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers() -> None:
    book = load_workbook(io.BytesIO(table_xlsx({"s": [HOSTILE, [1, 2.5, None]]})))
    ws = book["s"]
    assert [c.value for c in ws[1]] == HOSTILE and all(c.data_type == "s" for c in ws[1])
    assert [c.value for c in ws[2]][:2] == [1, 2.5]


def _level(**n: int) -> dict[str, Any]:
    return {"open": 0, "accepted": 0, "resolved": 0, "returned": 0, "oldest_open_days": None, **n}


def test_the_escalation_table_has_thai_headers_and_a_total() -> None:
    levels = {
        "subdistrict": _level(resolved=2),
        "district": _level(open=1, oldest_open_days=4),
        "province": _level(),
        "national": _level(),
    }
    summary = {
        "cases": 3,
        "resolved": 2,
        "resolved_at_subdistrict_or_district": 2,
        "share_resolved_locally": 1.0,
    }
    report = {
        "area": "48",
        "level": "district",
        "rows": [{"area_code": "4801", "area_name_th": "เมืองนครพนม", "case_levels": levels, **summary}],
        "total": {"case_levels": levels, **summary},
    }
    table = escalations_table(report)
    assert table[0][:3] == ["ที่", "อำเภอ", "รหัสพื้นที่"] and "ระดับอำเภอ: รอดำเนินการ" in table[0]
    assert table[1][:3] == [1, "เมืองนครพนม", "4801"] and table[-1][1] == "รวม"
    assert table[1][table[0].index("ระดับอำเภอ: ค้างนานสุด (วัน)")] == 4
    assert table[1][-1] == 1.0 and len({len(r) for r in table}) == 1


def test_verification_progress_exports_with_thai_headers_and_numbers() -> None:
    from faemban_reporting.adapters.exports import PROGRESS_COLUMNS, progress_table

    measures: dict[str, Any] = {
        "households": 5,
        "to_verify": 2,
        "returned": 1,
        "verified": 3,
        "by_category": {
            "all_correct": 1,
            "partly_correct": 1,
            "entirely_wrong": 0,
            "no_problem_found": 1,
            "new_household": 0,
        },
        "certified": 2,
        "approved": 1,
        "late": {"verified": 0, "certified": 1, "approved": 0},
        "overdue": None,
    }
    report = {
        "area": "34",
        "level": "district",
        "rows": [{"area_code": "3401", "area_name_th": '=HYPERLINK("x")', **measures}],
        "total": measures,
    }
    table = progress_table(report)
    assert table[0][3:] == [th for _, th in PROGRESS_COLUMNS] and table[0][1] == "อำเภอ"
    assert table[1][3:8] == [5, 2, 1, 3, 1] and table[1][-3:] == [None, None, None]
    assert table[-1][1] == "รวม"
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")
