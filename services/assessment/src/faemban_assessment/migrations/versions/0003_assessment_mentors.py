"""The logins of each household's mentor team (projected from planning's topic).

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
        "assessment_mentors",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("assessment_mentors")
