"""Backends for the event-sourcing kit tests.

Each kit property is proven on real PostgreSQL + Kafka ("kafka") and, also,
on the embedded wiring ("embedded": SQLite + the in-process log).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.eventsourcing.broker import Broker, KafkaBroker, LocalBroker
from faemban_domain.eventsourcing.tables import event_store, relay_position
from faemban_domain.eventsourcing.tables import metadata as platform_metadata
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.wiring import kafka_credentials


@dataclass
class Backend:
    kind: str
    url: str
    engine: AsyncEngine
    broker: Broker
    topic: str

    async def unpublished(self) -> int:
        """Events after the relay's stored position (ADR 0032)."""
        async with self.engine.connect() as conn:
            at = (await conn.execute(sa.select(relay_position.c.position))).scalar() or 0
            return (
                await conn.execute(sa.select(sa.func.count()).where(event_store.c.position > at))
            ).scalar() or 0

    async def create_tables(self, *metadatas: sa.MetaData) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(platform_metadata.create_all)
            for md in metadatas:
                await conn.run_sync(md.create_all)


@pytest.fixture(params=["kafka", "embedded"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    topic = f"test.{uuid.uuid4().hex[:10]}.v1"
    if request.param == "kafka":
        create_database: Callable[[str], Awaitable[str]] = request.getfixturevalue("create_database")
        bootstrap: str = request.getfixturevalue("kafka_bootstrap")
        url = await create_database("kit")
        broker: Broker = KafkaBroker(bootstrap, partitions=3, credentials=kafka_credentials())
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'kit.sqlite'}"
        broker = LocalBroker(tmp_path / "bus.sqlite")
    engine = make_engine(url)
    await broker.ensure_topics([topic])
    yield Backend(request.param, url, engine, broker, topic)
    await engine.dispose()
    await broker.close()
