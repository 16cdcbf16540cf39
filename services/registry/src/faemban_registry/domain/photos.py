"""Household photos (DOMAIN.md §4): at most 5, each at most 10 MB, JPEG or PNG.

The type is decided by decoding the bytes, never by the file name or the
client's content type: a renamed PDF or a truncated JPEG is refused. The size
in pixels is checked from the header before any decoding (a 48 KB PNG can
declare 20000×20000), and what is kept is re-encoded without metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from faemban_domain.errors import FieldError, InvalidInput, StateConflict

PhotoKind = Literal["head", "member", "house", "surroundings"]
MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


MAX_PIXELS = 25_000_000
"""25 megapixels: any phone photo fits; decoded it takes at most ~100 MB (RGBA)."""
MAX_SIDE = 12_000


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo fit to keep: its type, and its bytes re-encoded without metadata."""

    content_type: str
    data: bytes


def prepare(data: bytes) -> PreparedPhoto:
    """Check a photo from its header before decoding it, then decode and re-encode it without
    EXIF/XMP/text chunks (a phone's GPS position of the family's home must not be kept).

    CPU-heavy: call it in a worker thread, never on the event loop.
    """
    if not data:
        raise InvalidInput([FieldError("file", "is empty")])
    if len(data) > MAX_BYTES:
        raise InvalidInput([FieldError("file", f"is {len(data):,} bytes; at most {MAX_BYTES:,}")])
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
            if kind not in _TYPES:
                raise InvalidInput([FieldError("file", f"is a {kind} image; only JPEG and PNG are accepted")])
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
            image.load()  # the pixels: a truncated file fails here
            clean = io.BytesIO()
            if kind == "JPEG":  # upright as the camera meant it, then without its EXIF
                ImageOps.exif_transpose(image).save(clean, "JPEG", quality=90)
            else:
                image.save(clean, "PNG")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        reason = type(exc).__name__ if isinstance(exc, Image.DecompressionBombError) else str(exc)[:200]
        raise InvalidInput([FieldError("file", f"is not a readable JPEG or PNG image ({reason})")]) from None
    return PreparedPhoto(_TYPES[kind], clean.getvalue())


def check_room(existing: int) -> None:
    if existing >= MAX_PHOTOS:
        raise StateConflict(
            [FieldError("file", f"the household already has {MAX_PHOTOS} photos; delete one first")]
        )
