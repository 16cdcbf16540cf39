"""Reporting read models: household timeline and register rows.

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
        "timeline_events",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area_code", sa.String(8), nullable=True),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "register_households",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False, index=True),
        sa.Column("cohort_year", sa.Integer, nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("welfare_card_holders", sa.Integer, nullable=False),
        sa.Column("elderly", sa.Integer, nullable=False),
        sa.Column("disabled", sa.Integer, nullable=False),
        sa.Column("chronically_ill", sa.Integer, nullable=False),
        sa.Column("failing_indicators", sa.JSON, nullable=False),
        sa.Column("failing_dimensions", sa.JSON, nullable=False),
        sa.Column("field_status", sa.String(30), nullable=True),
        sa.Column("last_sequence", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("register_households")
    op.drop_table("timeline_events")
