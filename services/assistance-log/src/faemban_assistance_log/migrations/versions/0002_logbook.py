"""The logbook: entries as read, the households known from the registry, agency assignments.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistance_entries",
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("area_code", sa.String(8), nullable=False),
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
    op.create_index("ix_assistance_entries_household_id", "assistance_entries", ["household_id"])
    op.create_index("ix_assistance_entries_area_code", "assistance_entries", ["area_code"])
    op.create_table(
        "assistance_photos",
        sa.Column("photo_id", sa.String(36), primary_key=True),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("content_type", sa.String(20), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_assistance_photos_entry_id", "assistance_photos", ["entry_id"])
    op.create_table(
        "assistance_households",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "assistance_mentors",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
    )
    op.create_table(
        "assistance_assignments",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("agency", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("assistance_assignments")
    op.drop_table("assistance_mentors")
    op.drop_table("assistance_households")
    op.drop_table("assistance_photos")
    op.drop_table("assistance_entries")
