"""Composition root of the assessment service.

Platform only so far (event store, outbox relay, health, metrics): its
domain arrives with its own issue.
"""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import ASSESSMENT_TOPIC
from faemban_domain.platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="assessment",
    title="Faemban assessment",
    description=(
        "**assessment** — indicator results to MPI, dimensions, critical, vulnerability level, "
        "outcome ladder, history."
    ),
    migrations=Path(__file__).resolve().parent / "migrations",
    publishes=ASSESSMENT_TOPIC,
)
