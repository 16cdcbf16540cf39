"""The relay: the event store, tailed by position → the service's topic (ADR 0032).

It reads the events after the position it last stored, in position order, publishes each
one the service publishes (idempotent producer, key = household id) and, once every record
of a batch is acknowledged, stores the batch's last position. A crash between publish and
store publishes that batch again on restart: delivery is at-least-once, and consumers
deduplicate by event id (their inbox) or, where the handler is idempotent, by each
household's stream sequence (ADR 0019). Nothing is copied to an outbox and nothing deleted.

Positions are taken when a transaction inserts its events, not when it commits, so a
position may become visible after higher ones have. The relay therefore publishes only up
to a position no running transaction can still fill: it reads the highest position taken,
then takes a transaction id of its own as a fence, and trusts that position once no
transaction older than the fence runs (every writer takes its transaction id before its
positions; ``store``).

While a batch travels to the broker the relay stores the position of the one before and
reads the next (ADR 0026), and a batch is sent only once the one before is acknowledged, so
a failed batch is never overtaken. On PostgreSQL a session advisory lock, held on the
relay's own connection while it drains, keeps one relay active per database, so two
replicas never interleave a household's events.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from faemban_domain.eventsourcing.broker import OutgoingRecord, Publisher
from faemban_domain.eventsourcing.records import RecordedEvent
from faemban_domain.eventsourcing.store import EventStore, recorded_event
from faemban_domain.eventsourcing.tables import RELAY_NAME, relay_position

log = structlog.get_logger("faemban.relay")

RELAYED = Counter("faemban_relay_published_total", "Events published from the event store", ["service"])
_RELAY_LOCK_ID = 0x6661656D  # "faem"
_BARRIERS = 16
"""Positions waiting for older transactions to end, at most (the newest replaces the last)."""
_SLICE = 500
"""Events read and turned into records at a time: a batch of 5,000 assessed events decoded
at once held about 60 MB, and turning them into records is about 0.1 s of CPU."""

_READ = (
    "SELECT stream_id, version, position, event_id, event_type, data, metadata, recorded_at"
    " FROM event_store WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
)


class EventRelay:
    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        publisher: Publisher,
        store: EventStore,
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
        self.store = store
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self._wake = asyncio.Event()
        self._settled = 0
        """The highest position no running transaction can still fill, as last found."""
        self._barriers: list[tuple[int, int]] = []
        """(position taken, its fence), oldest first, waiting for older transactions to end."""

    def _fault(self, point: str) -> None:
        if self.fault_point == point:
            os.kill(os.getpid(), signal.SIGKILL)

    def wake(self) -> None:
        """Called after a commit that appended events, to skip the idle wait."""
        self._wake.set()

    async def run_once(self) -> int:
        """Publish the events after the stored position, batch after batch; how many records
        were published (0 when nothing was new or another relay holds the database)."""
        async with self.engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                return await self._drain(_SqlAlchemyLog(conn, self.store))
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            try:
                if not await raw.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK_ID):
                    return 0
                published = await self._drain(_DriverLog(raw, self))
                await raw.fetchval("SELECT pg_advisory_unlock($1)", _RELAY_LOCK_ID)
                return published
            except BaseException:
                # a drain that failed never hands the pool a connection that may still hold the
                # lock or a broken statement: closing it releases the lock on the server
                await conn.invalidate()
                raise

    def settle(self, taken: int, fence: int, oldest_running: int) -> int:
        """The settled position: ``taken`` is the highest position handed out, ``fence`` a
        transaction id assigned after it (so above the id of every transaction that could hold
        a position up to ``taken``), ``oldest_running`` the oldest transaction id still running
        after that. A position is settled once its fence is older than every running
        transaction."""
        waiting = []
        for position, fenced_by in [*self._barriers, (taken, fence)]:
            if fenced_by < oldest_running:
                self._settled = max(self._settled, position)
            else:
                waiting.append((position, fenced_by))
        if len(waiting) > _BARRIERS:  # a long transaction: keep the oldest, refresh the newest
            waiting = [*waiting[: _BARRIERS - 1], waiting[-1]]
        self._barriers = waiting
        return self._settled

    async def _drain(self, log_of: _Log) -> int:
        published = 0
        limit = await log_of.settled()
        records, last, more = await self._batch(log_of, await log_of.position(), limit)
        acknowledged: int | None = None  # the last position acknowledged, not yet stored
        while last is not None:
            self._fault("relay.before_publish")
            try:
                acks = await self.publisher.send(records) if records else _nothing()
            except BaseException:
                if acknowledged is not None:  # not published again after the retry
                    await log_of.store(acknowledged)
                raise
            try:
                if acknowledged is not None:
                    await log_of.store(acknowledged)
                following = await self._batch(log_of, last, limit) if more else ([], None, False)
            except BaseException:
                await _settle(acks)
                raise
            await acks
            self._fault("relay.after_publish")
            acknowledged = last
            published += len(records)
            RELAYED.labels(self.service).inc(len(records))
            records, last, more = following
        if acknowledged is not None:
            await log_of.store(acknowledged)
        return published

    async def _batch(
        self, log_of: _Log, after: int, limit: int | None
    ) -> tuple[list[OutgoingRecord], int | None, bool]:
        """The records of up to ``batch_size`` events after ``after``, the position read up to
        (None: none) and whether more may follow. Read a slice at a time, each turned into
        records before the next: a stored event decoded is ten times its record's size.

        Below a settled limit each read asks for a range of positions no wider than the
        slice, so the database never sorts the whole backlog to return its first rows (a
        table without fresh statistics was planned that way: 8 ms a read at 100,000 events
        behind). Positions missing from a range are settled gaps (a rolled-back write) and are
        passed."""
        records: list[OutgoingRecord] = []
        last: int | None = None
        read = 0
        while read < self.batch_size:
            wanted = min(_SLICE, self.batch_size - read)
            if limit is None:
                rows = await log_of.read(after, None, wanted)
                if rows:
                    last = after = rows[-1].position or after
                exhausted = len(rows) < wanted
            else:
                upto = min(limit, after + wanted)
                if upto <= after:
                    break
                rows = await log_of.read(after, upto, wanted)
                last = after = upto
                exhausted = upto >= limit
            if rows:
                records += self.store.outgoing(rows)
                read += len(rows)
            if exhausted:
                return records, last, False
        return records, last, last is not None and read >= self.batch_size

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                sent = await self.run_once()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: the position stays, retry
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


async def _nothing() -> None:
    """The acknowledgements of a batch that held no published event."""


async def _settle(acks: Awaitable[None]) -> None:
    """Wait out a batch in flight whose drain failed (its events go again)."""
    try:
        await acks
    except Exception:  # noqa: S110 - the failure being raised is the one to report
        pass


class _Log(Protocol):
    async def position(self) -> int:
        """The stored position (the row made on first use)."""
        ...

    async def settled(self) -> int | None:
        """Read no further than this (None: no limit)."""
        ...

    async def read(self, after: int, limit: int | None, count: int) -> Sequence[RecordedEvent]: ...

    async def store(self, position: int) -> None: ...


class _DriverLog:
    """PostgreSQL: each statement on its own through the driver (no transaction to hold open)."""

    def __init__(self, raw: Any, relay: EventRelay) -> None:
        self.raw = raw
        self.relay = relay

    async def position(self) -> int:
        await self.raw.execute(
            "INSERT INTO relay_position (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING", RELAY_NAME
        )
        return int(await self.raw.fetchval("SELECT position FROM relay_position WHERE name = $1", RELAY_NAME))

    async def settled(self) -> int:
        # Three statements, in this order. A transaction that took a position up to ``taken``
        # had its id by then (``store``), so the fence, a new id, is above it. The snapshot's
        # xmin then says whether any transaction that old still runs. (A snapshot's list of
        # running ids cannot say it: it leaves out those above its xmax, the newest finished.)
        taken = int(await self.raw.fetchval("SELECT pg_sequence_last_value($1::regclass)", _SEQUENCE) or 0)
        if taken <= self.relay._settled:  # nothing new: no fence (an idle relay uses no ids)
            return self.relay._settled
        fence = await self.raw.fetchval("SELECT pg_current_xact_id()::text::bigint")
        oldest = await self.raw.fetchval("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return self.relay.settle(taken, fence, oldest)

    async def read(self, after: int, limit: int | None, count: int) -> Sequence[RecordedEvent]:
        return [recorded_event(r) for r in await self.raw.fetch(_READ, after, limit, count)]

    async def store(self, position: int) -> None:
        await self.raw.execute(
            "UPDATE relay_position SET position = $2 WHERE name = $1", RELAY_NAME, position
        )


_SEQUENCE = "event_store_position_seq"
"""The identity sequence of ``event_store.position`` (PostgreSQL names it after both). It
caches one value (the identity's default), so its last value is the last one handed out."""


class _SqlAlchemyLog:
    """The embedded database: short transactions. SQLite serialises writers and a writer
    numbers its events after the highest committed position, so positions commit in order
    and every committed one is settled."""

    def __init__(self, conn: AsyncConnection, event_store: EventStore) -> None:
        self.conn = conn
        self.event_store = event_store

    async def position(self) -> int:
        async with self.conn.begin():
            found = (
                await self.conn.execute(
                    sa.select(relay_position.c.position).where(relay_position.c.name == RELAY_NAME)
                )
            ).scalar()
            if found is None:
                await self.conn.execute(relay_position.insert().values(name=RELAY_NAME, position=0))
            return int(found or 0)

    async def settled(self) -> None:
        return None

    async def read(self, after: int, limit: int | None, count: int) -> Sequence[RecordedEvent]:
        async with self.conn.begin():
            return await self.event_store.read_all(self.conn, after, count)

    async def store(self, position: int) -> None:
        async with self.conn.begin():
            await self.conn.execute(
                relay_position.update().where(relay_position.c.name == RELAY_NAME).values(position=position)
            )
