"""Decoding and re-encoding photos with Pillow, under the rules of ``faemban_domain.photos``."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from faemban_domain.errors import InvalidInput
from faemban_domain.photos import PreparedPhoto, check_header, check_size, unreadable


def prepare(data: bytes) -> PreparedPhoto:
    """Check a photo from its header before decoding it, then decode and re-encode it without
    EXIF/XMP/text chunks (a phone's GPS position of the family's home must not be kept).

    CPU-heavy: call it in a worker thread, never on the event loop.
    """
    check_size(data)
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            content_type = check_header(image.format, *image.size)
            image.load()  # the pixels: a truncated file fails here
            clean = io.BytesIO()
            if image.format == "JPEG":  # upright as the camera meant it, then without its EXIF
                ImageOps.exif_transpose(image).save(clean, "JPEG", quality=90)
            else:
                image.save(clean, "PNG")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        reason = type(exc).__name__ if isinstance(exc, Image.DecompressionBombError) else str(exc)[:200]
        raise unreadable(reason) from None
    return PreparedPhoto(content_type, clean.getvalue())
