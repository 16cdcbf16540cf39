"""The log of personal-data reads (docs/domain.md, "Personal data": who, what, when, why).

A read is answered only after its log row committed: a read that cannot be logged is not
served. Under load the rows of concurrent reads commit together (``AccessLogWriter``, a
group commit: one transaction for every row that arrived while the previous one was
committing), so logging costs one fsync per batch rather than one per read (ADR 0018).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import context
from faemban_domain.platform.auth import Principal
from faemban_registry.adapters.tables import personal_data_access


class AccessLogWriter:
    """Group commit of access-log rows: ``write`` returns once its rows are durable."""

    def __init__(self, begin: Callable[[], AbstractAsyncContextManager[AsyncConnection]]) -> None:
        self._begin = begin
        self._waiting: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, rows: list[dict[str, Any]]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self._begin() as conn:
                    await conn.execute(personal_data_access.insert(), [r for rows, _ in batch for r in rows])
            except Exception as exc:  # every read of the batch fails: none is served unlogged
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)


class AccessLog:
    """Who read whose personal data: through the writer (committed before the answer), or in
    the caller's transaction when there is none (a unit of work that writes anyway)."""

    def __init__(self, conn: AsyncConnection, writer: AccessLogWriter | None = None) -> None:
        self.conn = conn
        self.writer = writer
        self._unsettled: list[dict[str, Any]] = []

    async def settle(self) -> None:
        """Write the reads' rows through the writer and wait until they are durable — called
        after the reading connection went back to the pool, so waiting readers never hold
        the connections the log's commit needs."""
        rows, self._unsettled = self._unsettled, []
        if rows:
            assert self.writer is not None
            await self.writer.write(rows)

    async def record(self, principal: Principal, household_id: str, what: str, purpose: str | None) -> None:
        await self.record_many(principal, [household_id], what, purpose)

    async def record_many(
        self, principal: Principal, household_ids: Sequence[str], what: str, purpose: str | None
    ) -> None:
        """One row per household whose personal data one request read (e.g. a map's pins)."""
        if not household_ids:
            return
        common = {
            "at": datetime.now(UTC),
            "subject": principal.sub,
            "roles": sorted(principal.roles),
            "what": what,
            "purpose": (purpose or "").strip()[:300] or None,
            "request_id": context.correlation_id.get(),
        }
        rows = [{**common, "household_id": hid} for hid in household_ids]
        if self.writer is not None:
            self._unsettled.extend(rows)  # durable in ``settle``, before the read answers
        else:
            await self.conn.execute(personal_data_access.insert(), rows)

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
