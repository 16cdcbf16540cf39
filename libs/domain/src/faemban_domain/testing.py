"""Helpers for tests of asynchronous delivery (used by every suite)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.eventsourcing.broker import Broker, KafkaBroker, LocalBroker, OutgoingRecord
from faemban_domain.eventsourcing.consumer import ConsumerRunner, dlq_topic
from faemban_domain.eventsourcing.store import EventStore
from faemban_domain.eventsourcing.tables import metadata as platform_tables
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.wiring import kafka_credentials


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 60.0, what: str = "condition"
) -> None:
    """Poll until ``check`` holds (a deadline for asynchronous delivery, not a speed claim)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        await asyncio.sleep(0.1)


async def published_records(engine: AsyncEngine, store: EventStore) -> list[OutgoingRecord]:
    """Every record the relay publishes (or has published) from ``store``'s log, in order:
    what a service's tests see of its topic without a broker (ADR 0032)."""
    records: list[OutgoingRecord] = []
    after = 0
    async with engine.connect() as conn:
        while events := await store.read_all(conn, after, 1000):
            records += store.outgoing(events)
            after = events[-1].position or after
    return records


class Running:
    """A consumer runner in a background task, stoppable like a process."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(runner.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(self.task, 30)
        except TimeoutError:
            self.task.cancel()


@dataclass
class Backend:
    """A service's database and a broker with a topic of the test's own."""

    engine: AsyncEngine
    broker: Broker
    topic: str


@asynccontextmanager
async def delivery_backend(
    tmp_path: Path, tables: sa.MetaData, database_url: str | None = None, kafka_bootstrap: str | None = None
) -> AsyncIterator[Backend]:
    """Real PostgreSQL + Kafka when given, else the embedded wiring (SQLite + the local log).

    The topic is the test's own: the service topics of the shared broker belong to the e2e stacks.
    """
    broker: Broker
    if kafka_bootstrap:
        broker = KafkaBroker(kafka_bootstrap, partitions=3, credentials=kafka_credentials())
    else:
        broker = LocalBroker(tmp_path / "bus.sqlite")
    engine = make_engine(database_url or f"sqlite+aiosqlite:///{tmp_path / 'service.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(platform_tables.create_all)
        await conn.run_sync(tables.create_all)
    topic = f"test.registry.{uuid.uuid4().hex[:8]}.v1"
    await broker.ensure_topics([topic, dlq_topic(topic)])
    try:
        yield Backend(engine, broker, topic)
    finally:
        await engine.dispose()
        await broker.close()


def delivery_backend_fixture(tables: sa.MetaData, database: str) -> Any:
    """A ``backend`` fixture for a service's delivery tests, run twice: on real Kafka +
    PostgreSQL (a database of its own named after ``database``; marked ``integration``) and
    on the embedded wiring. Bind it in the test module: ``backend = delivery_backend_fixture(…)``."""
    import pytest  # only test suites call this; the services' images carry no pytest

    @pytest.fixture(params=[pytest.param("kafka", marks=pytest.mark.integration), "embedded"])
    async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
        url, bootstrap = None, None
        if request.param == "kafka":
            create_database: Callable[[str], Awaitable[str]] = request.getfixturevalue("create_database")
            url, bootstrap = await create_database(database), request.getfixturevalue("kafka_bootstrap")
        async with delivery_backend(tmp_path, tables, url, bootstrap) as made:
            yield made

    return backend


async def migration_drift(migrations: Path, url: str, service_tables: sa.MetaData | None = None) -> list[Any]:
    """Upgrade the empty database at ``url`` to head, then list what Alembic's
    ``compare_metadata`` finds different from the platform's and the service's tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from faemban_domain.platform.db import migration_target, upgrade

    await upgrade(migrations, url)
    target = migration_target(service_tables)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: sa.Connection) -> list[Any]:
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                diffs: list[Any] = compare_metadata(context, target)  # type: ignore[arg-type]
                return [
                    d
                    for d in diffs
                    if not (
                        isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version"
                    )
                ]

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()
