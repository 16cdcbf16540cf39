"""Dialect-aware statements the kit needs on both PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def json_text(value: Any) -> str:
    """JSON columns are written by orjson (several times faster than ``json.dumps`` on the
    event payloads every write path stores)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support for the connection's dialect (PostgreSQL or SQLite)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def one_of(
    conn: AsyncConnection, column: sa.ColumnElement[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``column IN (values)`` for a batch of ids: on PostgreSQL ``column = ANY(:array)``, one
    parameter, so the statement compiles once whatever the count (an expanding IN of 500 ids
    re-renders the SQL on every execution: a tenth of a projection's CPU)."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


async def upsert(
    conn: AsyncConnection,
    table: sa.Table,
    values: Mapping[str, Any],
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    stmt = dialect_insert(conn, table).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={c: stmt.excluded[c] for c in update})
    await conn.execute(stmt)


async def bulk_insert(conn: AsyncConnection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows inside the caller's transaction: COPY on PostgreSQL.

    JSON columns must already be serialised by the caller for COPY; use it for
    tables of plain columns (or pass JSON as text).
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(table.insert(), list(rows))
        return
    # The first SQLAlchemy statement makes the driver open the transaction;
    # COPY on the raw connection then runs inside it.
    await conn.execute(sa.text("SELECT 1"))
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    columns = list(rows[0].keys())
    await raw.copy_records_to_table(
        table.name, columns=columns, records=[tuple(r[c] for c in columns) for r in rows]
    )


async def autocommit_rows(conn: AsyncConnection, sql: str, *args: Any) -> list[Any] | None:
    """The rows of ``sql`` (``$n`` parameters) read through the driver itself, when ``conn`` is
    a PostgreSQL connection outside any transaction (a service's reading connection); else
    None, and the caller runs its SQLAlchemy statement.

    Why: the hot reads (a household's stream for a GET) spend three times the statement's
    own cost in SQLAlchemy's compile cache, greenlet hop and result wrapping — 298 → 111 µs
    of CPU per stream load measured here (docs/benchmarks.md, "Reads"). The driver's
    prepared-statement cache and SQLAlchemy's JSON codecs on it are the same either way.
    A connection the server dropped is invalidated and reported as SQLAlchemy reports it
    (``connection_invalidated``), so the caller's retry on a fresh connection still applies.
    """
    sync = conn.sync_connection
    if (
        conn.dialect.name != "postgresql"
        or sync is None
        or sync.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    ):
        return None
    # the checked-out connection as it is (no greenlet hop); through the pool after an invalidation
    pooled = sync.connection if not sync.invalidated else await conn.get_raw_connection()
    raw = pooled.driver_connection
    assert raw is not None
    try:
        return list(await raw.fetch(sql, *args))
    except Exception as exc:
        if not raw.is_closed():  # SQLAlchemy's own test of a disconnect on asyncpg
            raise
        await conn.invalidate(exc)
        raise sa.exc.DBAPIError(sql, args, exc, connection_invalidated=True) from exc


async def insert_many(
    conn: AsyncConnection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    on_conflict: Callable[[Any], Any] | None = None,
) -> sa.CursorResult[Any] | None:
    """Insert many rows in one statement: on PostgreSQL ``INSERT … SELECT unnest(…)`` with one
    array parameter a column; elsewhere the dialect's insert run once per row. ``on_conflict``
    adds the insert's ``ON CONFLICT`` clause (it is given the dialect's insert) and may add
    ``RETURNING``: the result is returned (None when there were no rows).

    Why: a projection's batch wrote its counters one row per execution — 749,262 upserts of
    ``assessment_area_counts`` for 100,000 households, each bound, planned and executed on its
    own; one statement a batch is one plan (docs/benchmarks.md). Rows share their keys, and
    with ``ON CONFLICT DO UPDATE`` their conflict keys must be distinct within the batch
    (PostgreSQL cannot update one row twice in a statement).
    """
    if not rows:
        return None
    insert = dialect_insert(conn, table)
    result: sa.CursorResult[Any]
    if conn.dialect.name != "postgresql":
        result = await conn.execute(on_conflict(insert) if on_conflict else insert, list(rows))
        return result
    names = list(rows[0].keys())
    arrays = [_unnested(table.c[name], [r[name] for r in rows]) for name in names]
    stmt = insert.from_select(names, sa.select(*arrays))
    result = await conn.execute(on_conflict(stmt) if on_conflict else stmt)
    return result


async def delete_many(conn: AsyncConnection, table: sa.Table, keys: Sequence[Mapping[str, Any]]) -> None:
    """Delete the rows these keys name (each a mapping of the same key columns to values), one
    statement on PostgreSQL (``WHERE (…) IN (SELECT unnest(…), …)``), once per key elsewhere.

    Why: a projection that rewrites only what changed deletes a few rows of many households at
    once; by key, a batch is one plan, as ``insert_many`` is for its inserts."""
    if not keys:
        return
    names = list(keys[0].keys())
    if conn.dialect.name != "postgresql":
        where = sa.and_(*(table.c[n] == sa.bindparam(f"k_{n}") for n in names))
        await conn.execute(table.delete().where(where), [{f"k_{n}": k[n] for n in names} for k in keys])
        return
    arrays = [_unnested(table.c[n], [k[n] for k in keys]) for n in names]
    await conn.execute(table.delete().where(sa.tuple_(*(table.c[n] for n in names)).in_(sa.select(*arrays))))


async def add_to_counts(
    conn: AsyncConnection, table: sa.Table, keys: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Add each row's ``n`` to the counter its ``keys`` name (made at ``n`` when new), one
    statement a batch; a batch names each counter once (sum the deltas per key first)."""
    await insert_many(
        conn,
        table,
        rows,
        lambda insert: insert.on_conflict_do_update(
            index_elements=list(keys), set_={"n": table.c.n + insert.excluded.n}
        ),
    )


def _unnested(column: sa.Column[Any], values: list[Any]) -> sa.ColumnElement[Any]:
    """``unnest`` of one column's values; a JSON column's values travel as text (a JSON list
    in an array parameter would become a dimension of the array) and are cast back."""
    if isinstance(column.type, sa.JSON):
        texts = [None if v is None else json_text(v) for v in values]
        param = sa.bindparam(f"u_{column.name}", texts, type_=postgresql.ARRAY(sa.Text()))
        return sa.cast(sa.func.unnest(param), column.type)
    return sa.func.unnest(sa.bindparam(f"u_{column.name}", values, type_=postgresql.ARRAY(column.type)))
