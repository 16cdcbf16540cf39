"""Register summary totals per village and cohort.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_village_totals",
        sa.Column("area_code", sa.String(8), primary_key=True),
        sa.Column("cohort_year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("target_households", sa.Integer, nullable=False),
        sa.Column("welfare_card_holders", sa.Integer, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("health_households", sa.Integer, nullable=False),
        sa.Column("living_households", sa.Integer, nullable=False),
        sa.Column("education_households", sa.Integer, nullable=False),
        sa.Column("income_households", sa.Integer, nullable=False),
        sa.Column("access_households", sa.Integer, nullable=False),
        sa.Column("target_poor_persons", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("register_village_totals")
