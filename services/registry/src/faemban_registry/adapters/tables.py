"""The registry's own tables besides the platform's event store.

``household_personal`` holds the personal data of a household's head and
house (docs/domain.md, "Personal data"). It is state, not events, on purpose: personal data
must be erasable (PDPA) while the event streams are append-only; it never
leaves the registry (ADR 0008).
"""

from __future__ import annotations

import sqlalchemy as sa

from faemban_domain.platform.mentors import mentors_table

metadata = sa.MetaData()

imports = sa.Table(
    "imports",
    metadata,
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
    sa.Column("errors_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_registered", sa.Integer, nullable=False, server_default="0"),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("scope", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
)

household_personal = sa.Table(
    "household_personal",
    metadata,
    sa.Column("household_id", sa.String(64), primary_key=True),
    sa.Column("head_title", sa.String(200)),
    sa.Column("head_first_name", sa.String(200)),
    sa.Column("head_last_name", sa.String(200)),
    sa.Column("head_citizen_id", sa.String(13), index=True),
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

household_details = sa.Table(
    "household_details",
    metadata,
    sa.Column("household_id", sa.String(64), primary_key=True),
    sa.Column("near_house_no", sa.String(40)),
    sa.Column("local_government", sa.String(200)),
    sa.Column("phone", sa.String(20)),
    sa.Column("skills", sa.JSON, nullable=False),
    sa.Column("other_problems", sa.JSON, nullable=False),
    sa.Column("able_to_repay", sa.Boolean),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
"""Personal extras of the family book beyond ``household_personal`` (free text may name people)."""

member_personal = sa.Table(
    "member_personal",
    metadata,
    sa.Column("household_id", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(8), primary_key=True),
    sa.Column("title", sa.String(200)),
    sa.Column("first_name", sa.String(200)),
    sa.Column("last_name", sa.String(200)),
    sa.Column("citizen_id", sa.String(13), index=True),
    sa.Column("date_of_birth", sa.Date),
    sa.Column("education", sa.String(200)),
    sa.Column("occupation", sa.String(200)),
    sa.Column("formal_debt", sa.Float),
    sa.Column("informal_debt", sa.Float),
    sa.Column("savings", sa.Float),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
"""Names and ids of every member (past ones kept with ``current`` false until erased)."""

household_index = sa.Table(
    "household_index",
    metadata,
    sa.Column("household_id", sa.String(64), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("survey_year", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("household_type", sa.String(20), nullable=True),
    sa.Column("cohort_year", sa.Integer, nullable=True),
    sa.Column("source", sa.String(20), nullable=True),
    sa.Column("verification_category", sa.String(30), nullable=True),
    sa.Column("failing_indicators", sa.String(1000), nullable=True),
)
"""Where each household stands, kept in the transaction of its events, so a
district can certify "the verified households of a subdistrict" by query;
rebuildable from the event store (``household_index.rebuild``). ``failing_indicators``
is ``,code,code,`` (a comma on each side, so one indicator is a ``LIKE '%,code,%'`` on
SQLite and PostgreSQL alike): what the register search filters on."""

photos = sa.Table(
    "household_photos",
    metadata,
    sa.Column("photo_id", sa.String(36), primary_key=True),
    sa.Column("household_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("content_type", sa.String(20), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("blob_key", sa.String(200), nullable=False),
    sa.Column("uploaded_by", sa.String(200), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)

personal_data_access = sa.Table(
    "personal_data_access",
    metadata,
    sa.Column("access_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=False, index=True),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("household_id", sa.String(64), nullable=False, index=True),
    sa.Column("what", sa.String(80), nullable=False),
    sa.Column("purpose", sa.String(300)),
    sa.Column("request_id", sa.String(100)),
)
"""Every read of personal data through the API (docs/domain.md, "Personal data": who, what, when, why)."""

household_mentors = mentors_table(metadata, "household_mentors")
"""The logins of each household's mentor team, from planning's topic: a mentor reads (and,
with a purpose, the personal data of) the households of its own team only."""

household_critical = sa.Table(
    "household_critical",
    metadata,
    sa.Column("household_id", sa.String(64), primary_key=True),
    sa.Column("critical", sa.Boolean, nullable=False),
    sa.Column("last_sequence", sa.Integer, nullable=False),
)
"""Whether assessment last found the household critical (≥ 3 of 5 dimensions deprived), from its
topic: the household map colours pins by it without a second copy of the rule."""
