"""Verification progress read model.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_households",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("survey_year", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("verification_category", sa.String(20), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_late", sa.Boolean, nullable=False),
        sa.Column("certified_late", sa.Boolean, nullable=False),
        sa.Column("approved_late", sa.Boolean, nullable=False),
        sa.Column("times_returned", sa.Integer, nullable=False),
        sa.Column("last_return_level", sa.String(10), nullable=True),
        sa.Column("last_return_reason", sa.Text, nullable=True),
        sa.Column("last_sequence", sa.Integer, nullable=False),
    )
    op.create_index("ix_verification_households_area_code", "verification_households", ["area_code"])


def downgrade() -> None:
    op.drop_table("verification_households")
