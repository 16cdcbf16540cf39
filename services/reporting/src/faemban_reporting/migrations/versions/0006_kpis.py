"""KPI read model: the facts KPIs and the monthly report count, each with the time it entered the record.

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
    op.create_table(
        "kpi_households",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("area_sequence", sa.Integer, nullable=False),
        sa.Column("members_sequence", sa.Integer, nullable=False),
    )
    op.create_index("ix_kpi_households_area_code", "kpi_households", ["area_code"])
    op.create_table(
        "kpi_verifications",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("survey_year", sa.Integer, nullable=False),
        sa.Column("household_type", sa.String(20), nullable=False),
        sa.Column("average_income", sa.Numeric(14, 2), nullable=True),
        sa.Column("first_average_income", sa.Numeric(14, 2), nullable=True),
        sa.Column("income_rose", sa.Boolean, nullable=False),
        sa.Column("passes_threshold", sa.Boolean, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "kpi_certifications",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("certified", sa.Boolean, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "kpi_assessments",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("survey_year", sa.Integer, nullable=False),
        sa.Column("mpi_poor", sa.Boolean, nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("af_score", sa.Float, nullable=False),
        sa.Column("vulnerability_level", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("health", sa.Boolean, nullable=False),
        sa.Column("living", sa.Boolean, nullable=False),
        sa.Column("education", sa.Boolean, nullable=False),
        sa.Column("income", sa.Boolean, nullable=False),
        sa.Column("access", sa.Boolean, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_kpi_assessments_area_code", "kpi_assessments", ["area_code"])
    op.create_table(
        "kpi_failing",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("indicator", sa.String(64), primary_key=True),
    )
    op.create_table(
        "kpi_assistance",
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(80), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("giver_kind", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("problem", sa.String(64), nullable=False),
        sa.Column("by_lead_agency", sa.Boolean, nullable=False),
        sa.Column("amount_baht", sa.Numeric(14, 2), nullable=True),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_kpi_assistance_household_id", "kpi_assistance", ["household_id"])
    op.create_table(
        "kpi_plans",
        sa.Column("plan_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_kpi_plans_household_id", "kpi_plans", ["household_id"])
    op.create_table(
        "kpi_team_households",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_kpi_team_households_household_id", "kpi_team_households", ["household_id"])
    op.create_table(
        "kpi_case_moves",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("household_id", sa.String(80), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("from_level", sa.String(12), nullable=True),
        sa.Column("to_level", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kpi_case_moves_household_id", "kpi_case_moves", ["household_id"])
    op.create_table(
        "kpi_memberships",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("measure", sa.String(80), primary_key=True),
        sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_kpi_memberships_valid_from", "kpi_memberships", ["valid_from"])
    op.create_index("ix_kpi_memberships_valid_to", "kpi_memberships", ["valid_to"])
    op.create_table(
        "kpi_counts",
        sa.Column("area_code", sa.String(8), primary_key=True),
        sa.Column("measure", sa.String(80), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "kpi_totals",
        sa.Column("area_code", sa.String(8), primary_key=True),
        sa.Column("measure", sa.String(80), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kpi_totals")
    op.drop_table("kpi_counts")
    op.drop_table("kpi_memberships")
    op.drop_table("kpi_case_moves")
    op.drop_table("kpi_team_households")
    op.drop_table("kpi_plans")
    op.drop_table("kpi_assistance")
    op.drop_table("kpi_failing")
    op.drop_table("kpi_assessments")
    op.drop_table("kpi_certifications")
    op.drop_table("kpi_verifications")
    op.drop_table("kpi_households")
