"""The household map: each household's type in the index, assessment's critical flag.

The index is emptied so that the registry rebuilds it from the event store at start
(``household_index.is_stale``), filling the new column for every household.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("household_index", sa.Column("household_type", sa.String(20), nullable=True))
    op.execute("DELETE FROM household_index")
    op.create_table(
        "household_critical",
        sa.Column("household_id", sa.String(64), primary_key=True),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("household_critical")
    op.drop_column("household_index", "household_type")
