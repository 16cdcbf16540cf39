"""Household photos (DOMAIN.md §4): at most 5, each at most 10 MB, JPEG or PNG.

The type is decided by decoding the bytes, never by the file name or the
client's content type: a renamed PDF or a truncated JPEG is refused.
"""

from __future__ import annotations

import io
from typing import Literal

from PIL import Image, UnidentifiedImageError

from faemban_domain.errors import FieldError, InvalidInput, StateConflict

PhotoKind = Literal["head", "member", "house", "surroundings"]
MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def content_type_of(data: bytes) -> str:
    """``image/jpeg`` or ``image/png`` when the bytes decode as one; else a field error."""
    if not data:
        raise InvalidInput([FieldError("file", "is empty")])
    if len(data) > MAX_BYTES:
        raise InvalidInput([FieldError("file", f"is {len(data):,} bytes; at most {MAX_BYTES:,}")])
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() misses truncated pixel data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput([FieldError("file", f"is not a readable JPEG or PNG image ({exc})")]) from None
    if kind not in _TYPES:
        raise InvalidInput([FieldError("file", f"is a {kind} image; only JPEG and PNG are accepted")])
    return _TYPES[kind]


def check_room(existing: int) -> None:
    if existing >= MAX_PHOTOS:
        raise StateConflict(
            [FieldError("file", f"the household already has {MAX_PHOTOS} photos; delete one first")]
        )
