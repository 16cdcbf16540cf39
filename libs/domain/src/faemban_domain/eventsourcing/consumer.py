"""The consumer runner: exactly-once effects over at-least-once delivery.

For each partition batch, in ONE database transaction: the handler's effects,
an inbox row per event id (a duplicate is skipped), and the partition's next
offset. The database, not Kafka, is the authority on where to resume
(pyeventsourcing's tracking records), so a crash anywhere loses nothing and
applies nothing twice. A consumer whose handler is idempotent by itself (its
rows keep each household's stream sequence) writes no inbox rows: its offsets
are fenced instead (ADR 0019). Records of one partition are handled strictly in
order; a record whose handler keeps failing is sent to the dead-letter topic
with the error, marked in the inbox, and the partition moves on. The data of
every public event type is checked against its contract before a handler sees
it, so a value outside its domain range (written before the range existed)
is dead-lettered rather than added to a total that would stay wrong for ever.
Where every member of a process that handles a type reads the same part of it
(``ConsumerSpec.reads``), the check is of that part, parsed straight from the
record's bytes (ADR 0030).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from faemban_domain import context, tracing
from faemban_domain.events.contracts import EVENT_TYPES
from faemban_domain.events.envelope import CloudEvent, envelope_of
from faemban_domain.events.payload import parsed_batch
from faemban_domain.eventsourcing.broker import (
    Broker,
    OutgoingRecord,
    Publisher,
    Record,
    Subscriber,
    TopicPartition,
)
from faemban_domain.eventsourcing.sql import dialect_insert, insert_many, upsert
from faemban_domain.eventsourcing.tables import consumer_offsets, inbox

log = structlog.get_logger("faemban.consumer")

PROCESSED = Counter("faemban_consumer_events_total", "Events seen by consumers", ["consumer", "outcome"])

# handler(conn, event, tables): apply the event's effects using ``conn``.
Handler = Callable[[AsyncConnection, CloudEvent, Mapping[str, sa.Table]], Awaitable[None]]
# batch handler(conn, events, tables): the same for a run of fresh events, in order.
BatchHandler = Callable[[AsyncConnection, Sequence[CloudEvent], Mapping[str, sa.Table]], Awaitable[None]]


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


class PoisonEvent(Exception):
    """The record can never be handled (unparseable, unknown version...)."""


class StalePosition(Exception):
    """A member's stored offset is not where this process believed: another process handled
    the records (the old owner of a partition finishing its fetch). Nothing of the batch is
    applied; the runner reloads the positions and reads on from there."""


def check_contract(event: CloudEvent) -> BaseModel | None:
    """A public event's data must satisfy its contract (ranges, id formats) to be handled;
    returns it as the contract model (None for a type without a contract)."""
    contract = EVENT_TYPES.get(event.type)
    if contract is None:
        return None
    try:
        return contract.model.model_validate(event.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PoisonEvent(
            f"{event.type} {event.id} breaks its contract at data.{where}: {first['msg']}"
        ) from None


def is_transient(exc: BaseException) -> bool:
    """Infrastructure failures are retried forever; they must not dead-letter data."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, StalePosition):
        return True
    return isinstance(exc, (ConnectionError, OSError, TimeoutError))


@dataclass
class ConsumerSpec:
    name: str
    """Consumer group id and the key of its inbox/offset rows."""
    topics: Sequence[str]
    handler: Handler
    tables: Mapping[str, sa.Table] = field(default_factory=dict)
    """Read-model tables the handler writes (a projection); empty for a policy."""
    event_types: frozenset[str] | None = None
    """Only these types reach the handler (others are tracked and skipped)."""
    batch_handler: BatchHandler | None = None
    """Optional: applies many events in one go (same effect as ``handler`` one by one)."""
    idempotent: bool = False
    """The handler ignores what it has already applied, whenever it comes again: its rows keep
    each household's stream sequence (an event not newer changes nothing) or are keyed by the
    event (insert-or-nothing). Such a member writes no inbox rows; a duplicate the relay
    published at a new offset reaches the handler and changes nothing, and its offset rows are
    fenced so two processes cannot both apply one batch (ADR 0019)."""
    reads: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    """Event type → the part of its contract the handler reads (``contracts.part_of``). Where
    every member of the process that handles the type reads the same part, its records are
    parsed into that part and checked against it only: the rest of the data, which nobody
    here reads, is neither built nor checked (a tolerant reader; ADR 0030)."""
    part_bytes: int | None = None
    """Bytes of records this member's transactions may hold (None: the runner's own, 1 MB). A
    runner takes the smallest of its members'. A member whose events are read in part holds
    little of each parsed, and sums more of them before it writes when it takes more at once
    (the assessment summary's area counters)."""


