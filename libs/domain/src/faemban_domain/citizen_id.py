"""Thai citizen id (เลขประจำตัวประชาชน) validation.

13 digits; the last is a check digit: d13 = (11 − Σ_{i=1..12} d_i·(14−i) mod 11) mod 10.
"""

from __future__ import annotations

from operator import mul

from faemban_domain.thai import thai_digits_to_arabic

_WEIGHTS = tuple(range(13, 1, -1))


def check_digit(first_twelve: str) -> int:
    total: int = sum(map(mul, map(int, first_twelve), _WEIGHTS))
    return (11 - total % 11) % 10


def normalise_citizen_id(text: str) -> str:
    """Digits only (dashes, spaces and Thai digits allowed in input)."""
    if text.isascii() and text.isdigit():  # as most registers write it: nothing to remove
        return text
    return "".join(ch for ch in thai_digits_to_arabic(text) if ch.isdigit())


def is_valid_citizen_id(text: str) -> bool:
    digits = normalise_citizen_id(text)
    if len(digits) != 13 or len(text.strip()) == 0:
        return False
    return check_digit(digits[:12]) == int(digits[12])
