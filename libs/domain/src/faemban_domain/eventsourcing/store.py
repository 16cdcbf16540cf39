"""The event store: one table of streams, which the relay tails to publish.

Optimistic concurrency comes from the primary key (stream_id, version): two
writers that loaded the same version both try to insert version n+1 and the
database lets exactly one of them commit. Each event's global ``position``
orders the log the relay publishes from, so an event reaches Kafka if and only
if its state change committed, with no second copy of it (ADRs 0002, 0032).
An event that could not leave (its contract refuses it, it carries personal
data) fails its own write, before the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import context, tracing
from faemban_domain.events.contracts import contract_for
from faemban_domain.events.envelope import assert_no_personal_data, personal_fields_of, record_of
from faemban_domain.eventsourcing.broker import OutgoingRecord
from faemban_domain.eventsourcing.records import ModelData
from faemban_domain.eventsourcing.records import NewEvent as NewEvent
from faemban_domain.eventsourcing.records import RecordedEvent as RecordedEvent
from faemban_domain.eventsourcing.sql import autocommit_rows, bulk_insert, json_text, one_of
from faemban_domain.eventsourcing.tables import event_store

WALK_EVERY = 64
"""One contract-made publication in this many is walked for personal keys (the first always):
the contracts already rule them out, so the walk is a sampled runtime check (ADR 0031). The
relay validates the same share of what it reads back in full (ADR 0032)."""

log = structlog.get_logger("faemban.event_store")


class ConcurrencyError(Exception):
    """Another writer appended to the stream since it was loaded."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} has moved past version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


@dataclass(frozen=True, slots=True)
class Publication:
    """How a recorded event appears on the service's topic (None: it stays home)."""

    type: str
    data: dict[str, Any]
    subject: str
    areacode: str | None
    contract_made: bool = False
    """``data`` holds nothing but what its contract model made (``contract_view``): no key a
    contract does not declare, and no contract declares a personal one. A write then walks
    such data for personal keys on a sample of events, not on each (ADR 0031)."""


PublicView = Callable[[RecordedEvent], Publication | None]


def kept_home(
    *private: str, ref: str | None = None, when: str | None = None
) -> Callable[[RecordedEvent], dict[str, Any]]:
    """A ``contract_view`` shape: the event's data without its ``private`` fields (a person's
    words, a member), and ``ref`` naming them by the id of the event that keeps them — when
    the field ``when`` holds something, if given (else None)."""

    def shape(event: RecordedEvent) -> dict[str, Any]:
        data = {k: v for k, v in event.data.items() if k not in private}
        if ref is not None:
            data[ref] = event.event_id if when is None or event.data.get(when) else None
        return data

    return shape


class ContractView:
    """Publish the listed internal event types as their public type, keyed by household.

    A write calls the view on each event it appends: the data is validated against the
    public contract there, so a field that is not in the contract (and no personal data is)
    fails the write; every other internal event stays home. ``shapes`` turns an internal
    event into its public data where they differ (a free-text reason kept home and
    published as a reference). The relay calls ``read_back`` on the same event read back
    from the store (ADR 0032).
    """

    def __init__(
        self,
        public_types: Mapping[str, str],
        shapes: Mapping[str, Callable[[RecordedEvent], dict[str, Any]]] | None = None,
    ) -> None:
        self.public_types = dict(public_types)
        self.shapes = dict(shapes or {})
        self._contracts: dict[str, tuple[type[BaseModel], Set[str]]] = {}
        """Per public type, its contract model and field names (looked up once, not per event)."""
        for public_type in set(self.public_types.values()):  # at start-up, once a type (ADR 0031)
            model = contract_for(public_type).model
            declared = personal_fields_of(model)
            if declared:
                raise TypeError(f"{public_type} declares personal data: {sorted(declared)}")
            self._contracts[public_type] = (model, model.model_fields.keys())
        self._read_back: dict[str, int] = {}
        """Per public type, events read back since the last one validated in full."""
        self._validated_always: set[str] = set()
        """Public types whose stored form was once found to differ from the contract's own."""

    def _raw(self, event: RecordedEvent) -> tuple[str, Any] | None:
        public_type = self.public_types.get(event.type)
        if public_type is None:
            return None
        shape = self.shapes.get(event.type)
        return public_type, shape(event) if shape is not None else event.data

    def __call__(self, event: RecordedEvent) -> Publication | None:
        found = self._raw(event)
        if found is None:
            return None
        public_type, raw = found
        model, fields = self._contracts[public_type]
        if isinstance(raw, ModelData) and raw.model is model and raw.keys() <= fields:
            data: dict[str, Any] = dict(raw)  # dumped from this very contract model a moment ago
        else:
            data = model.model_validate(raw).model_dump(mode="json")
        return Publication(public_type, data, data["household_id"], data["area_code"], contract_made=True)

    def read_back(self, event: RecordedEvent) -> Publication | None:
        """The publication of an event read back from the store, for the relay.

        Its write validated it already. Data holding exactly the contract's fields is what
        that validation's dump gave (every domain event is dumped from its model), so it is
        published as stored; the first of each type and one in ``WALK_EVERY`` after it is
        validated again and compared. A type found to differ is validated on every event from
        then on, and anything else (a missing default, a legacy shape) is validated each time.
        """
        found = self._raw(event)
        if found is None:
            return None
        public_type, raw = found
        model, fields = self._contracts[public_type]
        seen = self._read_back.get(public_type, 0)
        self._read_back[public_type] = (seen + 1) % WALK_EVERY
        if seen and public_type not in self._validated_always and raw.keys() == fields:
            data = raw
        else:
            data = model.model_validate(raw).model_dump(mode="json")
            if data != raw and raw.keys() == fields:
                self._validated_always.add(public_type)
                log.warning("event_store.stored_form_differs", public_type=public_type)
        return Publication(public_type, data, data["household_id"], data["area_code"], contract_made=True)


