"""Dialect-aware statements the kit needs on both PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
