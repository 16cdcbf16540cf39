"""The outbox relay: committed events → the service's topic.

It reads outbox rows in id order, publishes them (idempotent producer, key =
household id), waits for every acknowledgement, then deletes them. A crash
between publish and delete publishes those rows again on restart: delivery is
at-least-once and consumers deduplicate by event id (their inbox) or, where
the handler is idempotent, by each household's stream sequence (ADR 0019).

While a batch travels to the broker the relay reads the next one and deletes
the one before (ADR 0026): the database's work overlaps the wait for
acknowledgements instead of adding to it. A batch is sent only once the one
before is acknowledged, so a failed batch is never overtaken by the next. On
PostgreSQL a session advisory lock, held on the relay's own connection while
it drains the outbox, keeps one relay active per database, so two replicas
never interleave a household's events.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from faemban_domain.events.envelope import headers_of, unpack_headers
from faemban_domain.eventsourcing.broker import OutgoingRecord, Publisher
from faemban_domain.eventsourcing.tables import outbox

log = structlog.get_logger("faemban.relay")

RELAYED = Counter("faemban_relay_published_total", "Events published from the outbox", ["service"])
_RELAY_LOCK_ID = 0x6661656D  # "faem"

_READ = "SELECT id, topic, key, value, headers FROM outbox WHERE id > $1 ORDER BY id LIMIT $2"
_DELETE = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"


class OutboxRelay:
    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        publisher: Publisher,
        batch_size: int = 5000,
        idle_interval: float = 0.2,
        fault_point: str | None = None,
    ) -> None:
        self.service = service
        self.fault_point = fault_point
        """Crash-test hook (``FAEMBAN_FAULT_INJECTION``): the process kills itself at this
        point. Used only by the kill -9 tests; None in every other run."""
        self.engine = engine
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self._wake = asyncio.Event()

    def _fault(self, point: str) -> None:
        if self.fault_point == point:
            os.kill(os.getpid(), signal.SIGKILL)

    def wake(self) -> None:
        """Called after a commit that wrote to the outbox, to skip the idle wait."""
        self._wake.set()

    async def run_once(self) -> int:
        """Publish what the outbox holds, batch after batch; how many rows were published
        (0 when it was empty or another relay holds the database)."""
        async with self.engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                return await self._drain(_SqlAlchemyOutbox(conn))
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            try:
                if not await raw.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK_ID):
                    return 0
                published = await self._drain(_DriverOutbox(raw))
                await raw.fetchval("SELECT pg_advisory_unlock($1)", _RELAY_LOCK_ID)
                return published
            except BaseException:
                # a drain that failed never hands the pool a connection that may still hold the
                # lock or a broken statement: closing it releases the lock on the server
                await conn.invalidate()
                raise

    async def _drain(self, rows_of: _Outbox) -> int:
        published = 0
        rows = await rows_of.read(0, self.batch_size)
        sent_before: list[int] = []  # acknowledged, not yet deleted
        while rows:
            records = [_record(r) for r in rows]
            self._fault("relay.before_publish")
            try:
                acks = await self.publisher.send(records)
            except BaseException:
                if sent_before:  # acknowledged: not published again after the retry
                    await rows_of.delete(sent_before)
                raise
            try:
                if sent_before:
                    await rows_of.delete(sent_before)
                # rows committed later with a lower id are read by the next drain
                following = (
                    await rows_of.read(rows[-1][0], self.batch_size) if len(rows) == self.batch_size else []
                )
            except BaseException:
                await _settle(acks)
                raise
            await acks
            self._fault("relay.after_publish")
            sent_before = [r[0] for r in rows]
            published += len(rows)
            RELAYED.labels(self.service).inc(len(rows))
            rows = following
        if sent_before:
            await rows_of.delete(sent_before)
        return published

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                sent = await self.run_once()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: keep the rows, retry
                log.warning("relay.retry", error=str(exc), backoff=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent < self.batch_size:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_interval)
                except TimeoutError:
                    pass


async def _settle(acks: Awaitable[None]) -> None:
    """Wait out a batch in flight whose drain failed (its rows stay and go again)."""
    try:
        await acks
    except Exception:  # noqa: S110 - the failure being raised is the one to report
        pass


def _record(row: Sequence[Any]) -> OutgoingRecord:
    _, topic, key, value, headers = row
    return OutgoingRecord(
        topic,
        key,
        value,
        # a row written before the headers column parses its envelope
        tuple(unpack_headers(headers) if headers is not None else headers_of(orjson.loads(value))),
    )


class _Outbox(Protocol):
    async def read(self, after_id: int, limit: int) -> Sequence[Sequence[Any]]: ...

    async def delete(self, ids: list[int]) -> None:
        """Delete exactly the rows read: a lower id may still be uncommitted."""
        ...


class _DriverOutbox:
    """PostgreSQL: each statement on its own through the driver (no transaction to hold open)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def read(self, after_id: int, limit: int) -> Sequence[Sequence[Any]]:
        return await self.raw.fetch(_READ, after_id, limit)  # type: ignore[no-any-return]

    async def delete(self, ids: list[int]) -> None:
        await self.raw.execute(_DELETE, ids)


class _SqlAlchemyOutbox:
    """The embedded database: short transactions (a writer holds SQLite's one write lock)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def read(self, after_id: int, limit: int) -> Sequence[Sequence[Any]]:
        async with self.conn.begin():
            return (
                await self.conn.execute(
                    sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.headers)
                    .where(outbox.c.id > after_id)
                    .order_by(outbox.c.id)
                    .limit(limit)
                )
            ).all()

    async def delete(self, ids: list[int]) -> None:
        async with self.conn.begin():
            await self.conn.execute(outbox.delete().where(outbox.c.id.in_(ids)))
