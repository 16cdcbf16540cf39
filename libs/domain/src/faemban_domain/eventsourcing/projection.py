"""Read-model rebuild: replay the topics from offset 0 into fresh tables, then swap.

The live tables stay readable while the copy is built; the swap (drop old,
rename new, move the inbox and offsets to the live name) is one transaction.
Run it with the projection's live consumer stopped (the ``rebuild`` command of
each service does so); the live consumer then resumes where the replay ended.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.eventsourcing.broker import Broker, TopicPartition
from faemban_domain.eventsourcing.consumer import ConsumerRunner, ConsumerSpec
from faemban_domain.eventsourcing.tables import consumer_offsets, inbox


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    events: int
    seconds: float
    tables: tuple[str, ...]


class _DiscardPublisher:
    """During a rebuild a poison event is marked, not dead-lettered a second time."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, records: object) -> None:
        return None

    async def send(self, records: object) -> Awaitable[None]:
        return asyncio.sleep(0)


def _fresh_tables(tables: Mapping[str, sa.Table], suffix: str) -> dict[str, sa.Table]:
    md = sa.MetaData()
    return {key: t.to_metadata(md, name=f"{t.name}{suffix}") for key, t in tables.items()}


async def rebuild_projection(engine: AsyncEngine, broker: Broker, spec: ConsumerSpec) -> RebuildReport:
    started = time.monotonic()
    suffix = f"__rb{int(time.time() * 1000)}"
    fresh = _fresh_tables(spec.tables, suffix)
    temp_name = f"{spec.name}{suffix}"
    async with engine.begin() as conn:
        for t in fresh.values():
            await conn.run_sync(t.create)

    runner = ConsumerRunner(replace(spec, name=temp_name, tables=fresh), engine, broker, _DiscardPublisher())
    reader = broker.reader(spec.topics)
    ends = await reader.open()
    done: dict[TopicPartition, int] = {tp: 0 for tp in ends}
    events = 0
    try:
        idle = 0
        while any(done[tp] < end for tp, end in ends.items()) and idle < 40:
            batches = await reader.fetch(timeout=0.5, max_records=2000)
            if not batches:
                idle += 1
                continue
            idle = 0
            for tp, records in batches.items():
                await runner.process_partition_batch(tp, records)
                done[tp] = records[-1].offset + 1
                events += len(records)
    finally:
        await reader.close()
    missing = {f"{tp.topic}/{tp.partition}": (done[tp], end) for tp, end in ends.items() if done[tp] < end}
    if missing:
        raise RuntimeError(f"rebuild of {spec.name} could not read to the end: {missing}")

    async with engine.begin() as conn:
        for key, live in spec.tables.items():
            await conn.execute(sa.text(f'DROP TABLE IF EXISTS "{live.name}"'))
            await conn.execute(sa.text(f'ALTER TABLE "{fresh[key].name}" RENAME TO "{live.name}"'))
        for table in (inbox, consumer_offsets):
            await conn.execute(table.delete().where(table.c.consumer == spec.name))
            await conn.execute(table.update().where(table.c.consumer == temp_name).values(consumer=spec.name))
    return RebuildReport(
        spec.name, events, time.monotonic() - started, tuple(t.name for t in spec.tables.values())
    )
