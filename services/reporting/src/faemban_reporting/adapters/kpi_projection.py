"""The KPI read model (docs/domain.md, "KPIs"): the facts of the four topics, each with its time.

Every row records when its fact entered the record (the event's time), and states that change
are versions valid from one event until the next; a KPI "as of" a past moment is therefore a
query over the same rows, never a replay. Rows are keyed by their source stream's position
(``sequence``) or the entity's id and inserted with ON CONFLICT DO NOTHING, so a redelivered
event or a rebuild changes nothing twice; only an inserted version closes the one before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import agencies, indicators
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import dialect_insert

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
_LOGGED = c.type_of(c.AssistanceLoggedV1)
_REGISTERED = c.type_of(c.HouseholdRegisteredV1)


def income_threshold(survey_year: int) -> int:
    """The survey year's income line (the latest rules' for a year without its own)."""
    try:
        return indicators.rule_set(survey_year).income_threshold_baht
    except LookupError:
        return indicators.latest_rule_set().income_threshold_baht


def by_lead_agency(agency: str, problem: str) -> bool:
    """An entry counts for "≥ 3 by the lead agency" when its agency leads the dimension of the
    problem it addresses (docs/domain.md, "Lead agencies")."""
    try:
        return agency in agencies.leads_of(agencies.problem_area(problem))
    except KeyError:
        return False


def _at(event: CloudEvent) -> datetime:
    """The time the fact entered the record, in UTC (SQLite keeps no offset: one zone for all rows)."""
    return event.time.astimezone(UTC)


def _seq(event: CloudEvent) -> int:
    return int(event.sequence) if event.sequence and event.sequence.isdigit() else 0


def _household_row(event: CloudEvent, d: c.HouseholdRegisteredV1) -> dict[str, Any]:
    return {
        "household_id": d.household_id,
        "area_code": d.area_code,
        "registered_at": _at(event),
        "members": d.members,
        "last_sequence": _seq(event),
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


async def _insert_version(
    conn: AsyncConnection, table: sa.Table, row: Mapping[str, Any], key: str = "household_id"
) -> None:
    """Insert a new version of a household's state and close the current one at its time."""
    inserted = (
        await conn.execute(
            dialect_insert(conn, table).values(**row).on_conflict_do_nothing().returning(table.c.sequence)
        )
    ).first()
    if inserted is None:
        return
    await conn.execute(
        table.update()
        .where(
            table.c[key] == row[key],
            table.c.sequence < row["sequence"],
            table.c.valid_to.is_(None),
        )
        .values(valid_to=row["valid_from"])
    )


async def _verified(conn: AsyncConnection, t: Mapping[str, sa.Table], event: CloudEvent, d: Any) -> None:
    v = t["kpi_verifications"]
    first = (
        await conn.execute(
            sa.select(v.c.first_average_income)
            .where(v.c.household_id == d.household_id, v.c.sequence < _seq(event))
            .order_by(v.c.sequence)
            .limit(1)
        )
    ).first()
    average: float | None = d.average_income
    first_average = average if first is None else (None if first[0] is None else float(first[0]))
    rose = first is not None and average is not None and first_average is not None and average > first_average
    await _insert_version(
        conn,
        v,
        {
            "household_id": d.household_id,
            "sequence": _seq(event),
            "survey_year": d.survey_year,
            "household_type": d.household_type,
            "average_income": average,
            "first_average_income": first_average,
            "income_rose": rose,
            "passes_threshold": average is not None and average >= income_threshold(d.survey_year),
            "valid_from": _at(event),
            "valid_to": None,
        },
    )
    h = t["kpi_households"]
    if d.members:
        await conn.execute(
            h.update()
            .where(h.c.household_id == d.household_id, h.c.last_sequence < _seq(event))
            .values(members=len(d.members), last_sequence=_seq(event))
        )


async def _assessed(conn: AsyncConnection, t: Mapping[str, sa.Table], event: CloudEvent, d: Any) -> None:
    seq = _seq(event)
    dims = set(d.deprived_dimensions)
    row: dict[str, Any] = {
        "household_id": d.household_id,
        "sequence": seq,
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
    await _insert_version(conn, t["kpi_assessments"], row)
    if d.failing_indicators:
        failing = [
            {"household_id": d.household_id, "sequence": seq, "indicator": code}
            for code in dict.fromkeys(d.failing_indicators)
        ]
        await conn.execute(dialect_insert(conn, t["kpi_failing"]).on_conflict_do_nothing(), failing)


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
    t = tables
    d = payload(event)
    at = _at(event)
    h = t["kpi_households"]
    match d:
        case c.HouseholdRegisteredV1():
            await conn.execute(
                dialect_insert(conn, h).values(**_household_row(event, d)).on_conflict_do_nothing()
            )
        case c.HouseholdMovedV1():
            await conn.execute(
                h.update()
                .where(h.c.household_id == d.household_id, h.c.last_sequence < _seq(event))
                .values(area_code=d.area_code, last_sequence=_seq(event))
            )
        case c.HouseholdMemberAddedV1() | c.HouseholdMemberLeftV1():
            step = 1 if isinstance(d, c.HouseholdMemberAddedV1) else -1
            await conn.execute(
                h.update()
                .where(h.c.household_id == d.household_id, h.c.last_sequence < _seq(event))
                .values(
                    members=sa.case((h.c.members + step < 0, 0), else_=h.c.members + step),
                    last_sequence=_seq(event),
                )
            )
        case c.HouseholdVerifiedV1():
            await _verified(conn, t, event, d)
        case c.HouseholdCertifiedV1() | c.HouseholdApprovedV1():
            await _certification(conn, t, event, d.household_id, certified=True)
        case c.HouseholdCertificationReturnedV1() | c.HouseholdCertificationReturnedV2():
            await _certification(conn, t, event, d.household_id, certified=False)
        case c.IndicatorAssessedV1():
            await _assessed(conn, t, event, d)
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
        case c.AssistanceLoggedV1():
            row = _assistance_row(event, d)
            await conn.execute(
                dialect_insert(conn, t["kpi_assistance"]).values(**row).on_conflict_do_nothing()
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


async def _certification(
    conn: AsyncConnection, t: Mapping[str, sa.Table], event: CloudEvent, household_id: str, certified: bool
) -> None:
    row = {
        "household_id": household_id,
        "sequence": _seq(event),
        "certified": certified,
        "valid_from": _at(event),
        "valid_to": None,
    }
    await _insert_version(conn, t["kpi_certifications"], row)


async def project_kpis_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    """Registrations and logbook entries — the bulk of a national load — in one statement each;
    every other event one by one, after the rows gathered before it are written (a void or a
    move then always finds the row it changes)."""
    households: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []

    async def flush() -> None:
        if households:
            insert = dialect_insert(conn, tables["kpi_households"]).on_conflict_do_nothing()
            await conn.execute(insert, households)
            households.clear()
        if entries:
            await conn.execute(
                dialect_insert(conn, tables["kpi_assistance"]).on_conflict_do_nothing(), entries
            )
            entries.clear()

    for e in events:
        if e.type == _REGISTERED:
            d = payload(e)
            assert isinstance(d, c.HouseholdRegisteredV1)
            households.append(_household_row(e, d))
        elif e.type == _LOGGED:
            d2 = payload(e)
            assert isinstance(d2, c.AssistanceLoggedV1)
            entries.append(_assistance_row(e, d2))
        else:
            await flush()
            await project_kpis(conn, e, tables)
    await flush()
