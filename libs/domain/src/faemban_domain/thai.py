"""Normalisation of Thai digits and Buddhist-Era dates.

Field forms and Thai Excel exports mix Thai digits (๐–๙) with Arabic ones and
write years in the Buddhist Era (พ.ศ. = CE + 543); the system stores CE and
Arabic digits only, so every input passes through here once.
"""

from __future__ import annotations

import re
from datetime import date

BE_OFFSET = 543
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Years above this are taken as Buddhist Era: CE 2400 is far away, BE 2400 is 1857.
_BE_THRESHOLD = 2400
_DATE = re.compile(r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})\s*$")


def thai_digits_to_arabic(text: str) -> str:
    return text.translate(_THAI_DIGITS)


def normalise_year(year: int) -> int:
    """A year as CE, accepting BE (≥ 2400) as entered on Thai forms."""
    return year - BE_OFFSET if year >= _BE_THRESHOLD else year


def parse_number(text: str | int | float | None) -> float | None:
    """A number from a form cell: Thai digits, thousands separators and blanks allowed."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    cleaned = thai_digits_to_arabic(text).replace(",", "").replace(" ", "").strip()
    if cleaned == "":
        return None
    return float(cleaned)


def parse_date(text: str) -> date:
    """A date written day/month/year (Thai habit) or ISO year-month-day, BE or CE.

    Raises ValueError with a readable message when the text is not a date.
    """
    cleaned = thai_digits_to_arabic(text)
    match = _DATE.match(cleaned)
    if not match:
        raise ValueError(f"not a date: {text!r} (use DD/MM/YYYY or YYYY-MM-DD, BE or CE)")
    a, b, c = match.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        day, month, year = int(a), int(b), int(c)
    return date(normalise_year(year), month, day)
