"""Verification progress: statuses from the registry's events, stale events ignored, moves followed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from test_register_projection import registered

from faemban_domain.events.envelope import CloudEvent
from faemban_domain.platform.db import make_engine
from faemban_reporting.adapters import progress_projection as vp
from faemban_reporting.adapters.projections import MOVED, project_register
from faemban_reporting.adapters.tables import metadata, register_households, register_village_totals
from faemban_reporting.adapters.tables import verification_households as progress
from faemban_reporting.service_layer.queries.verification_progress import verification_progress

TABLES = {"verification_households": progress}


def event(type_: str, seq: int, **data: Any) -> CloudEvent:
    return CloudEvent(
        source="faemban/registry",
        type=type_,
        subject="H1",
        sequence=str(seq),
        areacode=data.get("area_code", "34070101"),
        data={"household_id": "H1", "area_code": "34070101", **data},
    )


async def test_progress_follows_the_campaign_and_ignores_stale_events(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    verified = event(
        vp.VERIFIED,
        2,
        survey_year=2019,
        verification_category="partly_correct",
        verified_at="2020-01-02T03:00:00+00:00",
        indicator_results={},
        field_status="lives_here",
        household_type="develop",
        members=[],
    )
    dates = {"survey_year": 2019, "due": "2020-01-10", "late": False}
    certified = event(vp.CERTIFIED, 3, certified_at="2020-01-05T03:00:00+00:00", **dates)
    # a retired v1 return from the past still carries the words of its reason: never kept here
    returned = event(
        vp.RETURNED,
        4,
        level="province",
        reason="pin missing",
        returned_at="2020-01-06T03:00:00+00:00",
        **dates,
    )
    async with engine.begin() as conn:
        await vp.project_progress_batch(
            conn, [registered("H1", "34070101", 3, 1, []), verified, certified], TABLES
        )
        await vp.project_progress(conn, returned, TABLES)
        await vp.project_progress(conn, certified, TABLES)  # stale: sequence 3 < 4
        await vp.project_progress(
            conn, event(vp.MOVED, 5, from_area_code="34070101", area_code="34070201"), TABLES
        )
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(progress))).mappings().one()
        report = await verification_progress(conn, "3407", "subdistrict", None, 2019, datetime.now(UTC))
    await engine.dispose()
    assert (
        row["status"] == "to_verify"
        and row["times_returned"] == 1
        and row["last_return_level"] == "province"
        and row["last_return_reason"] is None
    )
    assert row["verified_late"] is True  # verified on 2 Jan 2020, due 31 Dec 2019
    assert row["area_code"] == "34070201"
    [sub] = report["rows"]
    assert (
        sub["area_code"] == "340702"
        and sub["to_verify"] == 1
        and sub["returned"] == 1
        and sub["verified"] == 0
    )
    assert report["total"]["overdue"]["verify"] == 1


async def test_register_summary_moves_a_household_between_villages(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    tables = {"register_households": register_households, "register_village_totals": register_village_totals}
    async with engine.begin() as conn:
        await project_register(conn, registered("H1", "34070101", 4, 2, ["living.tidy_home"]), tables)
        moved = event(MOVED, 2, from_area_code="34070101", area_code="34070201")
        await project_register(conn, moved, tables)
        await project_register(conn, moved, tables)  # redelivered: no double move
    async with engine.connect() as conn:
        totals = dict(
            (
                await conn.execute(
                    sa.select(register_village_totals.c.area_code, register_village_totals.c.members)
                )
            ).all()
        )
    await engine.dispose()
    assert totals == {"34070101": 0, "34070201": 4}