def contract_view(
    public_types: Mapping[str, str],
    shapes: Mapping[str, Callable[[RecordedEvent], dict[str, Any]]] | None = None,
) -> ContractView:
    """The ``ContractView`` of ``public_types`` (kept as the services' one call)."""
    return ContractView(public_types, shapes)


class EventStore:
    def __init__(self, source: str, topic: str, public_view: PublicView) -> None:
        self.source = source
        self.topic = topic
        self.public_view = public_view
        self._read_back: PublicView = getattr(public_view, "read_back", public_view)
        self._unwalked = 0
        """Contract-made publications since the last one walked for personal keys."""

    async def append(
        self,
        conn: AsyncConnection,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        metadata: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]:
        """Append after ``expected_version`` or raise ConcurrencyError.

        Must run inside the caller's transaction: the caller's other writes and
        these events commit or roll back together.
        """
        if not events:
            return []
        if expected_version > 0:
            current = await self.current_version(conn, stream_id)
            if current != expected_version:
                raise ConcurrencyError(stream_id, expected_version)
        rows = _rows([(stream_id, expected_version, events)], metadata)
        recorded = await self._insert_events(conn, rows, stream_id, expected_version)
        self._check_published(recorded)
        return recorded

    async def append_many(
        self,
        conn: AsyncConnection,
        new_streams: Sequence[tuple[str, Sequence[NewEvent]]],
        metadata: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]:
        """Start many new streams in one statement (bulk registration).

        Every stream must be new (expected version 0); if any exists already
        the whole batch raises ConcurrencyError and nothing is written.
        """
        rows = _rows([(stream_id, 0, evs) for stream_id, evs in new_streams], metadata)
        if not rows:
            return []
        if conn.dialect.name == "postgresql":
            return await self._copy_rows(conn, rows)
        recorded = await self._insert_events(conn, rows, "<batch>", 0)
        self._check_published(recorded)
        return recorded

    async def append_batch(
        self,
        conn: AsyncConnection,
        streams: Sequence[tuple[str, int, Sequence[NewEvent]]],
        metadata: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]:
        """Append to many streams, each after its expected version, in one statement.

        The (stream_id, version) key is the concurrency check: if any stream
        moved since it was loaded, the whole batch raises ConcurrencyError and
        nothing is written (the caller's transaction rolls back).
        """
        rows = _rows(streams, metadata)
        if not rows:
            return []
        if conn.dialect.name == "postgresql":
            return await self._copy_rows(conn, rows)
        recorded = await self._insert_events(conn, rows, "<batch>", -1)
        self._check_published(recorded)
        return recorded

    async def _copy_rows(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[RecordedEvent]:
        """PostgreSQL bulk path: COPY the events inside the caller's transaction.

        COPY still enforces the (stream_id, version) key, so a stream that moved
        since it was loaded fails the whole batch as ConcurrencyError, exactly
        like INSERT.
        """
        import asyncpg

        recorded = [
            RecordedEvent(
                r["stream_id"],
                r["version"],
                None,
                r["event_id"],
                r["event_type"],
                r["data"],
                r["metadata"],
                r["recorded_at"],
            )
            for r in rows
        ]
        self._check_published(recorded)
        await _take_transaction_id(conn)
        encoded: dict[int, str] = {}  # most rows share the write's one metadata dict
        try:
            await bulk_insert(
                conn,
                event_store,
                [
                    {
                        **r,
                        "data": json_text(r["data"]),
                        "metadata": encoded.get(id(r["metadata"]))
                        or encoded.setdefault(id(r["metadata"]), json_text(r["metadata"])),
                    }
                    for r in rows
                ],
            )
        except asyncpg.UniqueViolationError as exc:
            raise ConcurrencyError("<batch>", 0) from exc
        return recorded

    async def _insert_events(
        self, conn: AsyncConnection, rows: list[dict[str, Any]], stream_id: str, expected: int
    ) -> list[RecordedEvent]:
        if conn.dialect.name == "sqlite":
            # SQLite has no identity on a non-key column; writers are serialised
            # (BEGIN IMMEDIATE), so max+1 is safe here.
            top = (await conn.execute(sa.select(sa.func.max(event_store.c.position)))).scalar() or 0
            for i, row in enumerate(rows):
                row["position"] = top + i + 1
        else:
            await _take_transaction_id(conn)
        try:
            result = await conn.execute(
                event_store.insert().returning(event_store.c.position, event_store.c.event_id),
                rows,
            )
            positions = {eid: pos for pos, eid in result.all()}
        except IntegrityError as exc:
            raise ConcurrencyError(stream_id, expected) from exc
        return [
            RecordedEvent(
                stream_id=r["stream_id"],
                version=r["version"],
                position=positions[r["event_id"]],
                event_id=r["event_id"],
                type=r["event_type"],
                data=r["data"],
                metadata=r["metadata"],
                recorded_at=r["recorded_at"],
            )
            for r in rows
        ]

    def _check_published(self, recorded: Sequence[RecordedEvent]) -> None:
        """The write's guard: each event it publishes passes its view (the contract, the
        personal-data walk) before the transaction commits, so the relay never reads back an
        event that cannot leave."""
        for ev in recorded:
            pub = self.public_view(ev)
            if pub is None:
                continue
            if not pub.contract_made or self._unwalked == 0:
                assert_no_personal_data(pub.data)
            if pub.contract_made:
                self._unwalked = (self._unwalked + 1) % WALK_EVERY

    def outgoing(self, recorded: Sequence[RecordedEvent]) -> list[OutgoingRecord]:
        """The Kafka records of events read back from the store (the relay's batch): each
        published event's envelope, keyed by its household; the others stay home."""
        out = []
        for ev in recorded:
            pub = self._read_back(ev)
            if pub is None:
                continue
            if not pub.contract_made:
                assert_no_personal_data(pub.data)
            value, headers = record_of(
                id=ev.event_id,
                source=self.source,
                type=pub.type,
                subject=pub.subject,
                time=ev.recorded_at,
                correlationid=ev.metadata.get("correlation_id"),
                causationid=ev.metadata.get("causation_id"),
                traceparent=ev.metadata.get("traceparent"),
                areacode=pub.areacode,
                sequence=str(ev.version),
                data=pub.data,
            )
            out.append(OutgoingRecord(self.topic, pub.subject, value, headers))
        return out

    async def current_version(self, conn: AsyncConnection, stream_id: str) -> int:
        stmt = sa.select(sa.func.max(event_store.c.version)).where(event_store.c.stream_id == stream_id)
        return (await conn.execute(stmt)).scalar() or 0

    async def load(
        self, conn: AsyncConnection, stream_id: str, up_to_version: int | None = None
    ) -> list[RecordedEvent]:
        if up_to_version is None and (fetched := await autocommit_rows(conn, _LOAD, stream_id)) is not None:
            return [recorded_event(r) for r in fetched]
        stmt = sa.select(event_store).where(event_store.c.stream_id == stream_id)
        if up_to_version is not None:
            stmt = stmt.where(event_store.c.version <= up_to_version)
        rows = (await conn.execute(stmt.order_by(event_store.c.version))).mappings().all()
        return [recorded_event(r) for r in rows]

    async def existing_streams(self, conn: AsyncConnection, stream_ids: Sequence[str]) -> set[str]:
        """Which of ``stream_ids`` hold events already."""
        found = await conn.execute(
            sa.select(event_store.c.stream_id).where(
                one_of(conn, event_store.c.stream_id, stream_ids), event_store.c.version == 1
            )
        )
        return set(found.scalars())

    async def stream_ids(
        self, conn: AsyncConnection, prefix: str, after: str = "", limit: int = 500
    ) -> list[str]:
        """Stream ids starting with ``prefix`` after ``after``, in order (to walk every aggregate)."""
        found = await conn.execute(
            sa.select(event_store.c.stream_id)
            .where(event_store.c.stream_id.startswith(prefix), event_store.c.stream_id > after)
            .group_by(event_store.c.stream_id)
            .order_by(event_store.c.stream_id)
            .limit(limit)
        )
        return list(found.scalars().all())

    async def load_many(
        self, conn: AsyncConnection, stream_ids: Sequence[str], chunk: int = 1000
    ) -> dict[str, list[RecordedEvent]]:
        """The events of many streams (in version order), a chunk of streams per query."""
        out: dict[str, list[RecordedEvent]] = {}
        for i in range(0, len(stream_ids), chunk):
            stmt = (
                sa.select(event_store)
                .where(one_of(conn, event_store.c.stream_id, stream_ids[i : i + chunk]))
                .order_by(event_store.c.stream_id, event_store.c.version)
            )
            for r in (await conn.execute(stmt)).mappings().all():
                out.setdefault(r["stream_id"], []).append(recorded_event(r))
        return out

    async def read_all(
        self, conn: AsyncConnection, after_position: int = 0, limit: int = 1000
    ) -> list[RecordedEvent]:
        stmt = (
            sa.select(event_store)
            .where(event_store.c.position > after_position)
            .order_by(event_store.c.position)
            .limit(limit)
        )
        return [recorded_event(r) for r in (await conn.execute(stmt)).mappings().all()]


async def _take_transaction_id(conn: AsyncConnection) -> None:
    """Give the transaction its id before its events take positions: the relay publishes a
    position only once every transaction that was running when it was taken has ended, and
    it finds those by their ids (ADR 0032). Without this, a COPY's first rows could take
    positions before their transaction had an id to be waited for."""
    await conn.execute(sa.text("SELECT pg_current_xact_id()"))


def _rows(
    streams: Sequence[tuple[str, int, Sequence[NewEvent]]], metadata: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Event-store rows: each stream's events numbered after its expected version, one time and context."""
    meta = _metadata(metadata)
    now = datetime.now(UTC)
    return [
        {
            "stream_id": stream_id,
            "version": expected + i + 1,
            "event_id": ev.event_id,
            "event_type": ev.type,
            "data": ev.data,
            "metadata": _with_cause(meta, ev.cause),
            "recorded_at": now,
        }
        for stream_id, expected, evs in streams
        for i, ev in enumerate(evs)
    ]


def _with_cause(meta: dict[str, Any], cause: Mapping[str, str | None] | None) -> dict[str, Any]:
    """The write's metadata, or a copy naming the event's own cause where that differs (the
    same dict otherwise, so a bulk write encodes it once)."""
    if not cause or all(meta.get(k) == v for k, v in cause.items()):
        return meta
    return {**meta, **cause}


def _metadata(extra: dict[str, Any] | None) -> dict[str, Any]:
    """Who and what caused these events: the request's or the consumed event's context."""
    meta = {
        "correlation_id": context.correlation_id.get(),
        "causation_id": context.causation_id.get(),
        "actor": context.actor.get(),
        **(extra or {}),
    }
    traceparent = tracing.current_traceparent()
    if traceparent is not None:
        meta["traceparent"] = traceparent
    return meta


_LOAD = (
    "SELECT stream_id, version, position, event_id, event_type, data, metadata, recorded_at"
    " FROM event_store WHERE stream_id = $1 ORDER BY version"
)
"""``load`` on a reading connection: the same rows as its SQLAlchemy statement."""


def recorded_event(r: Any) -> RecordedEvent:
    """An event from its row (a mapping by column name: SQLAlchemy's or the driver's)."""
    recorded_at = r["recorded_at"]
    return RecordedEvent(
        stream_id=r["stream_id"],
        version=r["version"],
        position=r["position"],
        event_id=r["event_id"],
        type=r["event_type"],
        data=r["data"],
        metadata=r["metadata"],
        # SQLite keeps the UTC time without its zone; a published envelope's time carries it
        recorded_at=recorded_at if recorded_at.tzinfo is not None else recorded_at.replace(tzinfo=UTC),
    )
