"""A small projection used to observe the consumer runner from outside.

``probe_seen`` records every event it applied with the order it arrived in;
``probe_totals`` folds them per household. Events carrying ``"poison": true``
make the handler fail every time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import Broker, OutgoingRecord
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.eventsourcing.sql import upsert

metadata = sa.MetaData()
probe_seen = sa.Table(
    "probe_seen",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("household_id", sa.String(40), nullable=False, index=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("value", sa.Integer, nullable=False),
)
probe_totals = sa.Table(
    "probe_totals",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("last_sequence", sa.Integer, nullable=False),
    sa.Column("out_of_order", sa.Integer, nullable=False),
)
TABLES = {"probe_seen": probe_seen, "probe_totals": probe_totals}


async def probe_handler(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> None:
    if event.data.get("poison"):
        raise ValueError(f"poison pill in {event.id}")
    seen, totals = tables["probe_seen"], tables["probe_totals"]
    seq = int(event.sequence or 0)
    await conn.execute(
        seen.insert().values(
            event_id=event.id, household_id=event.subject, sequence=seq, value=event.data["value"]
        )
    )
    row = (
        (await conn.execute(sa.select(totals).where(totals.c.household_id == event.subject)))
        .mappings()
        .first()
    )
    events, total, last, disorder = (
        (row["events"], row["total"], row["last_sequence"], row["out_of_order"]) if row else (0, 0, 0, 0)
    )
    await upsert(
        conn,
        totals,
        {
            "household_id": event.subject,
            "events": events + 1,
            "total": total + event.data["value"],
            "last_sequence": max(last, seq),
            "out_of_order": disorder + (1 if seq <= last else 0),
        },
        key=("household_id",),
        update=("events", "total", "last_sequence", "out_of_order"),
    )


def probe_spec(name: str, topic: str) -> ConsumerSpec:
    return ConsumerSpec(name=name, topics=[topic], handler=probe_handler, tables=TABLES)


def event(household: str, sequence: int, value: int = 1, **extra: Any) -> CloudEvent:
    return CloudEvent(
        source="faemban/test",
        type="th.faemban.test.changed.v1",
        subject=household,
        sequence=str(sequence),
        areacode="34010101",
        data={"value": value, **extra},
    )


def record(topic: str, ev: CloudEvent) -> OutgoingRecord:
    return OutgoingRecord(topic, ev.subject, ev.to_json_bytes(), tuple(ev.kafka_headers()))


async def publish(broker: Broker, records: Sequence[OutgoingRecord]) -> None:
    pub = broker.publisher()
    await pub.start()
    try:
        await pub.publish(records)
    finally:
        await pub.stop()


async def snapshot(engine: AsyncEngine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    async with engine.connect() as conn:
        seen = (await conn.execute(sa.select(probe_seen).order_by(probe_seen.c.event_id))).mappings().all()
        totals = (
            (await conn.execute(sa.select(probe_totals).order_by(probe_totals.c.household_id)))
            .mappings()
            .all()
        )
    return [dict(r) for r in seen], [dict(r) for r in totals]


async def count_seen(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(probe_seen))).scalar() or 0
