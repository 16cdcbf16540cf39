"""The domain range of every number and the format of every id (ADR 0014).

One place for each bound: the API's input types, the import parser, the
aggregates' own checks and the public event contracts all use these, so a
value outside its range is refused at the door and no event can ever carry
one (a consumer meeting one from the past dead-letters it instead of adding
it to a total).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_MEMBERS = 99
"""People in one household (form ศจพ.1 has two digits for it)."""
MAX_BAHT = 1_000_000_000
"""A ceiling for any baht figure (a household's yearly income, a debt, an amount given):
far above any poor household's, far below where float arithmetic loses whole baht."""
INT64_MAX = 2**63 - 1
YEAR_FLOOR, YEAR_CEILING = 2000, 2200
"""Static CE bounds of a year in an event; requests are held to the catalogue's years (below)."""
MAX_AGE = 130

HOUSEHOLD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$"
"""A TPMAP house code or a generated ``HH-…`` id: 1–40 ASCII letters, digits and hyphens.
No spaces, slashes or other scripts, so an id is always addressable in a URL path and a
Kafka key; values shaped like a citizen id (13 digits) or a phone number are refused."""
_HOUSEHOLD_ID = re.compile(HOUSEHOLD_ID_PATTERN)
_CITIZEN_ID_SHAPE = re.compile(r"^\d{13}$")
_PHONE_SHAPE = re.compile(r"^0\d{8,9}$")

MEMBER_ID_PATTERN = r"^M[1-9][0-9]{0,3}$"
ENTITY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""Ids the system mints (uuids, ``M1``, plan and entry ids), as references inside events."""
SUBJECT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:|-]{0,199}$"
"""A login's subject (JWT ``sub``) as an event may name it: an opaque id, never an e-mail
address or a name (no ``@``, no spaces)."""
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def household_id_problem(value: str) -> str | None:
    """Why ``value`` is not a household id, or None."""
    if not _HOUSEHOLD_ID.fullmatch(value):
        return "must be 1–40 ASCII letters, digits or hyphens, starting with a letter or digit"
    if _CITIZEN_ID_SHAPE.fullmatch(value):
        return "looks like a citizen id: a household id must not carry personal data"
    if _PHONE_SHAPE.fullmatch(value):
        return "looks like a phone number: a household id must not carry personal data"
    return None


def _household_id(value: str) -> str:
    problem = household_id_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def known_years(now: datetime | None = None) -> tuple[int, int]:
    """Survey and cohort years (CE) a request may name: from the first rule set of the
    indicator catalogue to the later of its last rule set and this year, each ± 1."""
    from faemban_domain import indicators  # the catalogue reads configuration; import when asked

    sets = indicators.rule_sets()
    this_year = (now or datetime.now(UTC)).year
    return (
        sets[0].effective_from_survey_year - 1,
        max(sets[-1].effective_from_survey_year, this_year) + 1,
    )


def year_problem(year: int) -> str | None:
    low, high = known_years()
    if not low <= year <= high:
        return f"must be a year from {low} to {high} (CE; BE {low + 543}–{high + 543})"
    return None


def _known_year(year: int) -> int:
    problem = year_problem(year)
    if problem:
        raise ValueError(problem)
    return year


def baht_problem(value: float | None) -> str | None:
    if value is None:
        return None
    if not math.isfinite(value) or not 0 <= value <= MAX_BAHT:
        return f"must be a finite amount from 0 to {MAX_BAHT:,} baht"
    return None


HouseholdId = Annotated[
    str,
    Field(min_length=1, max_length=40, pattern=HOUSEHOLD_ID_PATTERN, examples=["TP34000000001"]),
    AfterValidator(_household_id),
]
MemberId = Annotated[str, Field(pattern=MEMBER_ID_PATTERN, max_length=5)]
EntityId = Annotated[str, Field(pattern=ENTITY_ID_PATTERN, max_length=64)]
Subject = Annotated[str, Field(pattern=SUBJECT_PATTERN, max_length=200)]
AreaCodeValue = Annotated[str, Field(pattern=r"^[0-9]{2}([0-9]{2}){0,3}$")]
"""A DOPA area code as stored and published (2, 4, 6 or 8 Arabic digits)."""
Members = Annotated[int, Field(ge=1, le=MAX_MEMBERS)]
Count = Annotated[int, Field(ge=0, le=MAX_MEMBERS)]
"""A count of people within a household (never more than its members)."""
Baht = Annotated[float, Field(ge=0, le=MAX_BAHT, allow_inf_nan=False)]
Age = Annotated[int, Field(ge=0, le=MAX_AGE)]
EventYear = Annotated[int, Field(ge=YEAR_FLOOR, le=YEAR_CEILING)]
"""A CE year inside an event (static, so that a replay never depends on configuration)."""
KnownYear = Annotated[int, Field(ge=YEAR_FLOOR, le=YEAR_CEILING), AfterValidator(_known_year)]
"""A CE year a request names: within the catalogue's years ± 1."""


def zoned(value: datetime) -> datetime:
    """A moment with its zone: stores that drop it (SQLite) hold UTC, so a naive one is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Instant = Annotated[datetime, AfterValidator(zoned)]
"""A moment, always with its zone: stores that drop it (SQLite) hold UTC, so it is UTC."""
