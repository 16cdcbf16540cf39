"""CSV and XLSX renderings of a summary under the Thai headers of seed 001."""

from __future__ import annotations

import csv
import io
from typing import Any

from faemban_domain.indicators import DIMENSIONS
from faemban_reporting.domain.register_summary import (
    LEVEL_HEADER,
    MEASURES,
    ROW_NO_HEADER,
    THAI_HEADERS,
    TOTAL_LABEL,
)


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


def to_csv(summary: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(summary_table(summary))
    return buf.getvalue().encode("utf-8-sig")  # BOM: Thai Excel opens it as UTF-8


def to_xlsx(summary: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "ทะเบียนงบหน้า"
    for row in summary_table(summary):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
