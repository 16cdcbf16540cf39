"""Household photos (docs/domain.md, "Household data"): at most 5 per household, each under
the shared photo rules (``faemban_domain.photos``: at most 10 MB, JPEG or PNG by content)."""

from __future__ import annotations

from typing import Literal

from faemban_domain.errors import FieldError, StateConflict

PhotoKind = Literal["head", "member", "house", "surroundings"]
MAX_PHOTOS = 5


def check_room(existing: int) -> None:
    if existing >= MAX_PHOTOS:
        raise StateConflict(
            [FieldError("file", f"the household already has {MAX_PHOTOS} photos; delete one first")]
        )
