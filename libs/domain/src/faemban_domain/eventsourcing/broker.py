"""One messaging interface, two engines: Apache Kafka and the embedded log.

The kit's relay and consumer runner speak only this interface, so the same
service code runs on Kafka in production and tests, and on a durable
single-file log in the embedded mode. The embedded log keeps what the code
relies on from Kafka: append-only offsets per topic/partition, per-key order
(one partition per topic), at-least-once delivery, and replay from offset 0.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@dataclass(frozen=True, slots=True, order=True)
class TopicPartition:
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


# Called with the partitions just assigned; returns where to resume each one
# (the positions the consumer committed in its own database).
OnAssign = Callable[[set[TopicPartition]], Awaitable[dict[TopicPartition, int]]]


class Publisher(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Return only when every record is durably acknowledged, in order per key."""
        ...

    async def send(self, records: Sequence[OutgoingRecord]) -> Awaitable[None]:
        """Hand the records to the client in order and return what to await for their
        acknowledgements: the caller works on (reads its next batch) while they travel."""
        ...


class Subscriber(Protocol):
    async def start(self, on_assign: OnAssign) -> None: ...
    async def stop(self) -> None: ...
    async def fetch(self, timeout: float, max_records: int) -> dict[TopicPartition, list[Record]]: ...
    def seek(self, tp: TopicPartition, offset: int) -> None: ...
    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...


class Reader(Protocol):
    """Reads topics from offset 0 up to their end at the time of opening (for rebuilds)."""

    async def open(self) -> dict[TopicPartition, int]: ...
    async def fetch(self, timeout: float, max_records: int) -> dict[TopicPartition, list[Record]]: ...
    async def close(self) -> None: ...


class Broker(Protocol):
    name: str

    async def ensure_topics(self, topics: Iterable[str]) -> None: ...
    def publisher(self) -> Publisher: ...
    def subscriber(self, group: str, topics: Sequence[str]) -> Subscriber: ...
    def reader(self, topics: Sequence[str]) -> Reader: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


# --------------------------------------------------------------------------- Kafka


def broker_unreachable(exc: BaseException) -> bool:
    """A broker that is not (yet) there: aiokafka's retriable errors (no connection, a node
    not ready, a timed-out request), as opposed to a refusal or a bad request."""
    from aiokafka.errors import KafkaError

    return isinstance(exc, KafkaError) and bool(exc.retriable)


@dataclass(frozen=True, slots=True)
class KafkaCredentials:
    """Who a process is on the broker: SASL over the client listener (ADR 0023).

    Each service has its own principal, so the broker's ACLs, not the code, decide what
    it may read and write; ``None`` (no credentials) is for an unsecured broker."""

    username: str
    password: str = field(repr=False)
    mechanism: str = "SCRAM-SHA-512"
    security_protocol: str = "SASL_PLAINTEXT"

    def client_options(self) -> dict[str, Any]:
        """The keyword arguments every aiokafka client takes for these credentials."""
        options: dict[str, Any] = {
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }
        if self.security_protocol == "SASL_SSL":
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context()
        return options


def client_options(credentials: KafkaCredentials | None) -> dict[str, Any]:
    return credentials.client_options() if credentials is not None else {}


class KafkaBroker:
    name = "kafka"

    def __init__(
        self,
        bootstrap_servers: str,
        partitions: int = 6,
        replication_factor: int = 1,
        credentials: KafkaCredentials | None = None,
    ) -> None:
        self.bootstrap = bootstrap_servers
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.credentials = credentials
        self._auth = client_options(credentials)

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic
        from aiokafka.errors import TopicAlreadyExistsError

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, **self._auth)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            wanted = [t for t in dict.fromkeys(topics) if t not in existing]
            if wanted:
                new = [
                    NewTopic(
                        name=t,
                        num_partitions=self.partitions,
                        replication_factor=self.replication_factor,
                        topic_configs={"retention.ms": "-1"},
                    )
                    for t in wanted
                ]
                try:
                    await admin.create_topics(new)
                except TopicAlreadyExistsError:
                    pass
        finally:
            await admin.close()

    def publisher(self) -> Publisher:
        return _KafkaPublisher(self.bootstrap, self._auth)

    def subscriber(self, group: str, topics: Sequence[str]) -> Subscriber:
        return _KafkaSubscriber(self.bootstrap, group, topics, self._auth)

    def reader(self, topics: Sequence[str]) -> Reader:
        return _KafkaReader(self.bootstrap, topics, self._auth)

    async def ping(self) -> None:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000, **self._auth)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    async def close(self) -> None:
        return None


