"""Processes of one service starting together migrate one after the other (ADR 0029).

A consumer run in a process of its own, or a second replica, starts beside the service's
other process on the same database. Both ran the migrations at once: both created Alembic's
version table and one of them failed to start.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("probe", sa.Column("id", sa.Integer, primary_key=True))
    # the other process is meanwhile past its look for the version table: without the lock it
    # creates that table too and fails once this transaction commits
    op.execute("SELECT pg_sleep(0.5)")


def downgrade() -> None:
    op.drop_table("probe")
"""


async def test_two_processes_migrating_one_fresh_database_at_once_both_start(
    create_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    url = await create_database("migrate_together")
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(
        "from faemban_domain.platform.db import run_alembic_env\n\nrun_alembic_env()\n"
    )
    (migrations / "versions" / "0001_probe.py").write_text(MIGRATION)

    async def process() -> int:
        # each its own process, as two processes of a service are (Alembic's context is global)
        run = (
            f"from faemban_domain.platform.db import upgrade_sync\nupgrade_sync({str(migrations)!r}, {url!r})"
        )
        child = await asyncio.create_subprocess_exec(sys.executable, "-c", run)
        return await child.wait()

    assert await asyncio.gather(process(), process()) == [0, 0]

    u = make_url(url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == "0001"
        assert await conn.fetchval("SELECT count(*) FROM probe") == 0
    finally:
        await conn.close()
