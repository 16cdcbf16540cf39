"""Photos: JPEG/PNG by content, size and count limits, blob store, logged reads (unit)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.errors import InvalidInput, NotFound, StateConflict
from faemban_domain.platform.auth import Principal
from faemban_registry.adapters import access_log
from faemban_registry.adapters.blobs import LocalBlobStore, blob_store
from faemban_registry.adapters.event_store import households
from faemban_registry.domain import photos
from faemban_registry.domain.household import Registration
from faemban_registry.service_layer import handlers

TEAM = Principal("team-a", frozenset({"ops_team"}), ("341901",))
OTHER = Principal("team-b", frozenset({"ops_team"}), ("341902",))


def image(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, format=fmt)
    return buf.getvalue()


def test_type_is_decided_by_content() -> None:
    assert photos.content_type_of(image("JPEG")) == "image/jpeg"
    assert photos.content_type_of(image("PNG")) == "image/png"
    for bad in (b"%PDF-1.7 not an image", image("GIF"), image("JPEG")[:200], b""):
        with pytest.raises(InvalidInput) as err:
            photos.content_type_of(bad)
        assert err.value.errors[0].field == "file"


def test_too_big_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidInput, match="at most 10,485,760"):
        photos.content_type_of(b"\xff\xd8\xff" + b"0" * photos.MAX_BYTES)


async def test_five_photos_per_household_and_scoped_logged_reads(engine: AsyncEngine, tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    async with engine.begin() as conn:
        await handlers.register_household(
            conn, households, TEAM, Registration("34190101", 2025, "tpmap", 2), "P1"
        )
    ids = []
    for _ in range(photos.MAX_PHOTOS):
        async with engine.begin() as conn:
            row = await handlers.add_photo(conn, households, blobs, TEAM, "P1", "house", image("PNG"))
            ids.append(row["photo_id"])
    async with engine.begin() as conn:
        with pytest.raises(StateConflict):
            await handlers.add_photo(conn, households, blobs, TEAM, "P1", "house", image("PNG"))
    async with engine.begin() as conn:
        with pytest.raises(NotFound):
            await handlers.read_photo(conn, households, blobs, OTHER, "P1", ids[0], None)
    async with engine.begin() as conn:
        content_type, data = await handlers.read_photo(
            conn, households, blobs, TEAM, "P1", ids[0], "plan visit"
        )
    assert content_type == "image/png" and data == image("PNG")
    async with engine.begin() as conn:
        await handlers.delete_photo(conn, households, blobs, TEAM, "P1", ids[0])
    assert not (tmp_path / "blobs" / "P1" / ids[0]).exists()
    async with engine.connect() as conn:
        log = await access_log.query(conn, household_id="P1")
        assert len(await handlers.list_photos(conn, households, TEAM, "P1")) == 4
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
