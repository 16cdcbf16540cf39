"""The log of personal-data reads (docs/domain.md, "Personal data": who, what, when, why).

Written in its own short transaction *before* the data is returned: a read
that cannot be logged is not served.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import context
from faemban_domain.platform.auth import Principal
from faemban_registry.adapters.tables import personal_data_access


class AccessLog:
    """Who read whose personal data, in the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def record(self, principal: Principal, household_id: str, what: str, purpose: str | None) -> None:
        await self.conn.execute(
            personal_data_access.insert().values(
                at=datetime.now(UTC),
                subject=principal.sub,
                roles=sorted(principal.roles),
                household_id=household_id,
                what=what,
                purpose=(purpose or "").strip()[:300] or None,
                request_id=context.correlation_id.get(),
            )
        )

    async def record_many(
        self, principal: Principal, household_ids: Sequence[str], what: str, purpose: str | None
    ) -> None:
        """One row per household whose personal data one request read (e.g. a map's pins)."""
        if not household_ids:
            return
        at = datetime.now(UTC)
        common = {
            "at": at,
            "subject": principal.sub,
            "roles": sorted(principal.roles),
            "what": what,
            "purpose": (purpose or "").strip()[:300] or None,
            "request_id": context.correlation_id.get(),
        }
        await self.conn.execute(
            personal_data_access.insert(), [{**common, "household_id": hid} for hid in household_ids]
        )

    async def query(
        self,
        household_id: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        after_id: int = 0,
    ) -> list[dict[str, Any]]:
        t = personal_data_access
        stmt = sa.select(t).where(t.c.access_id > after_id)
        if household_id:
            stmt = stmt.where(t.c.household_id == household_id)
        if subject:
            stmt = stmt.where(t.c.subject == subject)
        if since:
            stmt = stmt.where(t.c.at >= since)
        if until:
            stmt = stmt.where(t.c.at < until)
        rows = (await self.conn.execute(stmt.order_by(t.c.access_id).limit(limit))).mappings().all()
        return [dict(r) for r in rows]