class _KafkaPublisher:
    def __init__(self, bootstrap: str, auth: dict[str, Any]) -> None:
        from aiokafka import AIOKafkaProducer

        # Idempotent producer: retries after a lost ack do not duplicate or
        # reorder records within a partition.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            max_batch_size=256 * 1024,
            # lz4 batches (aiokafka[lz4], a declared dependency): never a silent fallback
            compression_type=COMPRESSION,
            **auth,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        await (await self.send(records))

    async def send(self, records: Sequence[OutgoingRecord]) -> Awaitable[None]:
        """The records in record batches built here, one open batch per partition, handed to
        the producer whole (``send_batch``): a record costs an append to its batch, not the
        per-record path of ``send`` (its future, its accumulator lookup and the gather over
        them) — 2.2 times the records a second on the local broker (ADR 0033). Each key goes to
        the partition ``send`` would choose (``murmur2`` over the topic's sorted partitions, as
        the default partitioner and Kafka's Java client do), and a partition's batches are
        queued in the records' order, so per-key order and the idempotent producer's sequence
        numbers hold."""
        producer = self._producer
        partitions: dict[str, list[int]] = {}
        open_batches: dict[tuple[str, int], Any] = {}
        acknowledgements: list[Awaitable[Any]] = []
        for r in records:
            topic = r.topic
            known = partitions.get(topic)
            if known is None:
                known = partitions[topic] = sorted(await producer.partitions_for(topic))
            key = r.key.encode()
            partition = known[(murmur2(key) & 0x7FFFFFFF) % len(known)]
            batch = open_batches.get((topic, partition))
            if batch is None:
                batch = open_batches[(topic, partition)] = producer.create_batch()
            headers = list(r.headers)  # the builder takes a list only
            if batch.append(key=key, value=r.value, timestamp=None, headers=headers) is None:
                # full: queue it, and start the partition's next one with this record (a
                # fresh batch takes its first record whatever its size)
                acknowledgements.append(await producer.send_batch(batch, topic, partition=partition))
                batch = open_batches[(topic, partition)] = producer.create_batch()
                batch.append(key=key, value=r.value, timestamp=None, headers=headers)
        for (topic, partition), batch in open_batches.items():
            acknowledgements.append(await producer.send_batch(batch, topic, partition=partition))
        return _all_of(acknowledgements)


_WORDS = [struct.Struct(f"<{n}I") for n in range(64)]
"""Little-endian 32-bit words of keys up to 255 bytes, unpacked in one call."""


def murmur2(key: bytes) -> int:
    """Kafka's key hash (the Java client's ``Utils.murmur2``, unsigned): the value of
    ``aiokafka.partitioner.murmur2``, whose byte-by-byte loop took 3.3 µs a household id
    against 1.6 µs here — 15% of the relay's time once records went out in batches. A test
    compares the two on random keys."""
    length = len(key)
    words = length >> 2
    h = 0x9747B28C ^ length
    for k in _WORDS[words].unpack_from(key) if words < 64 else struct.unpack_from(f"<{words}I", key):
        k = (k * 0x5BD1E995) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * 0x5BD1E995) & 0xFFFFFFFF
        h = ((h * 0x5BD1E995) & 0xFFFFFFFF) ^ k
    extra = length & 3
    if extra:
        tail = words << 2
        if extra >= 3:
            h ^= key[tail + 2] << 16
        if extra >= 2:
            h ^= key[tail + 1] << 8
        h = ((h ^ key[tail]) * 0x5BD1E995) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 0x5BD1E995) & 0xFFFFFFFF
    return h ^ (h >> 15)


async def _all_of(futures: Sequence[Awaitable[Any]]) -> None:
    """A batch's acknowledgements as one awaitable: the first failure is the batch's."""
    if futures:
        await asyncio.gather(*futures)


COMPRESSION = "lz4"
"""Every record batch the services publish is lz4-compressed (events are JSON: ~4× smaller on
the wire and on the broker's disk for a few µs of CPU a batch)."""


