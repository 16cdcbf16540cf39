"""Without a pre-ping per checkout, a pooled connection the server dropped (restart, failover)
costs one failed statement: the unit of work runs once more on a fresh connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.store import EventStore, NewEvent
from faemban_domain.eventsourcing.tables import metadata as platform_metadata
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.unit_of_work import Transactions, UnitOfWork

WHO = Principal("ops", frozenset({"ops_team"}), ("34",))


async def _backend_pid(uow: UnitOfWork, principal: Principal, query: Any) -> int:
    return int((await uow.conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def _drop_every_pooled_connection(database_url: str) -> None:
    import asyncpg

    url = sa.engine.make_url(database_url)
    admin = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database="postgres")
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()


async def test_a_stream_read_through_the_driver_survives_a_dropped_connection(
    create_database: Callable[[str], Awaitable[str]],
) -> None:
    """A reading connection loads a stream through asyncpg itself (``autocommit_rows``); a
    connection the server dropped is reported as SQLAlchemy reports it, so the read runs once
    more on a fresh one instead of failing."""
    url = await create_database("dropped_driver")
    engine = make_engine(url)
    store = EventStore("faemban/test", "test.dropped.v1", lambda ev: None)
    async with engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await store.append(conn, "s-1", 0, [NewEvent("Opened", {"n": 1})])
    reading_engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def load(uow: UnitOfWork, principal: Principal, query: Any) -> list[int]:
        return [e.version for e in await store.load(uow.conn, "s-1")]

    transactions: Transactions[UnitOfWork] = Transactions(engine.begin, reading_engine.connect, UnitOfWork)
    assert await transactions.read(load, WHO, None) == [1]
    await _drop_every_pooled_connection(url)
    assert await transactions.read(load, WHO, None) == [1]
    await engine.dispose()


async def test_reads_and_writes_survive_connections_dropped_by_the_server(
    create_database: Callable[[str], Awaitable[str]],
) -> None:
    """PostgreSQL only: SQLite has no server to drop a connection."""
    url = await create_database("dropped")
    engine = make_engine(url)

    def reading() -> Any:
        return engine.connect()

    transactions: Transactions[UnitOfWork] = Transactions(engine.begin, reading, UnitOfWork)
    before = await transactions.read(_backend_pid, WHO, None)
    await _drop_every_pooled_connection(url)
    after = await transactions.read(_backend_pid, WHO, None)
    assert after != before, "the read ran on a new connection"
    await _drop_every_pooled_connection(url)

    async def write(uow: UnitOfWork, principal: Principal, command: Any) -> int:
        conn: AsyncConnection = uow.conn
        await conn.execute(sa.text("CREATE TABLE IF NOT EXISTS dropped_probe (n int)"))
        await conn.execute(sa.text("INSERT INTO dropped_probe VALUES (1)"))
        return 1

    await transactions.run(write, WHO, None)
    async with engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM dropped_probe"))).scalar() == 1
    await engine.dispose()
