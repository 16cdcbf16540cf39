"""Planning: households, assessments and assistance known from the topics; teams,
assignments, releases, plans and cases derived from planning's streams.

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
        "planning_households",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("household_type", sa.String(20)),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "planning_assessments",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("failing_indicators", sa.JSON, nullable=False),
        sa.Column("deprived_dimensions", sa.JSON, nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "planning_assistance",
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
    )
    op.create_table(
        "mentor_teams",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("district_code", sa.String(4), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("has_leader", sa.Boolean, nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("user_ids", sa.JSON, nullable=False),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "team_assignments",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("uncovered_dimensions", sa.JSON, nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "household_releases",
        sa.Column("household_id", sa.String(40), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("cause", sa.String(30), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "household_plans",
        sa.Column("plan_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "planning_cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("household_id", sa.String(40), nullable=False),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level_since", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_planning_households_area_code", "planning_households", ["area_code"])
    op.create_index("ix_planning_assistance_household_id", "planning_assistance", ["household_id"])
    op.create_index("ix_mentor_teams_district_code", "mentor_teams", ["district_code"])
    op.create_index("ix_team_assignments_team_id", "team_assignments", ["team_id"])
    op.create_index("ix_household_plans_household_id", "household_plans", ["household_id"])
    op.create_index("ix_planning_cases_household_id", "planning_cases", ["household_id"])
    op.create_index("ix_planning_cases_area_code", "planning_cases", ["area_code"])


def downgrade() -> None:
    op.drop_table("planning_cases")
    op.drop_table("household_plans")
    op.drop_table("household_releases")
    op.drop_table("team_assignments")
    op.drop_table("mentor_teams")
    op.drop_table("planning_assistance")
    op.drop_table("planning_assessments")
    op.drop_table("planning_households")