class _KafkaSubscriber:
    def __init__(self, bootstrap: str, group: str, topics: Sequence[str], auth: dict[str, Any]) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self.topics = list(topics)
        self._auth = auth
        self._consumer: Any = None

    async def start(self, on_assign: OnAssign) -> None:
        from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
        from aiokafka.structs import TopicPartition as KTP

        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=5000,
            # bounded prefetch: raw records buffered per subscription stay under ~16 MB
            max_partition_fetch_bytes=2 * 1024 * 1024,
            fetch_max_bytes=16 * 1024 * 1024,
            # let the broker gather up to 512 KB (or 200 ms) per fetch: a busy topic arrives in
            # large batches (one transaction each) instead of a trickle of small ones
            fetch_min_bytes=512 * 1024,
            fetch_max_wait_ms=200,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            **self._auth,
        )

        class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            async def on_partitions_revoked(self, revoked: object) -> None:
                return None

            async def on_partitions_assigned(self, assigned: Iterable[KTP]) -> None:
                tps = {TopicPartition(tp.topic, tp.partition) for tp in assigned}
                positions = await on_assign(tps)
                for tp, offset in positions.items():
                    consumer.seek(KTP(tp.topic, tp.partition), offset)

        consumer.subscribe(self.topics, listener=Listener())
        await consumer.start()
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def fetch(self, timeout: float, max_records: int) -> dict[TopicPartition, list[Record]]:
        batches = await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        return {
            TopicPartition(tp.topic, tp.partition): [_record(m) for m in msgs] for tp, msgs in batches.items()
        }

    def seek(self, tp: TopicPartition, offset: int) -> None:
        from aiokafka.structs import TopicPartition as KTP

        ktp = KTP(tp.topic, tp.partition)
        # a partition taken away by a rebalance meanwhile has nothing to seek: its new owner
        # starts from the position in the database
        if ktp in self._consumer.assignment():
            self._consumer.seek(ktp, offset)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        from aiokafka.errors import CommitFailedError
        from aiokafka.structs import TopicPartition as KTP

        # Kafka's committed offsets are informational (lag monitoring); the
        # consumer's own database holds the authoritative position.
        try:
            await self._consumer.commit({KTP(tp.topic, tp.partition): off for tp, off in offsets.items()})
        except CommitFailedError:
            pass


def _record(m: Any) -> Record:
    """An aiokafka ConsumerRecord as the kit's Record."""
    key = m.key.decode() if m.key is not None else None
    return Record(m.topic, m.partition, m.offset, key, m.value, tuple(m.headers or ()))


async def _partitions(bootstrap: str, topics: Sequence[str], auth: dict[str, Any]) -> list[TopicPartition]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **auth)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return sorted(
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if not t.get("error_code")
        for p in t["partitions"]
    )


