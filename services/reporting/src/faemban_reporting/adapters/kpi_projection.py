"""The KPI read model (docs/domain.md, "KPIs"; ADR 0017): the facts of the four topics, each
with its time, then each touched household's memberships and counters (``kpi_counters``).

Every row records when its fact entered the record (the event's time), and states that change
are versions valid from one event until the next, ordered by their stream position. Rows are
keyed by that position or the entity's id and inserted with ON CONFLICT DO NOTHING, so a
redelivered, late or rebuilt event changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import indicators
from faemban_domain.bounds import zoned
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import dialect_insert, insert_many, one_of
from faemban_reporting.adapters import kpi_counters
from faemban_reporting.domain.kpis import by_lead_agency, income_rose, passes_income_line

_MODELS = (
    c.HouseholdRegisteredV1,
    c.HouseholdMovedV1,
    c.HouseholdMemberAddedV1,
    c.HouseholdMemberLeftV1,
    c.HouseholdVerifiedV1,
    c.HouseholdCertifiedV1,
    c.HouseholdApprovedV1,
    c.HouseholdCertificationReturnedV1,
    c.HouseholdCertificationReturnedV2,
    c.IndicatorAssessedV1,
    c.IndicatorAssessedV2,
    c.PlanCreatedV1,
    c.PlanClosedV1,
    c.MentorHouseholdAssignedV1,
    c.MentorHouseholdReleasedV1,
    c.CaseOpenedV1,
    c.CaseEscalatedV1,
    c.CaseAcceptedV1,
    c.CaseReturnedV1,
    c.CaseResolvedV1,
    c.AssistanceLoggedV1,
    c.AssistanceVoidedV1,
)
EVENT_TYPES = frozenset(c.type_of(m) for m in _MODELS)
TOPICS = [c.REGISTRY_TOPIC, c.ASSESSMENT_TOPIC, c.PLANNING_TOPIC, c.ASSISTANCE_TOPIC]


def _at(event: CloudEvent) -> datetime:
    """The time the fact entered the record, in UTC (SQLite keeps no offset: one zone for all rows)."""
    return event.time.astimezone(UTC)


def _seq(event: CloudEvent) -> int:
    return int(event.sequence or 0)


def _household_row(event: CloudEvent, d: c.HouseholdRegisteredV1) -> dict[str, Any]:
    return {
        "household_id": d.household_id,
        "area_code": d.area_code,
        "registered_at": _at(event),
        "members": d.members,
        "area_sequence": _seq(event),
        "members_sequence": _seq(event),
    }


def _assistance_row(event: CloudEvent, d: c.AssistanceLoggedV1) -> dict[str, Any]:
    return {
        "entry_id": d.entry_id,
        "household_id": d.household_id,
        "agency": d.agency,
        "giver_kind": d.giver_kind,
        "kind": d.kind,
        "problem": d.problem,
        "by_lead_agency": by_lead_agency(d.agency, d.problem),
        "amount_baht": d.amount_baht,
        "given_on": d.given_on,
        "logged_at": _at(event),
        "voided_at": None,
    }


def _verification_row(event: CloudEvent, d: Any) -> dict[str, Any]:
    """A verification version; ``first_average_income`` and ``income_rose`` are set by
    ``_write_versions`` from the household's earliest verification."""
    average: float | None = d.average_income
    return {
        "household_id": d.household_id,
        "sequence": _seq(event),
        "survey_year": d.survey_year,
        "household_type": d.household_type,
        "average_income": average,
        "first_average_income": None,
        "income_rose": False,
        "passes_threshold": passes_income_line(average, d.survey_year),
        "valid_from": _at(event),
        "valid_to": None,
    }


def _assessment_row(event: CloudEvent, d: Any) -> dict[str, Any]:
    dims = set(d.deprived_dimensions)
    return {
        "household_id": d.household_id,
        "sequence": _seq(event),
        "area_code": d.area_code,
        "survey_year": d.survey_year,
        "mpi_poor": d.mpi_poor,
        "critical": d.critical,
        "af_score": d.af_score,
        "vulnerability_level": d.vulnerability_level,
        "outcome": d.outcome,
        **{dim: dim in dims for dim in indicators.DIMENSIONS},
        "valid_from": _at(event),
        "valid_to": None,
    }


def _certification_row(event: CloudEvent, household_id: str, certified: bool) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "sequence": _seq(event),
        "certified": certified,
        "valid_from": _at(event),
        "valid_to": None,
    }


