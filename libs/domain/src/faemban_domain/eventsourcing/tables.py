"""Platform tables every service database holds, defined once.

The Table objects are what the kit's code uses; the migrations that create them are
frozen in ``platform_migrations.py`` and each service's tests compare the two.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

event_store = sa.Table(
    "event_store",
    metadata,
    sa.Column("stream_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

relay_position = sa.Table(
    "relay_position",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)
"""How far the relay has published the event store (ADR 0032): one row, ``RELAY_NAME``."""

RELAY_NAME = "events"

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("consumer", sa.String(120), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)

consumer_offsets = sa.Table(
    "consumer_offsets",
    metadata,
    sa.Column("consumer", sa.String(120), primary_key=True),
    sa.Column("topic", sa.String(200), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

PLATFORM_TABLES = (event_store, relay_position, inbox, consumer_offsets, idempotency_keys)