class _KafkaReader:
    def __init__(self, bootstrap: str, topics: Sequence[str], auth: dict[str, Any]) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self._auth = auth
        self._consumer: Any = None
        self._ends: dict[TopicPartition, int] = {}
        self._done: dict[TopicPartition, int] = {}

    async def open(self) -> dict[TopicPartition, int]:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.structs import TopicPartition as KTP

        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None, **self._auth
        )
        await consumer.start()
        tps = [
            KTP(tp.topic, tp.partition) for tp in await _partitions(self.bootstrap, self.topics, self._auth)
        ]
        consumer.assign(tps)
        if tps:
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
        else:
            ends = {}
        self._ends = {TopicPartition(tp.topic, tp.partition): off for tp, off in ends.items()}
        self._consumer = consumer
        return dict(self._ends)

    async def fetch(self, timeout: float, max_records: int) -> dict[TopicPartition, list[Record]]:
        """Records below the end offsets; empty only once every partition is read to its end
        (or after 30 s without progress, which the caller reports as incomplete)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while any(self._done.get(tp, 0) < end for tp, end in self._ends.items()) and loop.time() < deadline:
            batches = await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
            out: dict[TopicPartition, list[Record]] = {}
            for tp, msgs in batches.items():
                key = TopicPartition(tp.topic, tp.partition)
                end = self._ends.get(key, 0)
                kept = [_record(m) for m in msgs if m.offset < end]
                if msgs:
                    self._done[key] = max(self._done.get(key, 0), msgs[-1].offset + 1)
                if kept:
                    out[key] = kept
            if out:
                return out
        return {}

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()


# --------------------------------------------------------------------------- embedded log

_meta = sa.MetaData()
_log = sa.Table(
    "log",
    _meta,
    sa.Column("topic", sa.String, primary_key=True),
    sa.Column("offset", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),
)


class LocalBroker:
    """A durable append-only log in one SQLite file, shared in-process.

    One partition per topic keeps every key's order; offsets are dense and
    persistent, so consumers resume or replay exactly as on Kafka.
    """

    name = "embedded"
    PARTITION = 0

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(
            f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 30}
        )
        self._changed = asyncio.Condition()
        self._lock = asyncio.Lock()
        self._ready = False

    async def _setup(self) -> None:
        if not self._ready:
            async with self.engine.begin() as conn:
                await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                await conn.run_sync(_meta.create_all)
            self._ready = True

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        await self._setup()

    async def append(self, records: Sequence[OutgoingRecord]) -> None:
        await self._setup()
        async with self._lock:
            async with self.engine.begin() as conn:
                tops: dict[str, int] = {}
                rows = []
                for r in records:
                    if r.topic not in tops:
                        stmt = sa.select(sa.func.max(_log.c.offset)).where(_log.c.topic == r.topic)
                        top = (await conn.execute(stmt)).scalar()
                        tops[r.topic] = -1 if top is None else top
                    tops[r.topic] += 1
                    rows.append(
                        {
                            "topic": r.topic,
                            "offset": tops[r.topic],
                            "key": r.key,
                            "value": r.value,
                            "headers": json.dumps([[k, v.decode("latin-1")] for k, v in r.headers]),
                        }
                    )
                if rows:
                    await conn.execute(_log.insert(), rows)
        async with self._changed:
            self._changed.notify_all()

    async def read(self, topic: str, from_offset: int, limit: int, below: int | None = None) -> list[Record]:
        await self._setup()
        stmt = sa.select(_log).where(_log.c.topic == topic, _log.c.offset >= from_offset)
        if below is not None:
            stmt = stmt.where(_log.c.offset < below)
        stmt = stmt.order_by(_log.c.offset).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            Record(
                r["topic"],
                self.PARTITION,
                r["offset"],
                r["key"],
                r["value"],
                tuple((k, v.encode("latin-1")) for k, v in json.loads(r["headers"])),
            )
            for r in rows
        ]

    async def end_offset(self, topic: str) -> int:
        await self._setup()
        async with self.engine.connect() as conn:
            stmt = sa.select(sa.func.max(_log.c.offset)).where(_log.c.topic == topic)
            top = (await conn.execute(stmt)).scalar()
        return 0 if top is None else top + 1

    async def wait_for_change(self, timeout: float) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                pass

    def publisher(self) -> Publisher:
        return _LocalPublisher(self)

    def subscriber(self, group: str, topics: Sequence[str]) -> Subscriber:
        return _LocalSubscriber(self, topics)

    def reader(self, topics: Sequence[str]) -> Reader:
        return _LocalReader(self, topics)

    async def ping(self) -> None:
        await self._setup()

    async def close(self) -> None:
        await self.engine.dispose()


class _LocalPublisher:
    def __init__(self, broker: LocalBroker) -> None:
        self.broker = broker

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        await self.broker.append(records)

    async def send(self, records: Sequence[OutgoingRecord]) -> Awaitable[None]:
        await self.broker.append(records)
        return _all_of([])


class _LocalSubscriber:
    def __init__(self, broker: LocalBroker, topics: Sequence[str]) -> None:
        self.broker = broker
        self.tps = [TopicPartition(t, LocalBroker.PARTITION) for t in topics]
        self.positions: dict[TopicPartition, int] = {}

    async def start(self, on_assign: OnAssign) -> None:
        stored = await on_assign(set(self.tps))
        self.positions = {tp: stored.get(tp, 0) for tp in self.tps}

    async def stop(self) -> None:
        return None

    async def fetch(self, timeout: float, max_records: int) -> dict[TopicPartition, list[Record]]:
        out = await self._read(max_records)
        if not out:
            await self.broker.wait_for_change(timeout)
            out = await self._read(max_records)
        for tp, records in out.items():
            self.positions[tp] = records[-1].offset + 1
        return out

    async def _read(self, max_records: int) -> dict[TopicPartition, list[Record]]:
        out: dict[TopicPartition, list[Record]] = {}
        for tp in self.tps:
            records = await self.broker.read(tp.topic, self.positions[tp], max_records)
            if records:
                out[tp] = records
        return out

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        return None


class _LocalReader:
    def __init__(self, broker: LocalBroker, topics: Sequence[str]) -> None:
        self.broker = broker
        self.topics = list(topics)
        self.ends: dict[TopicPartition, int] = {}
        self.positions: dict[TopicPartition, int] = {}

    async def open(self) -> dict[TopicPartition, int]:
        for t in self.topics:
            tp = TopicPartition(t, LocalBroker.PARTITION)
            self.ends[tp] = await self.broker.end_offset(t)
            self.positions[tp] = 0
        return dict(self.ends)

    async def fetch(self, timeout: float, max_records: int) -> dict[TopicPartition, list[Record]]:
        out: dict[TopicPartition, list[Record]] = {}
        for tp, pos in self.positions.items():
            if pos >= self.ends[tp]:
                continue
            records = await self.broker.read(tp.topic, pos, max_records, below=self.ends[tp])
            if records:
                out[tp] = records
                self.positions[tp] = records[-1].offset + 1
        return out

    async def close(self) -> None:
        return None
