"""Composition root of the assistance-log service.

Platform only so far (event store, outbox relay, health, metrics): its
domain arrives with its own issue.
"""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import ASSISTANCE_TOPIC
from faemban_domain.platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="assistance-log",
    title="Faemban assistance-log",
    description="**assistance-log** — the logbook of assistance given.",
    migrations=Path(__file__).resolve().parent / "migrations",
    publishes=ASSISTANCE_TOPIC,
)
