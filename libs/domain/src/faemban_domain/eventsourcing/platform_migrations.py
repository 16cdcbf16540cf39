"""The platform tables' migration steps, frozen: every service's chain calls them in order.

Each step is written out with ``op.create_table`` (never built from the live ``Table``
objects in ``tables.py``), so a later edit of those objects shows up as a difference in
each service's migration test instead of silently changing what an old migration does.
A change to the platform tables is a new step here (``upgrade_0002``…) that each service
calls from a new migration of its own.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

_BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade_0001(op: Any) -> None:
    """Event store, outbox, inbox, consumer offsets, idempotency keys."""
    op.create_table(
        "event_store",
        sa.Column("stream_id", sa.String(80), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", _BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "consumer_offsets",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade_0001(op: Any) -> None:
    for table in ("idempotency_keys", "consumer_offsets", "inbox", "outbox", "event_store"):
        op.drop_table(table)


def upgrade_0002(op: Any) -> None:
    """The outbox keeps each record's Kafka headers beside its envelope (ADR 0024); rows
    written before have none and the relay parses their envelope."""
    op.add_column("outbox", sa.Column("headers", sa.LargeBinary, nullable=True))


def downgrade_0002(op: Any) -> None:
    op.drop_column("outbox", "headers")


def upgrade_0003(op: Any) -> None:
    """The relay tails the event store from a stored position instead of draining an outbox
    (ADR 0032). It starts just before the oldest event the outbox still held, so nothing
    committed goes unpublished (some already published may go again: at-least-once), or
    after the last event when the outbox was empty."""
    op.create_table(
        "relay_position",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO relay_position (name, position) SELECT 'events', COALESCE("
        "(SELECT min(e.position) - 1 FROM outbox o JOIN event_store e ON e.event_id = o.event_id),"
        " (SELECT max(position) FROM event_store), 0)"
    )
    op.drop_table("outbox")


def downgrade_0003(op: Any) -> None:
    """Back to an empty outbox: events the relay had not yet published stay unpublished."""
    op.create_table(
        "outbox",
        sa.Column("id", _BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("headers", sa.LargeBinary, nullable=True),
    )
    op.drop_table("relay_position")