class ConsumerRunner:
    """Runs one consumer, or several of one service as a fan-out (one subscription).

    A fan-out reads each record once, parses its envelope and checks its contract once,
    and hands it to every member consumer that subscribes to its topic, all in ONE
    transaction per partition batch. Each member keeps its own inbox rows and its own
    offsets (so a member can be rebuilt alone, and a member ahead of the others after a
    rebuild skips what it has); the subscription starts each partition at the lowest
    member position.
    """

    def __init__(
        self,
        spec: ConsumerSpec | Sequence[ConsumerSpec],
        engine: AsyncEngine,
        broker: Broker,
        dlq_publisher: Publisher,
        max_attempts: int = 3,
        retry_delay: float = 0.1,
        batch_size: int = 500,
        group: str | None = None,
        batch_bytes: int = 1024 * 1024,
    ) -> None:
        self.members: list[ConsumerSpec] = [spec] if isinstance(spec, ConsumerSpec) else list(spec)
        if not self.members:
            raise ValueError("a consumer runner needs at least one consumer")
        if len({m.name for m in self.members}) != len(self.members):
            raise ValueError("consumer names must be unique within a runner")
        self.group = group or self.members[0].name
        """The Kafka consumer group (a single consumer: its own name)."""
        self.topics = list(dict.fromkeys(t for m in self.members for t in m.topics))
        self.engine = engine
        self.broker = broker
        self.dlq = dlq_publisher
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.batch_size = batch_size
        self.batch_bytes = min(m.part_bytes or batch_bytes for m in self.members)
        """A fetch is handled in transactions of at most this many bytes of records: memory stays
        bounded whatever the events' size (a parsed event takes ~20× its bytes). Members may
        declare their own (``ConsumerSpec.part_bytes``); the smallest holds."""
        self.processed = 0
        """Records done (handled, skipped, duplicate or dead-lettered), counted once each."""
        self._subscriber: Subscriber | None = None
        self._next: dict[str, dict[TopicPartition, int]] = {m.name: {} for m in self.members}
        """Each member's next offset per partition, as committed (loaded at assignment)."""
        self._envelopes = _read_in_part(self.members)
        """Event type → the envelope its records are parsed into, for types read in part."""

    @property
    def spec(self) -> ConsumerSpec:
        """The consumer of a single-consumer runner (the first member of a fan-out)."""
        return self.members[0]

    @property
    def name(self) -> str:
        return self.group

    def _members_of(self, topic: str) -> list[ConsumerSpec]:
        return [m for m in self.members if topic in m.topics]

    async def _positions(self, tps: set[TopicPartition]) -> dict[TopicPartition, int]:
        """Where each assigned partition resumes: the lowest position of its members."""
        await self._reload(tps)
        return {tp: min(self._next[m.name][tp] for m in self._members_of(tp.topic)) for tp in tps}

    async def run(self, stop: asyncio.Event) -> None:
        await self.broker.ensure_topics([*self.topics, *(dlq_topic(t) for t in self.topics)])
        sub = self.broker.subscriber(self.group, self.topics)
        await sub.start(self._positions)
        self._subscriber = sub
        log.info(
            "consumer.started",
            consumer=self.group,
            members=[m.name for m in self.members],
            topics=self.topics,
        )
        backoff = 0.5
        try:
            while not stop.is_set():
                fetched = await sub.fetch(timeout=0.5, max_records=self.batch_size)
                try:
                    for part in _parts(fetched, self.batch_bytes):
                        if not await self.process_fetch(part):
                            for tp, records in part.items():
                                await self.process_partition_batch(tp, records)
                        await sub.commit({tp: records[-1].offset + 1 for tp, records in part.items()})
                    backoff = 0.5
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    log.warning("consumer.transient", consumer=self.group, error=str(exc))
                    if isinstance(exc, StalePosition):
                        await self._reload(set(fetched))
                    for tp in fetched:  # back to the lowest offset a member has not committed
                        sub.seek(tp, min(self._next[m.name].get(tp, 0) for m in self._members_of(tp.topic)))
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            await sub.stop()

    def _due(self, member: ConsumerSpec, records: Sequence[Record]) -> Sequence[Record]:
        """The records this member has not committed yet (all of them unless it is ahead)."""
        if not records:
            return records
        start = self._next[member.name].get(records[0].tp, 0)
        return records if records[0].offset >= start else [r for r in records if r.offset >= start]

    async def process_fetch(self, batches: Mapping[TopicPartition, Sequence[Record]]) -> bool:
        """Every partition of one fetch in ONE transaction, each member's handler called once
        with its records of all partitions (each partition's records in order, which keeps
        each household's order: a household is one key, one partition). False after a
        handler error (nothing committed): the caller goes partition by partition."""
        try:
            envelopes = self._envelopes
            parsed = {tp: [_parse(r, envelopes) for r in records] for tp, records in batches.items()}
            wanted = {t for m in self.members for t in (m.event_types or ())}
            anything = any(m.event_types is None for m in self.members)
            checked = _checked(
                e for events in parsed.values() for e in events if anything or e.type in wanted
            )
            moved: list[tuple[ConsumerSpec, TopicPartition, int]] = []
            plan: list[tuple[ConsumerSpec, list[CloudEvent]]] = []
            for m in self.members:
                mine: list[CloudEvent] = []
                for tp, records in batches.items():
                    if tp.topic not in m.topics:
                        continue
                    due = self._due(m, records)
                    if due:
                        skip = len(records) - len(due)
                        mine.extend(parsed[tp][skip:])
                        moved.append((m, tp, records[-1].offset + 1))
                if mine:
                    plan.append((m, mine))
            async with self.engine.begin() as conn:
                await self._fence(conn, [(m, tp) for m, tp, _ in moved if m.idempotent])
                for m, mine in plan:
                    fresh = mine if m.idempotent else await self._claim(conn, m, mine)
                    await self._handle(conn, m, fresh, checked)
                for m, tp, offset in moved:
                    await self._save_position(conn, m, tp, offset)
            for m, tp, offset in moved:
                self._next[m.name][tp] = offset
            self.processed += sum(len(records) for records in batches.values())
            return True
        except Exception as exc:
            if is_transient(exc):
                raise
            return False

    async def process_partition_batch(self, tp: TopicPartition, records: Sequence[Record]) -> None:
        """All records for every member in one transaction; on a handler error fall back to
        one record (and one member) at a time."""
        if await self.process_fetch({tp: records}):
            return
        for record in records:
            for m in self._members_of(tp.topic):
                if self._due(m, [record]):
                    await self._process_one(m, record)
            self.processed += 1

    async def _fence(
        self, conn: AsyncConnection, pairs: Sequence[tuple[ConsumerSpec, TopicPartition]]
    ) -> None:
        """Lock these members' offset rows of these partitions and check each still says where
        this process believes the member is, else StalePosition. Without an inbox this is what
        keeps two processes that both think they own a partition from applying one batch twice:
        the second waits for the first's commit, then finds the offset moved."""
        if not pairs:
            return
        keys = [(m.name, tp.topic, tp.partition) for m, tp in pairs]
        found = await _locked_positions(conn, keys)
        missing = [k for k in keys if k not in found]
        if missing:  # a partition's first batch: create the rows to lock (a racing twin waits)
            await conn.execute(
                dialect_insert(conn, consumer_offsets).on_conflict_do_nothing(),
                [
                    {
                        "consumer": c,
                        "topic": t,
                        "partition": p,
                        "next_offset": self._next[c].get(TopicPartition(t, p), 0),
                    }
                    for c, t, p in missing
                ],
            )
            found = await _locked_positions(conn, keys)
        for name, topic, partition in keys:
            believed = self._next[name].get(TopicPartition(topic, partition), 0)
            if found.get((name, topic, partition)) != believed:
                raise StalePosition(
                    f"{name} {topic}/{partition} is at {found.get((name, topic, partition))}, "
                    f"not {believed}: another process handled it"
                )

    async def _reload(self, tps: set[TopicPartition]) -> None:
        """Each member's committed positions of these partitions, from the database again."""
        for m in self.members:
            mine = {tp for tp in tps if tp.topic in m.topics}
            if mine:
                self._next[m.name].update(await load_positions(self.engine, m.name, mine))

    async def _claim(
        self, conn: AsyncConnection, member: ConsumerSpec, events: Sequence[CloudEvent]
    ) -> list[CloudEvent]:
        """Write the member's inbox rows for the batch in one statement; return the events
        it has not seen before."""
        now = datetime.now(UTC)
        unique = list({e.id: e for e in reversed(events)}.values())[::-1]
        # one statement a batch (unnest on PostgreSQL): a row a statement cost the database an
        # executor start for every event
        rows = [
            {"consumer": member.name, "event_id": e.id, "outcome": "processed", "processed_at": now}
            for e in unique
        ]
        result = await insert_many(
            conn, inbox, rows, lambda insert: insert.on_conflict_do_nothing().returning(inbox.c.event_id)
        )
        claimed = set(result.scalars().all()) if result is not None else set()
        fresh, seen = [], set()
        for e in events:
            if e.id in claimed and e.id not in seen:
                seen.add(e.id)
                fresh.append(e)
        PROCESSED.labels(member.name, "duplicate").inc(len(events) - len(fresh))
        return fresh

    async def _handle(
        self,
        conn: AsyncConnection,
        member: ConsumerSpec,
        events: Sequence[CloudEvent],
        checked: Mapping[int, tuple[CloudEvent, BaseModel]],
    ) -> None:
        types = member.event_types
        wanted = [e for e in events if types is None or e.type in types]
        PROCESSED.labels(member.name, "skipped").inc(len(events) - len(wanted))
        if not wanted:
            return
        token_c = context.correlation_id.set(wanted[0].correlationid)
        token_k = context.causation_id.set(wanted[0].id)
        # events this consumer records were caused by an event, not a user: the consumer is
        # their actor (the user behind the cause is in the causing event's own store)
        token_a = context.actor.set(f"system:{member.name}")
        try:
            with parsed_batch(checked):
                if member.batch_handler is not None and len(wanted) > 1:
                    with tracing.consuming(
                        f"{member.name} process",
                        [e.traceparent for e in wanted],
                        {
                            "messaging.consumer.group.name": member.name,
                            "messaging.batch.message_count": len(wanted),
                        },
                    ):
                        await member.batch_handler(conn, wanted, member.tables)
                else:
                    for e in wanted:
                        context.correlation_id.set(e.correlationid)
                        context.causation_id.set(e.id)
                        with tracing.consuming(
                            f"{member.name} process",
                            [e.traceparent],
                            {"messaging.consumer.group.name": member.name, "messaging.message.id": e.id},
                        ):
                            await member.handler(conn, e, member.tables)
        finally:
            context.correlation_id.reset(token_c)
            context.causation_id.reset(token_k)
            context.actor.reset(token_a)
        PROCESSED.labels(member.name, "processed").inc(len(wanted))

    async def _process_one(self, member: ConsumerSpec, record: Record) -> None:
        last_error: BaseException | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                async with self.engine.begin() as conn:
                    await self._apply(conn, member, record)
                    await self._save_position(conn, member, record.tp, record.offset + 1)
                self._next[member.name][record.tp] = record.offset + 1
                return
            except PoisonEvent as exc:
                last_error = exc
                break
            except Exception as exc:
                if is_transient(exc):
                    raise
                last_error = exc
                log.warning(
                    "consumer.handler_failed",
                    consumer=member.name,
                    topic=record.topic,
                    offset=record.offset,
                    attempt=attempt,
                    error=repr(exc),
                )
                await asyncio.sleep(self.retry_delay * attempt)
        assert last_error is not None
        await self._dead_letter(member, record, last_error)

    async def _apply(self, conn: AsyncConnection, member: ConsumerSpec, record: Record) -> None:
        event = _parse(record, self._envelopes)
        if member.idempotent:
            await self._fence(conn, [(member, record.tp)])
        fresh = [event] if member.idempotent else await self._claim(conn, member, [event])
        types = member.event_types
        await self._handle(
            conn, member, fresh, _checked(e for e in fresh if types is None or e.type in types)
        )

    async def _save_position(
        self, conn: AsyncConnection, member: ConsumerSpec, tp: TopicPartition, next_offset: int
    ) -> None:
        await upsert(
            conn,
            consumer_offsets,
            {
                "consumer": member.name,
                "topic": tp.topic,
                "partition": tp.partition,
                "next_offset": next_offset,
            },
            key=("consumer", "topic", "partition"),
            update=("next_offset",),
        )

    async def _dead_letter(self, member: ConsumerSpec, record: Record, error: BaseException) -> None:
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        headers = (
            *record.headers,
            ("x-dlq-consumer", member.name.encode()),
            ("x-dlq-error", detail[:2000].encode()),
            ("x-dlq-source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        )
        await self.dlq.publish(
            [OutgoingRecord(dlq_topic(record.topic), record.key or "", record.value, tuple(headers))]
        )
        event_id = _event_id(record)
        async with self.engine.begin() as conn:
            if event_id is not None:
                await upsert(
                    conn,
                    inbox,
                    {
                        "consumer": member.name,
                        "event_id": event_id,
                        "outcome": "dead_lettered",
                        "processed_at": datetime.now(UTC),
                    },
                    key=("consumer", "event_id"),
                    update=("outcome", "processed_at"),
                )
            await self._save_position(conn, member, record.tp, record.offset + 1)
        self._next[member.name][record.tp] = record.offset + 1
        PROCESSED.labels(member.name, "dead_lettered").inc()
        log.error(
            "consumer.dead_lettered",
            consumer=member.name,
            topic=record.topic,
            offset=record.offset,
            error=detail,
        )


def _parts(
    fetched: Mapping[TopicPartition, Sequence[Record]], budget: int
) -> Iterator[dict[TopicPartition, Sequence[Record]]]:
    """The fetch in consecutive parts of about ``budget`` bytes: each partition's records stay
    in order, a part ends where the budget runs out (a single larger record is a part alone)."""
    part: dict[TopicPartition, list[Record]] = {}
    size = 0
    for tp, records in fetched.items():
        for r in records:
            if size and size + len(r.value) > budget:
                yield dict(part)
                part, size = {}, 0
            part.setdefault(tp, []).append(r)
            size += len(r.value)
    if part:
        yield dict(part)


def _checked(events: Iterable[CloudEvent]) -> dict[int, tuple[CloudEvent, BaseModel]]:
    """Each public event's data as its contract model (PoisonEvent for one that breaks it),
    keyed for ``parsed_batch``: checked once, whichever members handle it."""
    out: dict[int, tuple[CloudEvent, BaseModel]] = {}
    for e in events:
        data: object = e.data
        if isinstance(data, BaseModel):  # parsed in part: checked as it was built
            out[id(e)] = (e, data)
            continue
        model = check_contract(e)
        if model is not None:
            out[id(e)] = (e, model)
    return out


def _read_in_part(members: Sequence[ConsumerSpec]) -> dict[str, type[CloudEvent]]:
    """The types every member that handles them reads the same part of (``ConsumerSpec.reads``);
    one member reading a type whole, or two reading different parts, keeps it whole."""
    out: dict[str, type[CloudEvent]] = {}
    for event_type in {t for m in members for t in m.reads}:
        handling = [m for m in members if m.event_types is None or event_type in m.event_types]
        parts = {m.reads.get(event_type) for m in handling}
        if len(parts) == 1 and None not in parts:
            out[event_type] = envelope_of(*parts)
    return out


def _parse(record: Record, envelopes: Mapping[str, type[CloudEvent]]) -> CloudEvent:
    """The record's envelope; for a type read in part (named by its ``ce_type`` header), with
    the part as its data, validated from the bytes in one pass. Anything else is parsed whole:
    a record without the header, a body of another type than its header's, and one that fails
    the part (its whole check then names what is wrong, and it is dead-lettered)."""
    if envelopes:
        envelope = envelopes.get(_header(record, "ce_type") or "")
        if envelope is not None:
            try:
                event = envelope.model_validate_json(record.value)
            except ValidationError:
                pass
            else:
                if envelopes.get(event.type) is envelope:
                    return event
    try:
        return CloudEvent.from_json_bytes(record.value)
    except Exception as exc:
        raise PoisonEvent(f"not a CloudEvent: {exc}") from exc


def _header(record: Record, name: str) -> str | None:
    for k, v in record.headers:
        if k == name:
            try:
                return v.decode()
            except UnicodeDecodeError:
                return None
    return None


def _event_id(record: Record) -> str | None:
    found = _header(record, "ce_id")
    if found is not None:
        return found
    try:
        return CloudEvent.from_json_bytes(record.value).id
    except Exception:
        return None


async def _locked_positions(
    conn: AsyncConnection, keys: Sequence[tuple[str, str, int]]
) -> dict[tuple[str, str, int], int]:
    """The stored next offsets of these (consumer, topic, partition) rows, locked until commit
    (in key order, so two fencing transactions cannot deadlock on them)."""
    co = consumer_offsets
    rows = await conn.execute(
        sa.select(co.c.consumer, co.c.topic, co.c.partition, co.c.next_offset)
        .where(sa.tuple_(co.c.consumer, co.c.topic, co.c.partition).in_(sorted(keys)))
        .order_by(co.c.consumer, co.c.topic, co.c.partition)
        .with_for_update()
    )
    return {(c, t, p): n for c, t, p, n in rows}


async def load_positions(
    engine: AsyncEngine, consumer: str, tps: set[TopicPartition]
) -> dict[TopicPartition, int]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(sa.select(consumer_offsets).where(consumer_offsets.c.consumer == consumer))
        ).mappings()
        stored = {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
    return {tp: stored.get(tp, 0) for tp in tps}
