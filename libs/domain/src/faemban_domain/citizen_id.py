"""Thai citizen id (เลขประจำตัวประชาชน) validation.

13 digits; the last is a check digit: d13 = (11 − Σ_{i=1..12} d_i·(14−i) mod 11) mod 10.
"""

from __future__ import annotations

from faemban_domain.thai import thai_digits_to_arabic


def check_digit(first_twelve: str) -> int:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first_twelve))
    return (11 - total % 11) % 10


def normalise_citizen_id(text: str) -> str:
    """Digits only (dashes, spaces and Thai digits allowed in input)."""
    return "".join(ch for ch in thai_digits_to_arabic(text) if ch.isdigit())


def is_valid_citizen_id(text: str) -> bool:
    digits = normalise_citizen_id(text)
    if len(digits) != 13 or len(text.strip()) == 0:
        return False
    return check_digit(digits[:12]) == int(digits[12])
