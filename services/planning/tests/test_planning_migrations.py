"""The migrations build exactly the tables the code uses, on SQLite and on PostgreSQL."""

from __future__ import annotations

from faemban_domain.testing import migration_drift
from faemban_planning.adapters.tables import metadata
from faemban_planning.service import SPEC


async def test_migrations_to_head_match_the_tables(empty_database: str) -> None:
    assert await migration_drift(SPEC.migrations, empty_database, metadata) == []
