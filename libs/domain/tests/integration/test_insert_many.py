"""``insert_many`` and ``delete_many``: one statement a batch on PostgreSQL (``unnest``), one row
an execution on SQLite — the same rows either way, JSON lists included, with the caller's ON
CONFLICT (and RETURNING)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from faemban_domain.eventsourcing.sql import delete_many, insert_many

from .conftest import Backend

rows_md = sa.MetaData()
counters = sa.Table(
    "insert_many_probe",
    rows_md,
    sa.Column("area_code", sa.String(8), primary_key=True),
    sa.Column("measure", sa.String(40), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("failing", sa.JSON, nullable=False),
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
    sa.Column("critical", sa.Boolean, nullable=False),
)
AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def _add(insert: sa.Insert) -> sa.Insert:
    return insert.on_conflict_do_update(  # type: ignore[attr-defined, no-any-return]
        index_elements=["area_code", "measure"],
        set_={"n": counters.c.n + insert.excluded.n, "failing": insert.excluded.failing},  # type: ignore[attr-defined]
    )


async def test_many_rows_go_in_as_given_and_conflicts_follow_the_callers_clause(backend: Backend) -> None:
    await backend.create_tables(rows_md)
    first = [
        {
            "area_code": "34010101",
            "measure": "mpi_poor",
            "n": 2,
            "failing": ["health.food_safety", "income.average_income"],
            "as_of": AT,
            "critical": True,
        },
        {
            "area_code": "34010102",
            "measure": "mpi_poor",
            "n": 1,
            "failing": [],
            "as_of": None,
            "critical": False,
        },
        {
            "area_code": "34010101",
            "measure": "critical",
            "n": 5,
            "failing": {"nested": [1, 2]},
            "as_of": AT,
            "critical": True,
        },
    ]
    async with backend.engine.begin() as conn:
        await insert_many(conn, counters, first, _add)
        await insert_many(conn, counters, [], _add)  # nothing to write: no statement
        await insert_many(
            conn,
            counters,
            [{**first[0], "n": -1, "failing": ["living.housing"]}],
            _add,
        )
    async with backend.engine.connect() as conn:
        got = {
            (r.area_code, r.measure): (r.n, r.failing, r.as_of, r.critical)
            for r in await conn.execute(sa.select(counters))
        }
    assert len(got) == 3
    n, failing, as_of, critical = got[("34010101", "mpi_poor")]
    assert (n, failing, critical) == (1, ["living.housing"], True)
    assert as_of is not None and as_of.replace(tzinfo=UTC) == AT  # SQLite gives naive datetimes
    assert got[("34010102", "mpi_poor")] == (1, [], None, False)
    assert got[("34010101", "critical")][:2] == (5, {"nested": [1, 2]})


async def test_do_nothing_skips_duplicates_within_and_across_batches(backend: Backend) -> None:
    await backend.create_tables(rows_md)
    row = {"area_code": "34010101", "measure": "m", "n": 1, "failing": [], "as_of": None, "critical": False}
    async with backend.engine.begin() as conn:
        for _ in range(2):
            await insert_many(
                conn, counters, [row, {**row, "n": 9}], lambda insert: insert.on_conflict_do_nothing()
            )
    async with backend.engine.connect() as conn:
        assert (await conn.execute(sa.select(counters.c.n))).scalars().all() == [1]


async def test_returning_names_only_the_rows_inserted(backend: Backend) -> None:
    await backend.create_tables(rows_md)
    row = {"area_code": "34010101", "measure": "m", "n": 1, "failing": [], "as_of": None, "critical": False}

    def new_only(insert: sa.Insert) -> sa.Insert:
        return insert.on_conflict_do_nothing().returning(counters.c.measure)  # type: ignore[attr-defined, no-any-return]

    async with backend.engine.begin() as conn:
        await insert_many(conn, counters, [row], new_only)
        result = await insert_many(conn, counters, [row, {**row, "measure": "other"}], new_only)
        assert result is not None and sorted(result.scalars().all()) == ["other"]
        assert await insert_many(conn, counters, [], new_only) is None


async def test_delete_many_deletes_exactly_the_keys_named(backend: Backend) -> None:
    await backend.create_tables(rows_md)
    base = {"n": 1, "failing": [], "as_of": None, "critical": False}
    keys = [("34010101", "a"), ("34010101", "b"), ("34010102", "a"), ("34010102", "b")]
    async with backend.engine.begin() as conn:
        await insert_many(conn, counters, [{"area_code": a, "measure": m, **base} for a, m in keys])
        await delete_many(conn, counters, [])  # nothing to delete: no statement
        # a key pair, not each column on its own: ("34010101", "b") and ("34010102", "a") stay
        await delete_many(
            conn,
            counters,
            [{"area_code": "34010101", "measure": "a"}, {"area_code": "34010102", "measure": "b"}],
        )
    async with backend.engine.connect() as conn:
        left = sorted((r.area_code, r.measure) for r in await conn.execute(sa.select(counters)))
    assert left == [("34010101", "b"), ("34010102", "a")]


kinds_md = sa.MetaData()
kinds = sa.Table(
    "insert_many_kinds",
    kinds_md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("amount", sa.Numeric(14, 2), nullable=True),
    sa.Column("ratio", sa.Float, nullable=True),
    sa.Column("big", sa.BigInteger, nullable=True),
    sa.Column("day", sa.Date, nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("doc", sa.JSON, nullable=True),
    sa.Column("blob", sa.LargeBinary, nullable=True),
)


async def test_every_kind_of_value_comes_back_as_written(backend: Backend) -> None:
    """The arrays must not change a value: quotes, backslashes, braces and Thai in text (an
    array's text form quotes them), exact decimals, the largest integers, dates, an offset other
    than UTC, a naive datetime (UTC, as asyncpg reads it), a JSON string and bytes."""
    await backend.create_tables(kinds_md)
    bangkok = timezone(timedelta(hours=7))
    rows = [
        {
            "id": 1,
            "text": "บ้าน \"นาย\\ดำ\" '{a,b}' \n NULL",
            "amount": Decimal("450.50"),
            "ratio": 0.1 + 0.2,
            "big": 2**62,
            "day": date(2026, 11, 25),
            "at": datetime(2026, 11, 25, 13, 5, 7, 123456, tzinfo=bangkok),
            "doc": "just a string",
            "blob": None,
        },
        {
            "id": 2,
            "text": None,
            "amount": None,
            "ratio": None,
            "big": None,
            "day": None,
            "at": datetime(2026, 11, 25, 6, 5, 7),
            "doc": {"ไทย": [1, None, True]},
            "blob": None,
        },
    ]
    async with backend.engine.begin() as conn:
        await insert_many(conn, kinds, rows)
        await insert_many(conn, kinds, [{"id": 3, "blob": b"\x00\xff"}])
    async with backend.engine.connect() as conn:
        got = {r["id"]: dict(r) for r in (await conn.execute(sa.select(kinds))).mappings()}
    one, two = got[1], got[2]
    assert one["text"] == rows[0]["text"]
    assert one["amount"] == Decimal("450.50") and one["ratio"] == 0.1 + 0.2 and one["big"] == 2**62
    assert one["day"] == date(2026, 11, 25) and one["doc"] == "just a string"
    assert one["at"].replace(tzinfo=one["at"].tzinfo or UTC) == rows[0]["at"] or (
        backend.kind == "embedded"  # SQLite keeps the wall time it was given, without its offset
    )
    assert two["text"] is None and two["amount"] is None and two["day"] is None
    assert two["doc"] == {"ไทย": [1, None, True]}
    assert two["at"].replace(tzinfo=UTC) == datetime(2026, 11, 25, 6, 5, 7, tzinfo=UTC)
    assert got[3]["blob"] == b"\x00\xff"
