"""The migrations build exactly the tables the code uses, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from faemban_domain.eventsourcing.tables import RELAY_NAME, relay_position
from faemban_domain.platform.db import alembic_config, make_engine, upgrade
from faemban_domain.testing import migration_drift
from faemban_registry.adapters.tables import metadata
from faemban_registry.service import SPEC


async def test_migrations_to_head_match_the_tables(empty_database: str) -> None:
    assert await migration_drift(SPEC.migrations, empty_database, metadata) == []


@pytest.mark.parametrize("held", [[2, 3], []])
async def test_the_relay_starts_before_what_the_outbox_still_held(
    empty_database: str, held: list[int]
) -> None:
    """Step 0003 drops the outbox: the relay's position starts before the oldest event it still
    held (those go out again), or after the last event when it held none (ADR 0032)."""
    await asyncio.to_thread(command.upgrade, alembic_config(SPEC.migrations, empty_database), "0009")
    engine = make_engine(empty_database)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            for n in (1, 2, 3):
                await conn.execute(
                    sa.text(
                        "INSERT INTO event_store (stream_id, version, position, event_id, event_type,"
                        " data, metadata, recorded_at)"
                        " VALUES (:s, 1, :p, :e, 'HouseholdRegistered', '{}', '{}', :t)"
                    ),
                    {"s": f"household-{n}", "p": 10 * n, "e": f"e-{n}", "t": now},
                )
            for n in held:
                await conn.execute(
                    sa.text(
                        "INSERT INTO outbox (event_id, topic, key, value, created_at)"
                        " VALUES (:e, 't', :k, :v, :t)"
                    ),
                    {"e": f"e-{n}", "k": f"{n}", "v": b"{}", "t": now},
                )
        await upgrade(SPEC.migrations, empty_database)
        async with engine.connect() as conn:
            positions = (
                await conn.execute(sa.select(relay_position.c.name, relay_position.c.position))
            ).all()
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    finally:
        await engine.dispose()
    assert positions == [(RELAY_NAME, 19 if held else 30)]
    assert "outbox" not in tables
