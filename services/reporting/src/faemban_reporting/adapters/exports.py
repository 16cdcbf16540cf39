"""CSV and XLSX renderings of the reports under Thai headers (seed tables' where they exist).

Every text cell is neutralised against formula injection: in CSV a cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of evaluating it; in XLSX every text cell is typed as
a string (never a formula). Numbers stay numbers in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from faemban_domain.indicators import DIMENSIONS, dimensions, rule_sets
from faemban_reporting.domain.kpis import LABELS_TH, RATIOS
from faemban_reporting.domain.register_summary import (
    LEVEL_HEADER,
    MEASURES,
    ROW_NO_HEADER,
    THAI_HEADERS,
    TOTAL_LABEL,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Table = Sequence[Sequence[Any]]


def safe_cell(value: Any) -> Any:
    """A text cell that could be read as a formula, made plain text; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: Table) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([[safe_cell(v) for v in row] for row in table])
    return buf.getvalue().encode("utf-8-sig")  # BOM: Thai Excel opens it as UTF-8


def table_xlsx(sheets: Mapping[str, Table]) -> bytes:
    """One sheet per table; the first row and a last "รวม" row in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, table in sheets.items():
        ws = wb.create_sheet(title[:31])
        for row in table:
            ws.append(list(row))
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even "=…": openpyxl would write a formula
        for cell in ws[1]:
            cell.font = Font(bold=True)
        if ws.max_row > 1 and TOTAL_LABEL in [c.value for c in ws[ws.max_row]]:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _flat(entry: dict[str, Any]) -> list[int]:
    values = {
        "target_households": entry["target_households"],
        "welfare_card_holders": entry["welfare_card_holders"],
        "members": entry["members"],
        "target_poor_persons": entry["target_poor_persons"],
        **{f"{d}_households": entry["dimension_households"][d] for d in DIMENSIONS},
    }
    return [values[m] for m in MEASURES]


def summary_table(summary: dict[str, Any]) -> list[list[Any]]:
    header = [ROW_NO_HEADER, LEVEL_HEADER[summary["level"]], *(THAI_HEADERS[m] for m in MEASURES)]
    body = [[i, row["area_name_th"], *_flat(row)] for i, row in enumerate(summary["rows"], start=1)]
    return [header, *body, ["", TOTAL_LABEL, *_flat(summary["total"])]]


CASE_LEVEL_TH = {"subdistrict": "ตำบล", "district": "อำเภอ", "province": "จังหวัด", "national": "ส่วนกลาง"}
CASE_STATE_TH = {"open": "รอดำเนินการ", "accepted": "รับเรื่องแล้ว", "resolved": "แก้ไขแล้ว", "returned": "ส่งคืน"}
"""No seed table gives these headers: Thai words of the forms' vocabulary (ระดับ, ส่งคืน, …)."""


