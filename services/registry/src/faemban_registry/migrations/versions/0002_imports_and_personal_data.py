"""Register imports and the households' personal data.

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
        "imports",
        sa.Column("import_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("cohort_year", sa.Integer, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("rows_already_registered", sa.Integer, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "household_personal",
        sa.Column("household_id", sa.String(64), primary_key=True),
        sa.Column("head_title", sa.String(200)),
        sa.Column("head_first_name", sa.String(200)),
        sa.Column("head_last_name", sa.String(200)),
        sa.Column("head_citizen_id", sa.String(13)),
        sa.Column("head_age", sa.Integer),
        sa.Column("head_sex", sa.String(10)),
        sa.Column("house_no", sa.String(40)),
        sa.Column("village_name", sa.String(200)),
        sa.Column("formal_debt", sa.Float),
        sa.Column("informal_debt", sa.Float),
        sa.Column("savings", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("source_import_id", sa.String(36)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("household_personal")
    op.drop_table("imports")
