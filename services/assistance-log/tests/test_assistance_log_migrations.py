"""The migrations build exactly the tables the code uses, on SQLite and on PostgreSQL."""

from __future__ import annotations

from faemban_assistance_log.adapters.tables import metadata
from faemban_assistance_log.service import SPEC
from faemban_domain.testing import migration_drift


async def test_migrations_to_head_match_the_tables(empty_database: str) -> None:
    assert await migration_drift(SPEC.migrations, empty_database, metadata) == []
