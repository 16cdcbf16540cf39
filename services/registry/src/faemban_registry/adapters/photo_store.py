"""Photo records (their rows) and their bytes (the blob store), in the caller's transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.platform.blobs import BlobStore
from faemban_registry.adapters.tables import photos


class Photos:
    def __init__(self, conn: AsyncConnection, blobs: BlobStore) -> None:
        self.conn = conn
        self.blobs = blobs

    async def count(self, household_id: str) -> int:
        found = await self.conn.scalar(
            sa.select(sa.func.count()).select_from(photos).where(photos.c.household_id == household_id)
        )
        return int(found or 0)

    async def add(self, row: dict[str, Any], data: bytes) -> None:
        """The bytes first: a row never points at a missing blob (a failed commit leaves an
        unreferenced blob, which costs space, not correctness)."""
        await self.blobs.put(row["blob_key"], data, row["content_type"])
        await self.conn.execute(photos.insert().values(**row))

    async def list(self, household_id: str) -> list[dict[str, Any]]:
        rows = await self.conn.execute(
            sa.select(photos).where(photos.c.household_id == household_id).order_by(photos.c.uploaded_at)
        )
        return [dict(r) for r in rows.mappings()]

    async def get(self, household_id: str, photo_id: str) -> dict[str, Any] | None:
        row = (
            (
                await self.conn.execute(
                    sa.select(photos).where(
                        photos.c.household_id == household_id, photos.c.photo_id == photo_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    async def read(self, blob_key: str) -> bytes:
        return await self.blobs.get(blob_key)

    async def delete(self, household_id: str, photo_id: str) -> bool:
        row = (
            (
                await self.conn.execute(
                    sa.delete(photos)
                    .where(photos.c.household_id == household_id, photos.c.photo_id == photo_id)
                    .returning(photos.c.blob_key)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return False
        await self.blobs.delete(row["blob_key"])
        return True
