"""The outbox relay: committed events → the service's topic.

It reads outbox rows in id order, publishes them (idempotent producer, key =
household id), waits for every acknowledgement, then deletes them. A crash
between publish and delete publishes those rows again on restart: delivery is
at-least-once and consumers deduplicate by event id (their inbox) or, where
the handler is idempotent, by each household's stream sequence (ADR 0019). On
PostgreSQL a transaction-scoped advisory lock keeps one relay active per
database, so two replicas never interleave a household's events.
"""

from __future__ import annotations

import asyncio
import os
import signal

import orjson
import sqlalchemy as sa
import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.events.envelope import headers_of, unpack_headers
from faemban_domain.eventsourcing.broker import OutgoingRecord, Publisher
from faemban_domain.eventsourcing.tables import outbox

log = structlog.get_logger("faemban.relay")

RELAYED = Counter("faemban_relay_published_total", "Events published from the outbox", ["service"])
_RELAY_LOCK_ID = 0x6661656D  # "faem"


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
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                got = (
                    await conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _RELAY_LOCK_ID})
                ).scalar()
                if not got:
                    return 0
            rows = (
                await conn.execute(
                    sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.headers)
                    .order_by(outbox.c.id)
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            records = [
                OutgoingRecord(
                    row.topic,
                    row.key,
                    row.value,
                    # a row written before the headers column parses its envelope
                    tuple(
                        unpack_headers(row.headers)
                        if row.headers is not None
                        else headers_of(orjson.loads(row.value))
                    ),
                )
                for row in rows
            ]
            self._fault("relay.before_publish")
            await self.publisher.publish(records)
            self._fault("relay.after_publish")
            # Delete exactly what was read: a lower id may still be uncommitted.
            ids = [r.id for r in rows]
            if conn.dialect.name == "postgresql":
                await conn.execute(sa.text("DELETE FROM outbox WHERE id = ANY(:ids)"), {"ids": ids})
            else:
                await conn.execute(outbox.delete().where(outbox.c.id.in_(ids)))
        RELAYED.labels(self.service).inc(len(rows))
        return len(rows)

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
