"""The rows of register import jobs (status, counts, kept errors), in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.platform.auth import Principal
from faemban_registry.adapters.tables import imports


class ImportRecords:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def create(
        self, import_id: str, kind: str, filename: str, cohort_year: int | None, principal: Principal
    ) -> None:
        await self.conn.execute(
            imports.insert().values(
                import_id=import_id,
                kind=kind,
                filename=filename[:300],
                cohort_year=cohort_year,
                status="pending",
                phase="pending",
                rows_total=0,
                rows_accepted=0,
                rows_rejected=0,
                rows_already_registered=0,
                errors=[],
                requested_by=principal.sub,
                scope={"admin": principal.is_admin, "areas": list(principal.areas)},
                created_at=datetime.now(UTC),
            )
        )

    async def unfinished(self) -> list[str]:
        """Jobs a stop or crash cut off."""
        found = await self.conn.execute(
            sa.select(imports.c.import_id).where(imports.c.status.in_(["pending", "running"]))
        )
        return list(found.scalars().all())

    async def get(self, import_id: str) -> dict[str, Any] | None:
        row = (
            (await self.conn.execute(sa.select(imports).where(imports.c.import_id == import_id)))
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    async def update(self, import_id: str, **values: Any) -> None:
        await self.conn.execute(imports.update().where(imports.c.import_id == import_id).values(**values))