def escalations_table(report: dict[str, Any]) -> list[list[Any]]:
    """Per area: for each case level its counts by state and the oldest unresolved case's days,
    then the cases, the resolved and the share resolved at subdistrict or district."""
    levels = list(CASE_LEVEL_TH)
    header = [ROW_NO_HEADER, LEVEL_HEADER[report["level"]], "รหัสพื้นที่"]
    for lvl in levels:
        header += [f"ระดับ{CASE_LEVEL_TH[lvl]}: {CASE_STATE_TH[s]}" for s in CASE_STATE_TH]
        header.append(f"ระดับ{CASE_LEVEL_TH[lvl]}: ค้างนานสุด (วัน)")
    header += ["จำนวนเรื่องทั้งหมด", "แก้ไขแล้ว", "แก้ไขได้ในระดับตำบลหรืออำเภอ", "สัดส่วนแก้ไขในพื้นที่"]

    def cells(entry: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for lvl in levels:
            counts = entry["case_levels"][lvl]
            out += [counts[s] for s in CASE_STATE_TH] + [counts["oldest_open_days"]]
        return out + [
            entry["cases"],
            entry["resolved"],
            entry["resolved_at_subdistrict_or_district"],
            entry["share_resolved_locally"],
        ]

    body = [
        [i, row["area_name_th"], row["area_code"], *cells(row)]
        for i, row in enumerate(report["rows"], start=1)
    ]
    return [header, *body, ["", TOTAL_LABEL, report["area"], *cells(report["total"])]]


KPI_HEADER = ["ตัวชี้วัด", "KPI", "ตัวตั้ง", "ตัวหาร", "ร้อยละ", "ค่าเป้าหมาย (ร้อยละ)", "ผลการประเมิน"]
MET_TH = {True: "ผ่าน", False: "ไม่ผ่าน", None: ""}
OUTCOME_TH = {"survive": "อยู่รอด", "sufficient": "พอเพียง", "sustainable": "ยั่งยืน"}


def _kpi_lines(entry: dict[str, Any]) -> list[list[Any]]:
    """One line per KPI: shares with numerator, denominator, percentage, target and met;
    counts (team load, outcome ladder, vulnerability levels) as a number per line."""
    lines: list[list[Any]] = []
    for name in RATIOS:
        k = entry[name]
        pct = k["percentage"]
        lines.append(
            [LABELS_TH[name], name, k["numerator"], k["denominator"], pct, k["target"], MET_TH[k["met"]]]
        )
    load = entry["mentor_team_load"]
    for part in ("teams", "households", "min", "median", "max", "teams_over_max"):
        lines.append([f"{LABELS_TH['mentor_team_load']}: {part}", f"mentor_team_load.{part}", load[part]])
    for outcome, n in entry["outcomes"].items():
        lines.append([f"ผลการพัฒนา: {OUTCOME_TH[outcome]}", f"outcomes.{outcome}", n])
    for lvl, n in entry["vulnerability_levels"].items():
        lines.append([f"{LABELS_TH['vulnerability_levels']} {lvl}", f"vulnerability_levels.{lvl}", n])
    return lines


def kpis_table(report: dict[str, Any]) -> list[list[Any]]:
    """Long form: for each area (then the total) a line per KPI."""
    header = [LEVEL_HEADER[report["level"]], "รหัสพื้นที่", *KPI_HEADER]
    body: list[list[Any]] = []
    for row in report["rows"]:
        body += [[row["area_name_th"], row["area_code"], *line] for line in _kpi_lines(row)]
    body += [[TOTAL_LABEL, report["area"], *line] for line in _kpi_lines(report["total"])]
    return [header, *body]


def mpi_table(report: dict[str, Any]) -> list[list[Any]]:
    """Per area: households and persons — assessed, MPI poor, critical, each dimension, each
    indicator (its จปฐ. label) — then H, A, M0."""
    total = report["total"]
    dims = list(DIMENSIONS)
    inds = list(total["indicators"])
    labels = indicator_labels()
    header = [ROW_NO_HEADER, LEVEL_HEADER[report["level"]], "รหัสพื้นที่", "ครัวเรือน", "คน"]
    header += ["ครัวเรือนยากจน MPI", "คนยากจน MPI", "ครัวเรือนวิกฤต", "คนในครัวเรือนวิกฤต"]
    for d in dims:
        header += [f"ครัวเรือนตกเกณฑ์ด้าน{DIMENSION_TH[d]}", f"คนตกเกณฑ์ด้าน{DIMENSION_TH[d]}"]
    for code in inds:
        label = labels.get(code, code)
        header += [f"ครัวเรือนตกเกณฑ์ {label} ({code})", f"คนตกเกณฑ์ {label} ({code})"]
    header += ["H", "A", "M0"]

    def cells(e: dict[str, Any]) -> list[Any]:
        out: list[Any] = [e["households"], e["persons"]]
        out += [e["mpi_poor"]["households"], e["mpi_poor"]["persons"]]
        out += [e["critical"]["households"], e["critical"]["persons"]]
        for d in dims:
            out += [e["dimensions"][d]["households"], e["dimensions"][d]["persons"]]
        for code in inds:
            out += [e["indicators"][code]["households"], e["indicators"][code]["persons"]]
        af = e["alkire_foster"]
        return out + [af["H"], af["A"], af["M0"]]

    body = [
        [i, row["area_name_th"], row["area_code"], *cells(row)]
        for i, row in enumerate(report["rows"], start=1)
    ]
    return [header, *body, ["", TOTAL_LABEL, report["area"], *cells(total)]]


DIMENSION_TH = {d.code: d.label_th for d in dimensions()}


def indicator_labels() -> dict[str, str]:
    return {i.code: i.label_th for rules in rule_sets() for i in rules.indicators}


KIND_TH = {
    "goods": "สิ่งของ",
    "money": "เงิน",
    "service": "บริการ",
    "training": "ฝึกอบรม",
    "job_placement": "จัดหางาน",
    "referral": "ส่งต่อ",
    "housing_repair": "ซ่อมแซมที่อยู่อาศัย",
    "welfare_registration": "ลงทะเบียนสวัสดิการ",
    "allowance": "เบี้ยยังชีพ",
    "counselling": "ให้คำปรึกษา",
    "other": "อื่น ๆ",
}
MONTH, CUMULATIVE = "เดือนนี้", "สะสม"


def monthly_sections(report: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """The monthly progress report as named tables: one XLSX sheet (or CSV block, or PDF table) each."""
    ver, plans = report["verification"], report["plans"]
    verification = [
        ["รายการ", MONTH, CUMULATIVE],
        ["ครัวเรือนเป้าหมาย", None, ver["households"]],
        ["ครัวเรือนที่ตรวจสอบแล้ว", ver["month"]["verified"], ver["cumulative"]["verified"]],
        ["แผนพัฒนาครัวเรือนที่จัดทำ", plans["month"]["made"], plans["cumulative"]["made"]],
    ]
    assistance: list[list[Any]] = [
        [
            "หน่วยงาน",
            "รหัสหน่วยงาน",
            "ประเภทความช่วยเหลือ",
            f"จำนวนครั้ง ({MONTH})",
            f"จำนวนเงิน (บาท) ({MONTH})",
            f"จำนวนครั้ง ({CUMULATIVE})",
            f"จำนวนเงิน (บาท) ({CUMULATIVE})",
        ]
    ]
    for r in report["assistance"]["rows"]:
        assistance.append(
            [
                r["agency_name_th"],
                r["agency"],
                KIND_TH.get(r["kind"], r["kind"]),
                r["month"]["entries"],
                r["month"]["amount_baht"],
                r["cumulative"]["entries"],
                r["cumulative"]["amount_baht"],
            ]
        )
    t = report["assistance"]["total"]
    assistance.append(
        [
            TOTAL_LABEL,
            "",
            "",
            t["month"]["entries"],
            t["month"]["amount_baht"],
            t["cumulative"]["entries"],
            t["cumulative"]["amount_baht"],
        ]
    )
    actions = {"opened": "รับเรื่องใหม่", "escalated": "ส่งต่อขึ้นมา", "resolved": "แก้ไขแล้ว"}
    cases: list[list[Any]] = [
        [
            "ระดับ",
            *(f"{th} ({MONTH})" for th in actions.values()),
            *(f"{th} ({CUMULATIVE})" for th in actions.values()),
        ]
    ]
    for c in report["cases"]:
        cases.append(
            [
                CASE_LEVEL_TH[c["level"]],
                *(c["month"][a] for a in actions),
                *(c["cumulative"][a] for a in actions),
            ]
        )
    cases.append(
        [
            TOTAL_LABEL,
            *(sum(c["month"][a] for c in report["cases"]) for a in actions),
            *(sum(c["cumulative"][a] for c in report["cases"]) for a in actions),
        ]
    )
    return {
        "การตรวจสอบและแผน": verification,
        "การให้ความช่วยเหลือ": assistance,
        "เรื่องส่งต่อ": cases,
        "ตัวชี้วัด": kpis_table(report["kpis"]),
    }


def monthly_title(report: dict[str, Any]) -> str:
    return f"รายงานความก้าวหน้าประจำเดือน {report['month']} {report['area_name_th']} ({report['area']})"


def sections_csv(title: str, sections: dict[str, list[list[Any]]]) -> bytes:
    """Several tables in one CSV: a title line, then each section's name, table and a blank line."""
    lines: list[list[Any]] = [[title], []]
    for name, table in sections.items():
        lines += [[name], *table, []]
    return table_csv(lines)


PROGRESS_COLUMNS = (
    ("households", "ครัวเรือนทั้งหมด"),
    ("to_verify", "รอตรวจสอบ"),
    ("returned", "ส่งกลับให้ตรวจสอบใหม่"),
    ("verified", "ตรวจสอบแล้ว"),
    ("by_category.all_correct", "ข้อมูลถูกต้องทั้งหมด"),
    ("by_category.partly_correct", "ข้อมูลถูกต้องบางส่วน"),
    ("by_category.entirely_wrong", "ข้อมูลไม่ถูกต้องทั้งหมด"),
    ("by_category.no_problem_found", "ไม่พบปัญหา"),
    ("by_category.new_household", "ครัวเรือนใหม่ (ศจพ.2)"),
    ("certified", "อำเภอรับรองแล้ว"),
    ("approved", "จังหวัดอนุมัติแล้ว"),
    ("late.verified", "ตรวจสอบหลังกำหนด"),
    ("late.certified", "รับรองหลังกำหนด"),
    ("late.approved", "อนุมัติหลังกำหนด"),
    ("overdue.verify", "เกินกำหนดตรวจสอบ"),
    ("overdue.district", "เกินกำหนดอำเภอรับรอง"),
    ("overdue.province", "เกินกำหนดจังหวัดอนุมัติ"),
)
"""ศจพ.1's words for the verification categories; plain Thai for the rest (no seed table)."""


def _dig(entry: dict[str, Any] | None, path: str) -> Any:
    """A nested value by dotted path (None below a missing part, e.g. ``overdue`` without a year)."""
    for part in path.split("."):
        if entry is None:
            return None
        entry = entry[part]
    return entry


def progress_table(report: dict[str, Any]) -> list[list[Any]]:
    """Verification progress per sub-area and in total."""
    header = [ROW_NO_HEADER, LEVEL_HEADER[report["level"]], "รหัสพื้นที่", *(th for _, th in PROGRESS_COLUMNS)]
    body = [
        [i, r["area_name_th"], r["area_code"], *(_dig(r, key) for key, _ in PROGRESS_COLUMNS)]
        for i, r in enumerate(report["rows"], start=1)
    ]
    total = [_dig(report["total"], key) for key, _ in PROGRESS_COLUMNS]
    return [header, *body, ["", TOTAL_LABEL, report["area"], *total]]
