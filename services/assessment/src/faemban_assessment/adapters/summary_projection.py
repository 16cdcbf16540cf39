"""Projection of ``indicator.assessed`` (v2, and v1 until it is retired) into the summary and
priority read models.

One household's events arrive in order (keyed by household id); an event
older than the row it would replace (its stream sequence) is ignored, so a
replay or a late duplicate cannot move the counters twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.domain.measures import contributions, priority_key
from faemban_domain.alkire_foster import exact_score
from faemban_domain.events.contracts import ASSESSED_TYPES, IndicatorAssessedV2, part_of, type_of
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import add_to_counts, insert_many, one_of

ASSESSED = ASSESSED_TYPES
CHUNK = 1000


class _Read(Protocol):
    """What the summary reads of an assessment (v1 or v2)."""

    household_id: str
    area_code: str
    survey_year: int
    as_of: datetime
    mpi_poor: bool
    critical: bool
    tpmap_poor_latest: bool
    survive: bool
    af_score: float
    vulnerability_level: int
    dependants: int
    outcome: str
    failing_indicators: Sequence[str]
    deprived_dimensions: Sequence[str]


READS = {type_of(IndicatorAssessedV2): part_of(IndicatorAssessedV2, tuple(_Read.__annotations__))}
"""The summary's part of v2 (ADR 0030): the indicators' findings, the CDD and the rest are
neither built nor checked here."""


def _row(data: _Read, version: int) -> dict[str, Any]:
    return {
        "household_id": data.household_id,
        "area_code": data.area_code,
        "version": version,
        "survey_year": data.survey_year,
        "as_of": data.as_of,
        "mpi_poor": data.mpi_poor,
        "critical": data.critical,
        "tpmap_poor_latest": data.tpmap_poor_latest,
        "survive": data.survive,
        "af_score": data.af_score,
        "af_fraction": str(exact_score(data.af_score)),
        "vulnerability_level": data.vulnerability_level,
        "dependants": data.dependants,
        "outcome": data.outcome,
        "failing_indicators": list(data.failing_indicators),
        "deprived_dimensions": list(data.deprived_dimensions),
        "priority_key": priority_key(
            data.vulnerability_level, data.critical, data.af_score, data.household_id
        ),
    }


async def project_assessed(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    await project_assessed_batch(conn, [event], tables)


async def project_assessed_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    current, counts = tables["assessment_current"], tables["assessment_area_counts"]
    ids = list(dict.fromkeys(e.subject for e in events if e.subject))
    rows: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), CHUNK):
        mine = one_of(conn, current.c.household_id, ids[i : i + CHUNK])
        found = await conn.execute(sa.select(current).where(mine))
        rows.update({r["household_id"]: dict(r) for r in found.mappings()})
    changed: dict[str, dict[str, Any]] = {}
    delta: dict[tuple[str, str], int] = {}
    for event in events:
        if event.type not in ASSESSED:
            continue
        data = cast(_Read, payload(event))
        version = int(event.sequence or 0)
        old = rows.get(data.household_id)
        if old is not None and old["version"] >= version:
            continue
        new = _row(data, version)
        for measure in contributions(new):
            delta[(new["area_code"], measure)] = delta.get((new["area_code"], measure), 0) + 1
        if old is not None:  # the household leaves its old counters (and maybe its old area)
            for measure in contributions(old):
                delta[(old["area_code"], measure)] = delta.get((old["area_code"], measure), 0) - 1
        rows[new["household_id"]] = changed[new["household_id"]] = new
    await insert_many(
        conn,
        current,
        list(changed.values()),
        lambda insert: insert.on_conflict_do_update(
            index_elements=["household_id"],
            set_={c.name: insert.excluded[c.name] for c in current.columns if c.name != "household_id"},
        ),
    )
    await add_to_counts(
        conn,
        counts,
        ["area_code", "measure"],
        [{"area_code": a, "measure": m, "n": n} for (a, m), n in delta.items() if n],
    )
