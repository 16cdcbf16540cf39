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
