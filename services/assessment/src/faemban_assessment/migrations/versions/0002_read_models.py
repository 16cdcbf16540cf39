"""Assessment read models: current assessment per household, area counters.

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
        "assessment_current",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("survey_year", sa.Integer, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mpi_poor", sa.Boolean, nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("tpmap_poor_latest", sa.Boolean, nullable=False),
        sa.Column("survive", sa.Boolean, nullable=False),
        sa.Column("af_score", sa.Float, nullable=False),
        sa.Column("af_fraction", sa.String(40), nullable=False),
        sa.Column("vulnerability_level", sa.Integer, nullable=False),
        sa.Column("dependants", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("failing_indicators", sa.JSON, nullable=False),
        sa.Column("deprived_dimensions", sa.JSON, nullable=False),
        sa.Column("priority_key", sa.String(120), nullable=False),
    )
    op.create_index("ix_assessment_current_area_code", "assessment_current", ["area_code"])
    op.create_index("ix_assessment_current_priority_key", "assessment_current", ["priority_key"])
    op.create_table(
        "assessment_area_counts",
        sa.Column("area_code", sa.String(8), primary_key=True),
        sa.Column("measure", sa.String(80), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assessment_area_counts")
    op.drop_table("assessment_current")
