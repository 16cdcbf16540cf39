"""The ``?area=&level=`` pair every area report takes, checked the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from faemban_domain import areas
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.platform.auth import Principal
from faemban_domain.thai import thai_digits_to_arabic


def checked_code(area: str, field: str = "area") -> str:
    """A DOPA code of a province, district, subdistrict or village (Thai digits allowed)."""
    area = thai_digits_to_arabic(area).strip()
    if areas.level_of(area) is None:
        raise InvalidInput([FieldError(field, "must be a 2/4/6/8-digit DOPA code")])
    return area


def checked_area(area: str, level: areas.AreaLevel) -> str:
    """A known area code (Thai digits allowed) with ``level`` below it, or a named field error."""
    area = thai_digits_to_arabic(area)
    if areas.level_of(area) is None or not areas.is_known(area):
        raise InvalidInput([FieldError("area", f"unknown area code {area}")])
    if areas.LEVEL_LENGTH[level] <= len(area):
        raise InvalidInput([FieldError("level", f"must be below the level of area {area}")])
    return area


def visible_within(principal: Principal, area: str) -> list[str] | None:
    """None when all of ``area`` is in scope; else the caller's areas inside it (403 if none)."""
    if principal.covers(area):
        return None
    inside = [a for a in principal.areas if a.startswith(area)]
    if not inside:
        principal.ensure_area(area)
    return inside


def within(column: sa.ColumnElement[str], area: str, visible: Sequence[str] | None) -> sa.ColumnElement[bool]:
    """Rows of ``area`` that the caller may see: ``visible`` as ``visible_within`` gave it."""
    cond = column.startswith(area)
    if visible is not None:
        cond = sa.and_(cond, sa.or_(*(column.startswith(v) for v in visible)))
    return cond
