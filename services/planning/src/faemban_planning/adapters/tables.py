"""Planning's own tables beside the platform's (event store, inbox).

Projected from other services' topics (what commands check): ``planning_households``
(registry: where each household is and how far certification went),
``planning_assessments`` (assessment: failing indicators and deprived dimensions),
``planning_assistance`` (the logbook: which entries exist for which household, voided or
not). Derived from planning's own streams in the transaction of their events (queues and
lists an event store cannot answer cheaply): ``mentor_teams``, ``team_assignments``,
``household_releases``, ``household_plans``, ``planning_cases``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

planning_households = sa.Table(
    "planning_households",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("household_type", sa.String(20)),
    sa.Column("last_sequence", sa.BigInteger, nullable=False),
)
planning_assessments = sa.Table(
    "planning_assessments",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("failing_indicators", sa.JSON, nullable=False),
    sa.Column("deprived_dimensions", sa.JSON, nullable=False),
    sa.Column("last_sequence", sa.BigInteger, nullable=False),
)
planning_assistance = sa.Table(
    "planning_assistance",
    metadata,
    sa.Column("entry_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), nullable=False, index=True),
    sa.Column("voided", sa.Boolean, nullable=False),
)
mentor_teams = sa.Table(
    "mentor_teams",
    metadata,
    sa.Column("team_id", sa.String(64), primary_key=True),
    sa.Column("district_code", sa.String(4), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("has_leader", sa.Boolean, nullable=False),
    sa.Column("households", sa.Integer, nullable=False),
    sa.Column("skills", sa.JSON, nullable=False),
    sa.Column("user_ids", sa.JSON, nullable=False),
    sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
)
team_assignments = sa.Table(
    "team_assignments",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("team_id", sa.String(64), nullable=False, index=True),
    sa.Column("area_code", sa.String(8), nullable=False),
    sa.Column("uncovered_dimensions", sa.JSON, nullable=False),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
)
household_releases = sa.Table(
    "household_releases",
    metadata,
    sa.Column("household_id", sa.String(40), primary_key=True),
    sa.Column("team_id", sa.String(64), nullable=False),
    sa.Column("cause", sa.String(30), nullable=False),
    sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
)
household_plans = sa.Table(
    "household_plans",
    metadata,
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), nullable=False, index=True),
    sa.Column("area_code", sa.String(8), nullable=False),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
)
planning_cases = sa.Table(
    "planning_cases",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), nullable=False, index=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("problems", sa.JSON, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("level_since", sa.DateTime(timezone=True), nullable=False),
)
