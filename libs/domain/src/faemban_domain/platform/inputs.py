"""Input types every service's API accepts the same way (Thai forms' conventions)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from faemban_domain.thai import normalise_year, thai_digits_to_arabic

CEYear = Annotated[int, AfterValidator(normalise_year)]
"""A year as entered on Thai forms (BE ≥ 2400 or CE), stored CE."""
AreaCode = Annotated[str, AfterValidator(lambda v: thai_digits_to_arabic(v).strip())]
"""A DOPA area code, Thai digits allowed."""
