"""A separate process for the kill -9 tests: ``python crash_process.py MODE DB_URL BROKER TOPIC``.

MODE ``commit``: append one event, commit, print ``COMMITTED <event id>``,
then wait to be killed (no relay runs).
MODE ``relay``: relay the event store until nothing is left, then exit 0
(``FAEMBAN_FAULT_INJECTION=relay.after_publish`` makes it SIGKILL itself
after Kafka acknowledged and before the relay stored its position).
BROKER is ``kafka:<bootstrap>`` or ``embedded:<path to bus.sqlite>``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import sqlalchemy as sa

from faemban_domain.eventsourcing.broker import Broker, KafkaBroker, LocalBroker
from faemban_domain.eventsourcing.relay import EventRelay
from faemban_domain.eventsourcing.store import EventStore, NewEvent, Publication, RecordedEvent
from faemban_domain.eventsourcing.tables import event_store, relay_position
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.platform.wiring import kafka_credentials


def public(ev: RecordedEvent) -> Publication:
    return Publication("th.faemban.test.changed.v1", ev.data, ev.stream_id, "34010101")


def broker_from(spec: str) -> Broker:
    kind, _, where = spec.partition(":")
    return (
        KafkaBroker(where, partitions=3, credentials=kafka_credentials())
        if kind == "kafka"
        else LocalBroker(Path(where))
    )


async def main(mode: str, url: str, broker_spec: str, topic: str) -> None:
    engine = make_engine(url)
    store = EventStore("faemban/test", topic, public)
    if mode == "commit":
        async with engine.begin() as conn:
            recorded = await store.append(conn, "H-crash", 0, [NewEvent("Changed", {"value": 1})])
        print(f"COMMITTED {recorded[0].event_id}", flush=True)
        await asyncio.sleep(3600)
    elif mode == "relay":
        broker = broker_from(broker_spec)
        publisher = broker.publisher()
        await publisher.start()
        relay = EventRelay("test", engine, publisher, store, fault_point=PlatformSettings().fault_injection)
        for _ in range(200):  # until the stored position is the last event's
            await relay.run_once()
            async with engine.connect() as conn:
                last = (await conn.execute(sa.select(sa.func.max(event_store.c.position)))).scalar()
                at = (await conn.execute(sa.select(relay_position.c.position))).scalar()
            if last is None or at == last:
                break
            await asyncio.sleep(0.05)
        await publisher.stop()
        await broker.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
