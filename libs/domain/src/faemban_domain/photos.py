"""Photos as evidence (docs/domain.md, "Household data", "Logbook"): at most 10 MB each,
JPEG or PNG, decided by decoding the bytes, never by the file name or the client's
content type; the size in pixels is checked from the header before any decoding (a 48 KB
PNG can declare 20000×20000). The rules only; decoding is ``platform/images.py``'s.
Used by the registry (household photos) and the logbook (evidence of help given).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faemban_domain.errors import FieldError, InvalidInput

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


def stored(photo: PreparedPhoto, key_prefix: str, uploaded_by: str) -> dict[str, Any]:
    """The record of a photo about to be kept: a new id, its type, size and digest, where its
    bytes go (``<key_prefix>/<photo_id>`` in the blob store), who uploaded it and when."""
    photo_id = str(uuid.uuid4())
    return {
        "photo_id": photo_id,
        "content_type": photo.content_type,
        "size_bytes": len(photo.data),
        "sha256": hashlib.sha256(photo.data).hexdigest(),
        "blob_key": f"{key_prefix}/{photo_id}",
        "uploaded_by": uploaded_by,
        "uploaded_at": datetime.now(UTC),
    }
