"""Household photos (docs/domain.md, "Household data"): at most 5, each at most 10 MB, JPEG or PNG.

The rules only; decoding is the image adapter's (``adapters/images.py``). The type is
decided by decoding the bytes, never by the file name or the client's content type, and
the size in pixels is checked from the header before any decoding (a 48 KB PNG can
declare 20000×20000).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from faemban_domain.errors import FieldError, InvalidInput, StateConflict

PhotoKind = Literal["head", "member", "house", "surroundings"]
MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
"""Image format (as the decoder names it) → the content type it is kept and served with."""

MAX_PIXELS = 25_000_000
"""25 megapixels: any phone photo fits; decoded it takes at most ~100 MB (RGBA)."""
MAX_SIDE = 12_000


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo fit to keep: its type, and its bytes re-encoded without metadata."""

    content_type: str
    data: bytes


def check_size(data: bytes) -> None:
    """Before anything reads the bytes."""
    if not data:
        raise InvalidInput([FieldError("file", "is empty")])
    if len(data) > MAX_BYTES:
        raise InvalidInput([FieldError("file", f"is {len(data):,} bytes; at most {MAX_BYTES:,}")])


def check_header(image_format: str | None, width: int, height: int) -> str:
    """What the header declares, before the pixels are decoded; returns the content type."""
    if image_format not in CONTENT_TYPES:
        raise InvalidInput([FieldError("file", f"is a {image_format} image; only JPEG and PNG are accepted")])
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidInput(
            [
                FieldError(
                    "file",
                    f"is {width}×{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels "
                    f"and {MAX_SIDE:,} pixels a side",
                )
            ]
        )
    return CONTENT_TYPES[image_format]


def unreadable(reason: str) -> InvalidInput:
    return InvalidInput([FieldError("file", f"is not a readable JPEG or PNG image ({reason})")])


def check_room(existing: int) -> None:
    if existing >= MAX_PHOTOS:
        raise StateConflict(
            [FieldError("file", f"the household already has {MAX_PHOTOS} photos; delete one first")]
        )
