"""The register search (DCI sync search): what it filters on, in the household index.

The index is emptied so that the registry rebuilds it from the event store at start
(``household_index.is_stale``), filling the new columns for every household.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("household_index", sa.Column("cohort_year", sa.Integer, nullable=True))
    op.add_column("household_index", sa.Column("source", sa.String(20), nullable=True))
    op.add_column("household_index", sa.Column("verification_category", sa.String(30), nullable=True))
    op.add_column("household_index", sa.Column("failing_indicators", sa.String(1000), nullable=True))
    op.execute("DELETE FROM household_index")


def downgrade() -> None:
    for column in ("failing_indicators", "verification_category", "source", "cohort_year"):
        op.drop_column("household_index", column)
