"""Photos: JPEG/PNG by content, size and count limits, blob store, logged reads (unit)."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain import photos
from faemban_domain.errors import InvalidInput, NotFound, StateConflict
from faemban_domain.platform import images
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.blobs import LocalBlobStore, blob_store
from faemban_domain.platform.unit_of_work import Transactions
from faemban_registry.adapters.access_log import AccessLog
from faemban_registry.domain import photos as household_photos
from faemban_registry.domain.household import Registration
from faemban_registry.service_layer import households
from faemban_registry.service_layer import photos as p
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork

TEAM = Principal("team-a", frozenset({"ops_team"}), ("341901",))
OTHER = Principal("team-b", frozenset({"ops_team"}), ("341902",))


def image(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, format=fmt)
    return buf.getvalue()


def test_type_is_decided_by_content() -> None:
    assert images.prepare(image("JPEG")).content_type == "image/jpeg"
    assert images.prepare(image("PNG")).content_type == "image/png"
    for bad in (b"%PDF-1.7 not an image", image("GIF"), image("JPEG")[:200], b""):
        with pytest.raises(InvalidInput) as err:
            images.prepare(bad)
        assert err.value.errors[0].field == "file"


def test_too_big_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidInput, match="at most 10,485,760"):
        images.prepare(b"\xff\xd8\xff" + b"0" * photos.MAX_BYTES)


async def test_five_photos_per_household_and_scoped_logged_reads(
    engine: AsyncEngine, tmp_path: Path, registry: Transactions[RegistryUnitOfWork]
) -> None:
    registration = Registration("34190101", 2025, "tpmap", 2)
    await registry.run(households.register_household, TEAM, households.RegisterHousehold(registration, "P1"))
    ids = []
    for _ in range(household_photos.MAX_PHOTOS):
        add = p.AddPhoto("P1", "house", images.prepare(image("PNG")))
        row = await registry.run(p.add_photo, TEAM, add)
        ids.append(row["photo_id"])
    with pytest.raises(StateConflict):
        await registry.run(p.add_photo, TEAM, p.AddPhoto("P1", "house", images.prepare(image("PNG"))))
    with pytest.raises(NotFound):
        await registry.run(p.read_photo, OTHER, p.PhotoRef("P1", ids[0], None))
    content_type, data = await registry.run(p.read_photo, TEAM, p.PhotoRef("P1", ids[0], "plan visit"))
    assert content_type == "image/png" and data == image("PNG")
    await registry.run(p.delete_photo, TEAM, p.PhotoRef("P1", ids[0]))
    assert not (tmp_path / "blobs" / "P1" / ids[0]).exists()
    async with engine.connect() as conn:
        log = await AccessLog(conn).query(household_id="P1")
    assert len(await registry.read(p.list_photos, TEAM, p.PhotoRef("P1"))) == 4
    assert [(e["subject"], e["what"], e["purpose"]) for e in log] == [
        ("team-a", f"photo:{ids[0]}", "plan visit")
    ]


def test_blob_store_setting(tmp_path: Path) -> None:
    assert isinstance(blob_store(None, tmp_path), LocalBlobStore)
    assert isinstance(blob_store(f"file://{tmp_path}/x", tmp_path), LocalBlobStore)
    with pytest.raises(ValueError):
        blob_store("ftp://nowhere", tmp_path)
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path)._path("../escape")


def _png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares ``width``×``height`` (the pixel data is one row)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + chunk(b"IEND", b"")
    )


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.parametrize("side", [13_000, 20_000])
def test_a_decompression_bomb_is_refused_from_its_header(side: int) -> None:
    """A 20000×20000 PNG (PIL's own bomb error) and a 13000×13000 one (under PIL's limit)
    are refused before decoding: no 500, no 600 MB of pixels, in well under 2 s."""
    data = _png_declaring(side, side)
    assert len(data) < 100_000
    before, started = _rss_mb(), time.perf_counter()
    with pytest.raises(InvalidInput, match="pixels|readable") as err:
        images.prepare(data)
    assert err.value.errors[0].field == "file"
    assert time.perf_counter() - started < 2 and _rss_mb() - before < 100


def test_exif_and_its_gps_position_are_not_kept() -> None:
    exif = Image.Exif()
    exif[0x010E] = "บ้านนางสมร"  # ImageDescription
    exif[0x8825] = {1: "N", 2: (15.0, 14.0, 0.0), 3: "E", 4: (104.0, 52.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(buf, format="JPEG", exif=exif)
    assert Image.open(io.BytesIO(buf.getvalue())).getexif().get_ifd(0x8825)  # the input has a position
    kept = images.prepare(buf.getvalue())
    reopened = Image.open(io.BytesIO(kept.data))
    assert kept.content_type == "image/jpeg" and reopened.size == (40, 30)
    assert not reopened.getexif() and "exif" not in reopened.info
