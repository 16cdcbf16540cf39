"""A prepared statement is planned for each execution's parameters on the services' PostgreSQL
engines, never settled on a generic plan costed when its table was empty (``make_engine``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from faemban_domain.eventsourcing.sql import insert_many, one_of
from faemban_domain.platform.db import make_engine

md = sa.MetaData()
memberships = sa.Table(
    "plan_probe",
    md,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("measure", sa.String(80), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)


async def test_a_lookup_prepared_on_an_empty_table_is_planned_again_as_the_table_grows(
    create_database: Callable[[str], Awaitable[str]],
) -> None:
    engine = make_engine(await create_database("plans"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(md.create_all)
        async with engine.connect() as conn:
            # a projection's first batches find its table empty, later ones find it full
            for batch in range(12):
                ids = [f"h{batch:02d}{i:04d}" for i in range(500)]
                found = await conn.execute(
                    sa.select(memberships.c.household_id).where(one_of(conn, memberships.c.household_id, ids))
                )
                assert found.all() == []
                if batch >= 8:
                    rows = [{"household_id": h, "measure": "m", "n": 1} for h in ids]
                    await insert_many(conn, memberships, rows)
            plans = (
                await conn.exec_driver_sql(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE 'SELECT plan_probe.household_id%'"
                )
            ).one()
            await conn.rollback()
    finally:
        await engine.dispose()
    generic, custom = plans
    assert (generic, custom) == (0, 12)