def _with_first_income(timeline: list[dict[str, Any]]) -> None:
    """Each verification against the household's first: did the average income rise since?"""
    first = timeline[0]["average_income"]
    for i, row in enumerate(timeline):
        row["first_average_income"] = first
        row["income_rose"] = i > 0 and income_rose(first, row["average_income"])


async def _write_versions(conn: AsyncConnection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new versions of households' states and set every version's end to the next one's
    start — by stream position, so versions arriving late or twice give the same rows."""
    if not rows:
        return
    ids = sorted({r["household_id"] for r in rows})
    existing: dict[str, dict[int, dict[str, Any]]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found = await conn.execute(sa.select(table).where(one_of(conn, table.c.household_id, chunk)))
        for row in found.mappings():
            kept = dict(row)
            kept["valid_from"] = zoned(kept["valid_from"])
            kept["valid_to"] = None if kept["valid_to"] is None else zoned(kept["valid_to"])
            existing.setdefault(row["household_id"], {})[row["sequence"]] = kept
    fresh: dict[str, dict[int, dict[str, Any]]] = {}
    for r in rows:
        if r["sequence"] not in existing.get(r["household_id"], {}):
            fresh.setdefault(r["household_id"], {}).setdefault(r["sequence"], dict(r))
    if not fresh:
        return
    inserts: list[dict[str, Any]] = []
    closes: list[dict[str, Any]] = []
    for hid in sorted(fresh):
        old = existing.get(hid, {})
        timeline = sorted([*old.values(), *fresh[hid].values()], key=lambda r: r["sequence"])
        if "first_average_income" in table.c:
            _with_first_income(timeline)
        for i, version in enumerate(timeline):
            end = timeline[i + 1]["valid_from"] if i + 1 < len(timeline) else None
            if version["sequence"] in old:
                if old[version["sequence"]]["valid_to"] != end:
                    closes.append({"hid": hid, "seq": version["sequence"], "end": end})
            else:
                inserts.append({**version, "valid_to": end})
    await insert_many(conn, table, inserts)
    if closes:
        await conn.execute(
            table.update()
            .where(table.c.household_id == sa.bindparam("hid"), table.c.sequence == sa.bindparam("seq"))
            .values(valid_to=sa.bindparam("end")),
            closes,
        )


def _case_move(event: CloudEvent, d: Any) -> dict[str, Any] | None:
    base = {"case_id": d.case_id, "sequence": _seq(event), "household_id": d.household_id, "at": _at(event)}
    match d:
        case c.CaseOpenedV1():
            return {**base, "action": "open", "from_level": None, "to_level": d.level}
        case c.CaseEscalatedV1() | c.CaseReturnedV1():
            action = "escalate" if isinstance(d, c.CaseEscalatedV1) else "return"
            return {**base, "action": action, "from_level": d.from_level, "to_level": d.to_level}
        case c.CaseAcceptedV1():
            return {**base, "action": "accept", "from_level": d.level, "to_level": d.level}
        case c.CaseResolvedV1():
            return {**base, "action": "resolve", "from_level": d.level, "to_level": d.level}
    return None


async def project_kpis(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    """One event: its fact, then its household's memberships and counters (as a batch of one)."""
    await project_kpis_batch(conn, [event], tables)


async def project_kpis_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    """A batch of events in five steps, each one statement (or a few) for the whole batch:
    registrations; logbook entries; versions of verifications, certifications and assessments;
    then the other events one by one in order (a void or a move always finds its row: what it
    changes was written in an earlier step); last, each touched household's memberships.

    Grouping by kind keeps every household's result as one by one: a household's state columns
    are guarded by the stream position that last set them, and versions are ordered by it."""
    t = tables
    households: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    versions: dict[str, list[dict[str, Any]]] = {
        "kpi_verifications": [],
        "kpi_certifications": [],
        "kpi_assessments": [],
    }
    members: list[dict[str, Any]] = []
    failing: list[dict[str, Any]] = []
    rest: list[CloudEvent] = []
    touched: set[str] = set()
    for e in events:
        d = payload(e)
        touched.add(str(e.data["household_id"]))  # every event of EVENT_TYPES names its household
        match d:
            case c.HouseholdRegisteredV1():
                households.append(_household_row(e, d))
            case c.AssistanceLoggedV1():
                entries.append(_assistance_row(e, d))
            case c.HouseholdVerifiedV1():
                versions["kpi_verifications"].append(_verification_row(e, d))
                if d.members:
                    members.append({"hid": d.household_id, "seq": _seq(e), "n": len(d.members)})
            case c.HouseholdCertifiedV1() | c.HouseholdApprovedV1():
                versions["kpi_certifications"].append(_certification_row(e, d.household_id, True))
            case c.HouseholdCertificationReturnedV1() | c.HouseholdCertificationReturnedV2():
                versions["kpi_certifications"].append(_certification_row(e, d.household_id, False))
            case c.IndicatorAssessedV1() | c.IndicatorAssessedV2():
                versions["kpi_assessments"].append(_assessment_row(e, d))
                failing += [
                    {"household_id": d.household_id, "sequence": _seq(e), "indicator": code}
                    for code in dict.fromkeys(d.failing_indicators)
                ]
            case _:
                rest.append(e)
    if households:
        unique = list({r["household_id"]: r for r in households}.values())
        await insert_many(conn, t["kpi_households"], unique, lambda insert: insert.on_conflict_do_nothing())
    await insert_many(conn, t["kpi_assistance"], entries, lambda insert: insert.on_conflict_do_nothing())
    for name, rows in versions.items():
        await _write_versions(conn, t[name], rows)
    await insert_many(conn, t["kpi_failing"], failing, lambda insert: insert.on_conflict_do_nothing())
    if members:
        h = t["kpi_households"]
        await conn.execute(
            h.update()
            .where(h.c.household_id == sa.bindparam("hid"), h.c.members_sequence < sa.bindparam("seq"))
            .values(members=sa.bindparam("n"), members_sequence=sa.bindparam("seq")),
            members,
        )
    for e in rest:
        await _apply(conn, e, t)
    await kpi_counters.recompute(conn, t, touched)


async def _apply(conn: AsyncConnection, event: CloudEvent, t: Mapping[str, sa.Table]) -> None:
    """The fact of one event of the kinds a batch does not group."""
    d = payload(event)
    at = _at(event)
    seq = _seq(event)
    h = t["kpi_households"]
    match d:
        case c.HouseholdMovedV1():
            await conn.execute(
                h.update()
                .where(h.c.household_id == d.household_id, h.c.area_sequence < seq)
                .values(area_code=d.area_code, area_sequence=seq)
            )
        case c.HouseholdMemberAddedV1() | c.HouseholdMemberLeftV1():
            step = 1 if isinstance(d, c.HouseholdMemberAddedV1) else -1
            await conn.execute(
                h.update()
                .where(h.c.household_id == d.household_id, h.c.members_sequence < seq)
                .values(
                    members=sa.case((h.c.members + step < 0, 0), else_=h.c.members + step),
                    members_sequence=seq,
                )
            )
        case c.PlanCreatedV1():
            row = {"plan_id": d.plan_id, "household_id": d.household_id, "created_at": at, "closed_at": None}
            await conn.execute(dialect_insert(conn, t["kpi_plans"]).values(**row).on_conflict_do_nothing())
        case c.PlanClosedV1():
            p = t["kpi_plans"]
            await conn.execute(
                p.update().where(p.c.plan_id == d.plan_id, p.c.closed_at.is_(None)).values(closed_at=at)
            )
        case c.MentorHouseholdAssignedV1():
            row = {
                "team_id": d.team_id,
                "household_id": d.household_id,
                "assigned_at": at,
                "released_at": None,
            }
            await conn.execute(
                dialect_insert(conn, t["kpi_team_households"]).values(**row).on_conflict_do_nothing()
            )
        case c.MentorHouseholdReleasedV1():
            m = t["kpi_team_households"]
            await conn.execute(
                m.update()
                .where(
                    m.c.team_id == d.team_id, m.c.household_id == d.household_id, m.c.released_at.is_(None)
                )
                .values(released_at=at)
            )
        case c.AssistanceVoidedV1():
            a = t["kpi_assistance"]
            await conn.execute(
                a.update().where(a.c.entry_id == d.entry_id, a.c.voided_at.is_(None)).values(voided_at=at)
            )
        case _:
            move = _case_move(event, d)
            if move is not None:
                await conn.execute(
                    dialect_insert(conn, t["kpi_case_moves"]).values(**move).on_conflict_do_nothing()
                )
