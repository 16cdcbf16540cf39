"""How each event changes reporting's read models (one handler per projection).

The register's handlers are idempotent and order-safe on their own (their consumer keeps
no inbox, ADR 0019): a registration inserts or does nothing, and a registry event not
newer than the stored ``last_sequence`` of its household is ignored. The timeline keeps
an inbox (its rows are copied in, one per event).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import indicators
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.eventsourcing.sql import insert_many
from faemban_reporting.domain.register_summary import MEASURES, add_up, contribution

REGISTERED = c.type_of(c.HouseholdRegisteredV1)
FIELD_STATUS = c.type_of(c.HouseholdFieldStatusRecordedV1)
MOVED = c.type_of(c.HouseholdMovedV1)


def _timeline_row(event: CloudEvent) -> dict[str, object]:
    return {
        "household_id": event.subject,
        "event_id": event.id,
        "event_type": event.type,
        "source": event.source,
        "sequence": int(event.sequence) if event.sequence and event.sequence.isdigit() else None,
        "occurred_at": event.time,
        "area_code": event.areacode,
        "correlation_id": event.correlationid,
        "data": event.data,
    }


async def project_timeline(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    """Every public event of a household, from any topic, PII-free by contract."""
    await project_timeline_batch(conn, [event], tables)


async def project_timeline_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    """One row an event, keyed by the event's id: an event delivered again (a relay's
    republish, late or not) finds its row and adds nothing, so the timeline needs no inbox."""
    await insert_many(
        conn,
        tables["timeline_events"],
        [_timeline_row(e) for e in events],
        lambda insert: insert.on_conflict_do_nothing(),
    )


def failing_dimensions(codes: list[str], survey_year: int) -> list[str]:
    rules = indicators.rules_for(survey_year)
    dims = {rules.indicator(c).dimension for c in codes if c in rules.codes}
    return [d for d in indicators.DIMENSIONS if d in dims]


def _register_row(event: CloudEvent) -> dict[str, object]:
    d = payload(event)
    assert isinstance(d, c.HouseholdRegisteredV1)
    return {
        "household_id": d.household_id,
        "area_code": d.area_code,
        "cohort_year": d.cohort_year,
        "source": d.source,
        "members": d.members,
        "welfare_card_holders": d.welfare_card_holders,
        "elderly": d.elderly,
        "disabled": d.disabled,
        "chronically_ill": d.chronically_ill,
        "failing_indicators": d.tpmap_failing_indicators,
        "failing_dimensions": failing_dimensions(d.tpmap_failing_indicators, d.cohort_year),
        "field_status": None,
        "last_sequence": int(event.sequence or 0),
    }


async def project_register(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    """One row per registered household: the basis of the register summary."""
    t = tables["register_households"]
    seq = int(event.sequence or 0)
    match payload(event):
        case c.HouseholdRegisteredV1():
            await _insert_new_households(conn, tables, [_register_row(event)])
        case c.HouseholdFieldStatusRecordedV1() as d:
            await conn.execute(
                t.update()
                .where(t.c.household_id == d.household_id, t.c.last_sequence < seq)
                .values(field_status=d.field_status, last_sequence=seq)
            )
        case c.HouseholdMovedV1() as d:
            await _move(conn, tables, d.household_id, d.area_code, seq)


async def _move(
    conn: AsyncConnection, tables: Mapping[str, sa.Table], household_id: str, area_code: str, seq: int
) -> None:
    """A household that moved counts in its new village from now on."""
    t = tables["register_households"]
    row = (
        (await conn.execute(sa.select(t).where(t.c.household_id == household_id, t.c.last_sequence < seq)))
        .mappings()
        .first()
    )
    if row is None or row["area_code"] == area_code:
        return
    totals = tables["register_village_totals"]
    await _add_to_village_totals(conn, totals, [dict(row)], sign=-1)
    await _add_to_village_totals(conn, totals, [{**row, "area_code": area_code}])
    await conn.execute(
        t.update().where(t.c.household_id == household_id).values(area_code=area_code, last_sequence=seq)
    )


async def _insert_new_households(
    conn: AsyncConnection, tables: Mapping[str, sa.Table], rows: list[dict[str, Any]]
) -> None:
    """Insert households not yet in the register; only those add to the totals.

    A redelivered registration, or a second registration of the same household
    (e.g. a log replayed into a fresh registry), counts once.
    """
    t = tables["register_households"]
    unique = list({r["household_id"]: r for r in reversed(rows)}.values())[::-1]
    result = await insert_many(
        conn, t, unique, lambda insert: insert.on_conflict_do_nothing().returning(t.c.household_id)
    )
    inserted = set(result.scalars().all()) if result is not None else set()
    await _add_to_village_totals(
        conn, tables["register_village_totals"], [r for r in unique if r["household_id"] in inserted]
    )


async def _add_to_village_totals(
    conn: AsyncConnection, table: sa.Table, rows: Sequence[Mapping[str, Any]], sign: int = 1
) -> None:
    """Add (or with sign=-1 take away) households' contributions, grouped per village and cohort."""
    grouped: dict[tuple[str, int], list[dict[str, int]]] = {}
    for row in rows:
        grouped.setdefault((row["area_code"], row["cohort_year"]), []).append(contribution(row))
    values = [
        {"area_code": area, "cohort_year": cohort, **{k: sign * v for k, v in add_up(parts).items()}}
        for (area, cohort), parts in grouped.items()
    ]
    await insert_many(
        conn,
        table,
        values,
        lambda insert: insert.on_conflict_do_update(
            index_elements=["area_code", "cohort_year"],
            set_={k: table.c[k] + insert.excluded[k] for k in MEASURES},
        ),
    )


async def project_register_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, sa.Table]
) -> None:
    """Registrations in one statement, then later facts in order.

    A household's registration always precedes its other events, so inserting
    every registration of the batch first gives the same rows as one by one.
    """
    registered = [_register_row(e) for e in events if e.type == REGISTERED]
    if registered:
        await _insert_new_households(conn, tables, registered)
    for e in events:
        if e.type != REGISTERED:
            await project_register(conn, e, tables)
