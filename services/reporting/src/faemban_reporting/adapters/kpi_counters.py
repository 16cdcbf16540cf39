"""Keeps ``kpi_memberships``, ``kpi_counts`` and ``kpi_totals`` true to the facts.

After the facts of a batch are written, each household the batch touched has its memberships
recomputed from all its facts (``domain.kpi_memberships``); only the rows that differ from the
stored ones are written (a span that ended is updated, one no longer there deleted), and the
difference is applied to the per-village counters. A household whose memberships did not change
costs one comparison. The result does not depend on delivery order or on redelivery.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.bounds import zoned
from faemban_domain.campaign import thai_day
from faemban_domain.eventsourcing.sql import add_to_counts, delete_many, insert_many, one_of
from faemban_reporting.domain.kpi_memberships import HouseholdFacts, Version, memberships

CHUNK = 500
Row = tuple[str, int, str, datetime, datetime | None]
"""(measure, ordinal, area_code, valid_from, valid_to) of one household."""


def _opt(at: datetime | None) -> datetime | None:
    return None if at is None else zoned(at)


async def _facts(
    conn: AsyncConnection, t: Mapping[str, sa.Table], ids: Sequence[str]
) -> dict[str, tuple[str, HouseholdFacts]]:
    """Every household of ``ids`` that is registered here, with its area and facts."""
    h = t["kpi_households"]
    out: dict[str, tuple[str, HouseholdFacts]] = {}
    for hid, area, at in await conn.execute(
        sa.select(h.c.household_id, h.c.area_code, h.c.registered_at).where(
            one_of(conn, h.c.household_id, ids)
        )
    ):
        out[hid] = (area, HouseholdFacts(registered_at=zoned(at)))

    def mine(table: sa.Table) -> sa.ColumnElement[bool]:
        return one_of(conn, table.c.household_id, list(out))

    if not out:
        return out
    v = t["kpi_verifications"]
    for row in await conn.execute(
        sa.select(
            v.c.household_id,
            v.c.valid_from,
            v.c.valid_to,
            v.c.survey_year,
            v.c.household_type,
            v.c.income_rose,
            v.c.passes_threshold,
        ).where(mine(v))
    ):
        out[row[0]][1].verifications.append(Version(zoned(row[1]), _opt(row[2]), tuple(row[3:])))
    c = t["kpi_certifications"]
    for hid, start, end, certified in await conn.execute(
        sa.select(c.c.household_id, c.c.valid_from, c.c.valid_to, c.c.certified).where(mine(c))
    ):
        out[hid][1].certifications.append(Version(zoned(start), _opt(end), (certified,)))
    s = t["kpi_assessments"]
    for hid, start, end, outcome, vlevel in await conn.execute(
        sa.select(s.c.household_id, s.c.valid_from, s.c.valid_to, s.c.outcome, s.c.vulnerability_level).where(
            mine(s)
        )
    ):
        out[hid][1].assessments.append(Version(zoned(start), _opt(end), (outcome, vlevel)))
    a = t["kpi_assistance"]
    for hid, logged, voided, lead in await conn.execute(
        sa.select(a.c.household_id, a.c.logged_at, a.c.voided_at, a.c.by_lead_agency).where(mine(a))
    ):
        out[hid][1].entries.append((zoned(logged), _opt(voided), bool(lead)))
    p = t["kpi_plans"]
    for hid, created in await conn.execute(sa.select(p.c.household_id, p.c.created_at).where(mine(p))):
        out[hid][1].plans.append(zoned(created))
    m = t["kpi_team_households"]
    for hid, team_id, assigned, released in await conn.execute(
        sa.select(m.c.household_id, m.c.team_id, m.c.assigned_at, m.c.released_at).where(mine(m))
    ):
        out[hid][1].assignments.append((team_id, zoned(assigned), _opt(released)))
    cm = t["kpi_case_moves"]
    for hid, lvl, at in await conn.execute(
        sa.select(cm.c.household_id, cm.c.to_level, cm.c.at).where(mine(cm), cm.c.action == "resolve")
    ):
        out[hid][1].resolutions.append((lvl, zoned(at)))
    return out


def _rows(area: str, facts: HouseholdFacts) -> set[Row]:
    return {
        (measure, i, area, span.start, span.end)
        for measure, spans in memberships(facts).items()
        for i, span in enumerate(spans)
    }


def _contributions(rows: Iterable[Row], sign: int, days: Counter[Any], now: Counter[Any]) -> None:
    for measure, _, area, start, end in rows:
        days[(area, measure, thai_day(zoned(start)))] += sign
        if end is None:
            now[(area, measure)] += sign
        else:
            days[(area, measure, thai_day(zoned(end)))] -= sign


async def recompute(conn: AsyncConnection, t: Mapping[str, sa.Table], household_ids: Iterable[str]) -> None:
    """Bring the memberships and counters of these households in line with their facts."""
    ids = sorted(set(household_ids))
    ms = t["kpi_memberships"]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        facts = await _facts(conn, t, chunk)
        stored: dict[str, set[Row]] = {}
        for hid, measure, ordinal, area, valid_from, valid_to in await conn.execute(
            sa.select(
                ms.c.household_id, ms.c.measure, ms.c.ordinal, ms.c.area_code, ms.c.valid_from, ms.c.valid_to
            ).where(one_of(conn, ms.c.household_id, chunk))
        ):
            stored.setdefault(hid, set()).add((measure, ordinal, area, zoned(valid_from), _opt(valid_to)))
        days: Counter[Any] = Counter()
        now: Counter[Any] = Counter()
        upserts: list[dict[str, Any]] = []
        deletes: list[dict[str, Any]] = []
        for hid in chunk:
            new = _rows(*facts[hid]) if hid in facts else set()
            old = stored.get(hid, set())
            if new == old:
                continue
            _contributions(old, -1, days, now)
            _contributions(new, +1, days, now)
            kept = {(m, i) for m, i, *_ in new}
            deletes += [
                {"household_id": hid, "measure": m, "ordinal": i} for m, i, *_ in old if (m, i) not in kept
            ]
            upserts += [
                {
                    "household_id": hid,
                    "measure": m,
                    "ordinal": i,
                    "area_code": area,
                    "valid_from": vf,
                    "valid_to": vt,
                }
                for m, i, area, vf, vt in new - old
            ]
        await delete_many(conn, ms, deletes)
        await insert_many(
            conn,
            ms,
            upserts,
            lambda insert: insert.on_conflict_do_update(
                index_elements=["household_id", "measure", "ordinal"],
                set_={c: insert.excluded[c] for c in ("area_code", "valid_from", "valid_to")},
            ),
        )
        await add_to_counts(
            conn,
            t["kpi_counts"],
            ["area_code", "measure", "day"],
            [{"area_code": a, "measure": m, "day": d, "n": n} for (a, m, d), n in days.items() if n],
        )
        await add_to_counts(
            conn,
            t["kpi_totals"],
            ["area_code", "measure"],
            [{"area_code": a, "measure": m, "n": n} for (a, m), n in now.items() if n],
        )
