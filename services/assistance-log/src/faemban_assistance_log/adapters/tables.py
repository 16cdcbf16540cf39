"""The logbook's own tables beside the platform's (event store, inbox).

``assistance_entries`` is the logbook as people read it, one row per entry, written in
the transaction of the entry's events (derived from the streams, like an index).
``assistance_households`` and ``assistance_assignments`` are projected from the
registry's and planning's topics: which households exist and where (so an entry is
only logged for a registered household, inside the recorder's area), and which
agencies a household is assigned to (what an agency's users may see), and
``assistance_mentors`` the logins of its mentor team (what a mentor may see and record).
"""

from __future__ import annotations

import sqlalchemy as sa

from faemban_domain.platform.mentors import mentors_table

metadata = sa.MetaData()

assistance_entries = sa.Table(
    "assistance_entries",
    metadata,
    sa.Column("entry_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), nullable=False, index=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("member_id", sa.String(5)),
    sa.Column("problem", sa.String(64), nullable=False),
    sa.Column("problem_text", sa.String(200)),
    sa.Column("agency", sa.String(64), nullable=False),
    sa.Column("giver_kind", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("amount_baht", sa.Numeric(14, 2)),
    sa.Column("given_on", sa.Date, nullable=False),
    sa.Column("plan_item_id", sa.String(64)),
    sa.Column("case_id", sa.String(64)),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("voided_at", sa.DateTime(timezone=True)),
    sa.Column("voided_by", sa.String(200)),
    sa.Column("void_reason", sa.Text),
    sa.Column("voided_by_entry_id", sa.String(64)),
)

assistance_photos = sa.Table(
    "assistance_photos",
    metadata,
    sa.Column("photo_id", sa.String(36), primary_key=True),
    sa.Column("entry_id", sa.String(64), nullable=False, index=True),
    sa.Column("household_id", sa.String(40), nullable=False),
    sa.Column("content_type", sa.String(20), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("blob_key", sa.String(200), nullable=False),
    sa.Column("uploaded_by", sa.String(200), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)
"""Evidence photos of an entry: the rows here, the bytes in the blob store, never in events."""

assistance_households = sa.Table(
    "assistance_households",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False),
    sa.Column("last_sequence", sa.BigInteger, nullable=False),
)

assistance_mentors = mentors_table(metadata, "assistance_mentors")

assistance_assignments = sa.Table(
    "assistance_assignments",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("agency", sa.String(64), primary_key=True),
)
