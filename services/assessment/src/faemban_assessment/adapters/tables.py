"""The assessment's read models (projected from its own topic, rebuildable from it).

``assessment_current`` is one row per household (its latest assessment) for
the priority list; ``assessment_area_counts`` holds counters per finest area
code and measure, kept by deltas, so an area summary adds up a few counter
rows instead of scanning households. The Alkire–Foster measures come from the
``c:<p/q>`` counters: how many households have each exact score.
"""

from __future__ import annotations

import sqlalchemy as sa

from faemban_domain.platform.mentors import mentors_table

metadata = sa.MetaData()

assessment_current = sa.Table(
    "assessment_current",
    metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("area_code", sa.String(8), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),  # stream sequence of the event projected
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
    sa.Column("priority_key", sa.String(120), nullable=False, index=True),
)

assessment_area_counts = sa.Table(
    "assessment_area_counts",
    metadata,
    sa.Column("area_code", sa.String(8), primary_key=True),
    sa.Column("measure", sa.String(80), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

assessment_mentors = mentors_table(metadata, "assessment_mentors")
"""The logins of each household's mentor team, from planning's topic: a mentor reads the
assessment of its own team's households."""
