"""Opening an uploaded register: XLSX (openpyxl) or CSV in UTF-8, UTF-8 with
BOM, or TIS-620/cp874 (what Thai Excel writes). Yields (row number, cells)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from faemban_registry.adapters.xlsx_guard import LIMITS, XlsxRefused, check_xlsx

XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    pass


def detect_kind(head: bytes) -> str:
    return "xlsx" if head.startswith(XLSX_MAGIC) else "csv"


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else TIS-620/cp874 —
    checked by streaming the bytes through an incremental decoder, never holding the file."""
    for encoding in ("utf-8-sig", "cp874"):  # cp874: TIS-620 plus the Windows additions
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile("the CSV is neither UTF-8 nor TIS-620/cp874 text")


def open_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Rows with their 1-based spreadsheet numbers; blank rows are skipped."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if detect_kind(head) == "xlsx":
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Rows streamed from the file (memory stays flat whatever its size)."""
    encoding = _encoding(path)
    with path.open(encoding=encoding, newline="") as text:
        first_line = text.readline()
        text.seek(0)
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        lines = (_no_nul(line) for line in text)
        try:
            for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as exc:
            raise UnreadableFile(f"not a readable CSV: {exc}") from exc


def _no_nul(line: str) -> str:
    if "\x00" in line:
        raise UnreadableFile("the file holds NUL bytes: not a text CSV (upload XLSX as .xlsx)")
    return line


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Streaming (read-only) rows of the first sheet, after the file kept every bound of
    ``xlsx_guard``. The workbook is opened from a file object: uploads are stored without
    a suffix, and openpyxl refuses a *path* not ending in .xlsx."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    try:
        check_xlsx(path)
    except XlsxRefused as exc:
        raise UnreadableFile(str(exc)) from exc
    with path.open("rb") as fh:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a broken file
            raise UnreadableFile(f"not a readable XLSX workbook: {type(exc).__name__}") from exc
        try:
            sheet = workbook.worksheets[0]
            if not isinstance(sheet, ReadOnlyWorksheet):
                raise UnreadableFile("the first sheet of the workbook is not a worksheet")
            sheet.reset_dimensions()  # a declared A1:XFD1048576 must not pad every row
            rows = sheet.iter_rows(max_col=LIMITS.max_columns, values_only=True)
            for number, cells in enumerate(rows, start=1):
                if any(cell is not None and str(cell).strip() for cell in cells):
                    values = list(cells)
                    while values[-1] is None:  # the padding up to max_col
                        values.pop()
                    yield number, values
        finally:
            workbook.close()
