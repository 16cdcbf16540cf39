"""Input types every service's API accepts the same way (Thai forms' conventions).

Each wraps a domain bound of ``faemban_domain.bounds`` with what a Thai form
writes: Thai digits (๐–๙) in numbers, thousands separators, Buddhist-Era years.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from faemban_domain import agencies, bounds
from faemban_domain.indicators import DIMENSIONS, Dimension
from faemban_domain.thai import normalise_year, thai_digits_to_arabic


def _thai_number(value: Any) -> Any:
    """``"๑,๒๐๐"`` → ``"1200"`` (pydantic then parses it as the field's number type)."""
    if isinstance(value, str):
        return thai_digits_to_arabic(value).replace(",", "").strip()
    return value


def _be_year(value: Any) -> Any:
    value = _thai_number(value)
    if isinstance(value, str) and value.isdigit() and len(value) <= 4:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000:
        return normalise_year(value)
    return value


CEYear = Annotated[bounds.KnownYear, BeforeValidator(_be_year), Field(description="CE or BE (พ.ศ.) year")]
"""A survey or cohort year as entered on Thai forms (BE ≥ 2400 or CE), stored CE,
within the indicator catalogue's years ± 1."""
AreaCode = Annotated[
    str,
    BeforeValidator(lambda v: thai_digits_to_arabic(v).strip() if isinstance(v, str) else v),
    Field(pattern=r"^[0-9]{2}([0-9]{2}){0,3}$", description="DOPA code (Thai digits accepted)"),
]
"""A DOPA area code, Thai digits allowed."""
Members = Annotated[bounds.Members, BeforeValidator(_thai_number)]
Count = Annotated[bounds.Count, BeforeValidator(_thai_number)]
Baht = Annotated[bounds.Baht, BeforeValidator(_thai_number)]
Age = Annotated[bounds.Age, BeforeValidator(_thai_number)]

_CUTOFF = re.compile(r"^(?:[0-9]{1,6}(?:\.[0-9]{1,6})?|[0-9]{1,6}/[1-9][0-9]{0,5})$")
CUTOFF_FORMAT = "a decimal with up to 6 places (0.4) or a fraction of up to 6 digits each (1/3), in (0, 1]"


def parse_cutoff(raw: str) -> Fraction:
    """The Alkire–Foster cutoff k: bounded in length and precision before any arithmetic,
    so that no exponent or huge numerator can reach ``Fraction`` (ADR 0014)."""
    text = thai_digits_to_arabic(raw).strip()
    if not _CUTOFF.fullmatch(text):
        raise ValueError(f"must be {CUTOFF_FORMAT}")
    k = Fraction(text)
    if not 0 < k <= 1:
        raise ValueError("must be above 0 and at most 1")
    return k


HouseholdKey = Annotated[
    str, Path(min_length=1, max_length=40, pattern=bounds.HOUSEHOLD_ID_PATTERN, description="household id")
]
"""A household id in a URL path (the format ``bounds.HouseholdId`` documents)."""
MemberKey = Annotated[str, Path(pattern=bounds.MEMBER_ID_PATTERN, max_length=5, description="M1, M2, …")]
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UuidKey = Annotated[str, Path(pattern=UUID_PATTERN, max_length=36)]
Version = Annotated[
    int, Field(ge=1, le=bounds.INT64_MAX, description="the version you read (optimistic concurrency)")
]


class ProblemIn(BaseModel):
    """What a plan item, a case or an assistance entry is about (docs/interfaces.md, "Shape 5"):
    exactly one of an indicator code, a dimension, or "other" in the family's words
    (illness, debt, addiction, violence — the words stay in the service; events say "other")."""

    model_config = ConfigDict(extra="forbid")

    indicator: str | None = Field(default=None, max_length=64, examples=["living.housing_security"])
    dimension: Dimension | None = None
    other: str | None = Field(default=None, min_length=1, max_length=200, examples=["chronic illness"])

    @model_validator(mode="after")
    def _exactly_one(self) -> ProblemIn:
        given = [k for k in ("indicator", "dimension", "other") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of indicator, dimension or other")
        if self.indicator is not None:
            try:
                agencies.problem_area(self.indicator)
            except KeyError:
                raise ValueError(f"{self.indicator!r} is not an indicator code") from None
        if self.other is not None and not self.other.strip():
            raise ValueError("other: describe the problem")
        return self

    @property
    def ref(self) -> str:
        """The problem as events carry it: the indicator code, the dimension, or "other"."""
        return self.indicator or self.dimension or "other"

    @property
    def text(self) -> str | None:
        return self.other.strip() if self.other is not None else None


def problem_out(ref: str, text: str | None) -> dict[str, str | None]:
    """A stored problem back in its request form."""
    if ref == "other":
        return {"other": text}
    if ref in DIMENSIONS:
        return {"dimension": ref}
    return {"indicator": ref}
