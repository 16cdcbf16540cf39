"""Register projection: totals per village, idempotent per household."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from faemban_domain.events.envelope import CloudEvent
from faemban_domain.platform.db import make_engine
from faemban_reporting.adapters.projections import REGISTERED, project_register, project_register_batch
from faemban_reporting.adapters.tables import metadata, register_households, register_village_totals

TABLES = {"register_households": register_households, "register_village_totals": register_village_totals}


def registered(hid: str, area: str, members: int, welfare: int, flags: list[str]) -> CloudEvent:
    return CloudEvent(
        source="faemban/registry",
        type=REGISTERED,
        subject=hid,
        sequence="1",
        areacode=area,
        data={
            "household_id": hid,
            "area_code": area,
            "cohort_year": 2019,
            "source": "tpmap",
            "members": members,
            "welfare_card_holders": welfare,
            "elderly": 0,
            "disabled": 0,
            "chronically_ill": 0,
            "total_income": None,
            "average_income": None,
            "tpmap_failing_indicators": flags,
        },
    )


async def test_totals_count_dimensions_poor_persons_and_each_household_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    a = registered(
        "H1", "34070101", 4, 2, ["income.average_income", "income.elderly_income", "living.tidy_home"]
    )
    b = registered("H2", "34070101", 3, 1, [])
    again = registered("H1", "34070101", 4, 2, ["income.average_income"])  # same household, new event id
    async with engine.begin() as conn:
        await project_register_batch(conn, [a, b], TABLES)
        await project_register(conn, again, TABLES)
        await project_register_batch(conn, [again, again], TABLES)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(register_village_totals))).mappings().one()
    await engine.dispose()
    assert row["target_households"] == 2 and row["members"] == 7 and row["welfare_card_holders"] == 3
    assert row["income_households"] == 1 and row["living_households"] == 1 and row["health_households"] == 0
    assert (
        row["target_poor_persons"] == 2
    )  # H2 fails nothing: its welfare-card holder is not a target poor person
