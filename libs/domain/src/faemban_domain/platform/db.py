"""Engines and migrations for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from faemban_domain.eventsourcing.sql import json_text

READ_ONLY = {"faemban_read_only": True}
"""Execution option of a connection that only reads (``ServiceRuntime.reading``)."""


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 60}, **kwargs)

        # SQLite: a writing transaction takes the write lock at BEGIN so concurrent
        # writers queue instead of failing half-way ("database is locked" on upgrade).
        # A reading one begins deferred: under WAL it sees its snapshot without the
        # lock, so reads go on while a long import holds it.
        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            read_only = conn.get_execution_options().get("faemban_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    # Twenty connections kept, none beyond: under load, an overflow connection was closed on
    # its return and opened again for the next request (TLS attempt, authentication, startup —
    # most of the p99 of a GET under 50 clients); a request now waits for a pooled one.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 0)
    # No pre-ping (a SELECT 1 round trip on every checkout): a connection the server dropped
    # fails its first statement, SQLAlchemy then invalidates the whole pool, and
    # ``Transactions`` runs the unit of work once more on a fresh connection (``is_stale``).
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    # Values over ~2 KB (an assessment in v1's shape, 2.3 KB) are compressed into the row:
    # lz4 instead of PostgreSQL's default pglz made COPY of the event store 40% faster
    # (docs/benchmarks.md). PostgreSQL 14+ built with lz4, as Debian's and the official images are.
    #
    # Every execution is planned for its own parameters: a statement kept prepared may otherwise
    # settle on a generic plan costed while a projection's table was empty, and keep its
    # sequential scan as the table grows (ADR 0027).
    kwargs.setdefault(
        "connect_args",
        {"server_settings": {"default_toast_compression": "lz4", "plan_cache_mode": "force_custom_plan"}},
    )
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect_pg(dbapi_conn: Any, _rec: Any) -> None:
        bound_tcp(dbapi_conn.driver_connection)

    return engine


TCP_USER_TIMEOUT_MS = 30_000
"""A statement whose bytes the server has not acknowledged for 30 s fails its connection."""
TCP_KEEPALIVE = (30, 10, 3)
"""An idle connection is probed after 30 s, every 10 s, and dropped after 3 unanswered."""


def bound_tcp(connection: Any) -> None:
    """Bound how long a PostgreSQL connection can hang on a network that went away.

    When the server's host vanishes without a reset (a network partition, a container moved
    to a new address), a pooled connection's next statement would wait for the kernel's
    retransmissions, about 15 minutes, and with it the consumer holding it: what libpq's
    ``tcp_user_timeout`` and ``keepalives_*`` settings are for. asyncpg has no such
    settings, so they go on its socket: the statement then fails with ETIMEDOUT, the pool
    drops the connection and the caller's retry (a transient error) opens a new one."""
    transport = getattr(connection, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket has no network to lose
    idle, interval, count = TCP_KEEPALIVE
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (
        ("TCP_KEEPIDLE", idle),
        ("TCP_KEEPINTVL", interval),
        ("TCP_KEEPCNT", count),
        ("TCP_USER_TIMEOUT", TCP_USER_TIMEOUT_MS),
    ):
        if hasattr(socket, option):  # Linux; other kernels keep their defaults
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


def is_stale(exc: BaseException) -> bool:
    """The database dropped the connection under us (restart, failover): the work did not
    happen and may run again on a new connection."""
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


def database_unreachable(exc: BaseException) -> bool:
    """A server that is not (yet) there or not (yet) accepting: refused or dropped
    connections, a name not resolvable yet, "the database system is starting up" (57P03) or
    any connection exception (class 08) — as opposed to a bad URL, password or migration."""
    while exc is not None:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            return False  # a SQLite path that will not appear by waiting
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return True
        state = getattr(exc, "sqlstate", None) or ""
        if state == "57P03" or state.startswith("08"):
            return True
        if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)) and exc.orig is None:
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__  # type: ignore[assignment]
    return False


async def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    import asyncpg

    name = parsed.database
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await conn.close()


def alembic_config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_sync(migrations_dir: Path, url: str) -> None:
    command.upgrade(alembic_config(migrations_dir, url), "head")


async def upgrade(migrations_dir: Path, url: str) -> None:
    """Apply migrations from a worker thread (Alembic's env runs its own loop)."""
    await asyncio.to_thread(upgrade_sync, migrations_dir, url)


def migration_target(service_tables: sa.MetaData | None = None) -> list[sa.MetaData]:
    """What a service's migrations must build: the platform tables and its own."""
    from faemban_domain.eventsourcing.tables import metadata as platform_tables

    return [platform_tables, *([service_tables] if service_tables is not None else [])]


_MIGRATION_LOCK = 0x6661656D6D6967  # "faemmig": advisory locks are per database


def run_alembic_env(service_tables: sa.MetaData | None = None) -> None:
    """The body of every service's ``migrations/env.py``.

    The target metadata (platform tables and the service's own) lets ``alembic check``
    and the migration tests find drift between the migrations and the ``Table`` objects.
    """
    from alembic import context

    target = migration_target(service_tables)

    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None

    def do_run(connection: Any) -> None:
        context.configure(
            connection=connection, target_metadata=target, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, target_metadata=target)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def run_async() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Processes of one service starting together (replicas, or a consumer run in
                # a process of its own, ADR 0029) migrate one after the other: this lock is
                # the migration's transaction's, and the next process finds the head applied.
                # Without it both created alembic_version and one failed to start.
                lock = sa.text("SELECT pg_advisory_xact_lock(:key)")
                await connection.execute(lock, {"key": _MIGRATION_LOCK})
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run_async())
