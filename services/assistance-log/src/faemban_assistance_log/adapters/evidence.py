"""Evidence photos of logbook entries: rows in the caller's transaction, bytes in the blob store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assistance_log.adapters.tables import assistance_photos
from faemban_domain.platform.blobs import BlobStore


class Evidence:
    def __init__(self, conn: AsyncConnection, blobs: BlobStore) -> None:
        self.conn = conn
        self.blobs = blobs

    async def count(self, entry_id: str) -> int:
        t = assistance_photos
        return int(await self.conn.scalar(sa.select(sa.func.count()).where(t.c.entry_id == entry_id)) or 0)

    async def add(self, row: dict[str, Any], data: bytes) -> None:
        """The bytes first: a row never points at a missing blob."""
        await self.blobs.put(row["blob_key"], data, row["content_type"])
        await self.conn.execute(assistance_photos.insert().values(**row))

    async def of_entry(self, entry_id: str) -> list[dict[str, Any]]:
        t = assistance_photos
        rows = await self.conn.execute(sa.select(t).where(t.c.entry_id == entry_id).order_by(t.c.uploaded_at))
        return [dict(r) for r in rows.mappings()]

    async def one(self, entry_id: str, photo_id: str) -> dict[str, Any] | None:
        t = assistance_photos
        stmt = sa.select(t).where(t.c.entry_id == entry_id, t.c.photo_id == photo_id)
        row = (await self.conn.execute(stmt)).mappings().first()
        return dict(row) if row else None

    async def read(self, blob_key: str) -> bytes:
        return await self.blobs.get(blob_key)
