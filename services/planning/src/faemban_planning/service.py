"""Composition root of the planning service.

Platform only so far (event store, outbox relay, health, metrics): its
domain arrives with its own issue.
"""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import PLANNING_TOPIC
from faemban_domain.platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="planning",
    title="Faemban planning",
    description="**planning** — mentor teams, household plans and items, budget cases, escalation.",
    migrations=Path(__file__).resolve().parent / "migrations",
    publishes=PLANNING_TOPIC,
)
