"""Bounds an uploaded XLSX must keep before openpyxl parses a byte of it (ADR 0014).

An XLSX is a zip of XML: a few kilobytes can declare gigabytes (a zip bomb),
a million shared strings (held in memory by openpyxl), or rows far apart that
openpyxl fills with empty rows one by one (a dimension bomb). Each is checked
here from the zip's directory and one streaming pass over the sheet XML, with
memory bounded by a chunk, so a hostile file is refused in about a second.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path


class XlsxRefused(ValueError):
    pass


@dataclass(frozen=True)
class XlsxLimits:
    max_entries: int = 500
    max_uncompressed: int = 1024 * 1024 * 1024
    """All parts together, as the zip directory declares them (zipfile reads no further)."""
    max_ratio: int = 100
    """Uncompressed / compressed size of a part above 1 MB (real registers: 5–20)."""
    max_shared_strings_bytes: int = 256 * 1024 * 1024
    max_shared_strings: int = 5_000_000
    max_rows: int = 1_100_000
    max_row_gap: int = 10_000
    """Blank rows openpyxl would make up between two rows written in the file."""
    max_columns: int = 200
    """Columns read from each row (the register has about 45; the rest are ignored)."""


LIMITS = XlsxLimits()
_CHUNK = 4 * 1024 * 1024
_OVERLAP = 1024
_ROW = re.compile(rb'<(?:[A-Za-z0-9]{1,16}:)?row\b[^>]{0,512}?\sr="([0-9]{1,10})"')
_SI = re.compile(rb"<(?:[A-Za-z0-9]{1,16}:)?si[\s>/]")


def check_xlsx(path: Path, limits: XlsxLimits = LIMITS) -> None:
    """Raise ``XlsxRefused`` naming the first bound the file breaks."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxRefused(f"not a readable XLSX workbook: {exc}") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise XlsxRefused(f"the workbook holds {len(entries)} parts; at most {limits.max_entries}")
        total = sum(e.file_size for e in entries)
        if total > limits.max_uncompressed:
            raise XlsxRefused(
                f"the workbook unpacks to {total // 2**20} MB; at most {limits.max_uncompressed // 2**20} MB"
            )
        for e in entries:
            if e.file_size > 2**20 and e.file_size > limits.max_ratio * max(e.compress_size, 1):
                raise XlsxRefused(
                    f"part {e.filename[:80]} unpacks {e.file_size // max(e.compress_size, 1)} times its size "
                    f"(at most {limits.max_ratio}): a compression bomb"
                )
        names = {e.filename: e for e in entries}
        strings = names.get("xl/sharedStrings.xml")
        if strings is not None:
            _check_shared_strings(archive, strings, limits)
        sheets = [
            e for e in entries if e.filename.startswith("xl/worksheets/") and e.filename.endswith(".xml")
        ]
        for sheet in sheets:
            _check_rows(archive, sheet, limits)


def _scan(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, pattern: re.Pattern[bytes]) -> tuple[int, int]:
    """How often ``pattern`` occurs and the largest number it captures, streaming the part
    (a match is counted in the chunk where it starts; the overlap carries the rest)."""
    count, largest, tail = 0, 0, b""
    with archive.open(entry) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            data = tail + chunk
            cut = len(data) - _OVERLAP if chunk else len(data)
            for m in pattern.finditer(data):
                if m.start() >= cut:
                    break
                count += 1
                if m.groups():
                    largest = max(largest, int(m.group(1)))
            if not chunk:
                return count, largest
            tail = data[max(cut, 0) :]


def _check_shared_strings(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    if entry.file_size > limits.max_shared_strings_bytes:
        raise XlsxRefused(
            f"the shared strings unpack to {entry.file_size // 2**20} MB; "
            f"at most {limits.max_shared_strings_bytes // 2**20} MB"
        )
    count, _ = _scan(archive, entry, _SI)
    if count > limits.max_shared_strings:
        raise XlsxRefused(
            f"the workbook holds {count:,} shared strings; at most {limits.max_shared_strings:,}"
        )


def _check_rows(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    rows, last = _scan(archive, entry, _ROW)
    if rows > limits.max_rows or last > limits.max_rows:
        raise XlsxRefused(f"the sheet has {max(rows, last):,} rows; at most {limits.max_rows:,}")
    if last - rows > limits.max_row_gap:
        raise XlsxRefused(
            f"the sheet writes {rows:,} rows but numbers them up to {last:,}: "
            f"more than {limits.max_row_gap:,} blank rows would be made up"
        )
