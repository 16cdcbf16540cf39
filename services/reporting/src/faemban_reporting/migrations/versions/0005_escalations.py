"""Escalation queues read model.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("opened_level", sa.String(12), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalations", sa.Integer, nullable=False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
    )
    op.create_index("ix_escalation_cases_area_code", "escalation_cases", ["area_code"])


def downgrade() -> None:
    op.drop_table("escalation_cases")
