"""Read-model tables of reporting. Each is owned by exactly one projection and
can be dropped and rebuilt from the topics (``faemban rebuild``).

Indexes use ``index=True`` (auto-named after the table) so a rebuild's fresh
copy never collides with the live table's index names.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

timeline_events = sa.Table(
    "timeline_events",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("source", sa.String(80), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=True),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("area_code", sa.String(8), nullable=True),
    sa.Column("correlation_id", sa.String(100), nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
)

register_households = sa.Table(
    "register_households",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("cohort_year", sa.Integer, nullable=False),
    sa.Column("source", sa.String(30), nullable=False),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("welfare_card_holders", sa.Integer, nullable=False),
    sa.Column("elderly", sa.Integer, nullable=False),
    sa.Column("disabled", sa.Integer, nullable=False),
    sa.Column("chronically_ill", sa.Integer, nullable=False),
    sa.Column("failing_indicators", sa.JSON, nullable=False),
    sa.Column("failing_dimensions", sa.JSON, nullable=False),
    sa.Column("field_status", sa.String(30), nullable=True),
    sa.Column("last_sequence", sa.Integer, nullable=False),
)

register_village_totals = sa.Table(
    "register_village_totals",
    metadata,
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
"""Register summary totals per village and cohort (ทะเบียนงบหน้า), kept by the
register projection so a summary sums at most a province's villages."""

verification_households = sa.Table(
    "verification_households",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("source", sa.String(30), nullable=False),
    sa.Column("survey_year", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("verification_category", sa.String(20), nullable=True),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("verified_late", sa.Boolean, nullable=False),
    sa.Column("certified_late", sa.Boolean, nullable=False),
    sa.Column("approved_late", sa.Boolean, nullable=False),
    sa.Column("times_returned", sa.Integer, nullable=False),
    sa.Column("last_return_level", sa.String(10), nullable=True),
    sa.Column("last_return_reason", sa.Text, nullable=True),
    sa.Column("last_sequence", sa.Integer, nullable=False),
)
"""Where each household stands in the campaign (verification progress, docs/domain.md, "KPIs")."""

escalation_cases = sa.Table(
    "escalation_cases",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(40), nullable=False),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("level", sa.String(12), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("opened_level", sa.String(12), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("level_since", sa.DateTime(timezone=True), nullable=False),
    sa.Column("escalations", sa.Integer, nullable=False),
    sa.Column("last_sequence", sa.Integer, nullable=False),
)
"""Each case where it stands (escalation queues, docs/domain.md, "KPIs"), from planning's topic."""

# The KPI read model (docs/domain.md, "KPIs"): every fact a KPI counts, with the time it entered
# the record, so that a KPI "as of" a past moment is a query over the same rows. A household's
# facts count in the area where it lives now (``kpi_households``). States that change — a
# household's verification, certification and assessment — are kept as versions valid from one
# event's time until the next one's (``valid_to`` NULL for the current version).

kpi_households = sa.Table(
    "kpi_households",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("area_sequence", sa.Integer, nullable=False),
    sa.Column("members_sequence", sa.Integer, nullable=False),
)
"""The household's area and members, each guarded by the registry stream position that set it."""

kpi_verifications = sa.Table(
    "kpi_verifications",
    metadata,
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

kpi_certifications = sa.Table(
    "kpi_certifications",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("certified", sa.Boolean, nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
)

kpi_assessments = sa.Table(
    "kpi_assessments",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
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
"""Every assessment of a household (the MPI drill-down reads the current ones by the area the
assessment names, as assessment's own summary does)."""

kpi_failing = sa.Table(
    "kpi_failing",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("indicator", sa.String(64), primary_key=True),
)
"""The failing indicators of each assessment in ``kpi_assessments``."""

kpi_assistance = sa.Table(
    "kpi_assistance",
    metadata,
    sa.Column("entry_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(80), nullable=False, index=True),
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

kpi_plans = sa.Table(
    "kpi_plans",
    metadata,
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(80), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
)

kpi_team_households = sa.Table(
    "kpi_team_households",
    metadata,
    sa.Column("team_id", sa.String(64), primary_key=True),
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("assigned_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_kpi_team_households_household_id", "household_id"),
)

kpi_case_moves = sa.Table(
    "kpi_case_moves",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("household_id", sa.String(80), nullable=False, index=True),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("from_level", sa.String(12), nullable=True),
    sa.Column("to_level", sa.String(12), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
"""Each move of a case (open, escalate, accept, return, resolve) and the level it leaves the case at."""

kpi_memberships = sa.Table(
    "kpi_memberships",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("measure", sa.String(80), primary_key=True),
    sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("area_code", sa.String(8), nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True, index=True),
)
"""When each household counted in each KPI measure (``domain.kpi_memberships``), recomputed from
its facts whenever one arrives; the counters below sum them per village."""

kpi_counts = sa.Table(
    "kpi_counts",
    metadata,
    sa.Column("area_code", sa.String(8), primary_key=True),
    sa.Column("measure", sa.String(80), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
"""Per village, measure and Thai calendar day: memberships begun minus memberships ended that
day. A measure at the end of a day is the sum up to that day."""

kpi_totals = sa.Table(
    "kpi_totals",
    metadata,
    sa.Column("area_code", sa.String(8), primary_key=True),
    sa.Column("measure", sa.String(80), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
"""Per village and measure: the memberships that hold now (the sum of every day's count)."""
