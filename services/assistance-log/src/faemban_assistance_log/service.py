"""Composition root of the assistance-log service (the logbook).

Publishes ``faemban.assistance.v1``; consumes the registry's topic (which households
exist, where) and planning's (which agencies a household is assigned to).
"""

from __future__ import annotations

from pathlib import Path

from faemban_assistance_log.adapters import directory, event_store
from faemban_assistance_log.adapters.tables import (
    assistance_assignments,
    assistance_households,
    assistance_mentors,
)
from faemban_assistance_log.bootstrap import bootstrap
from faemban_assistance_log.entrypoints.assistance_api import router
from faemban_domain.events.contracts import ASSISTANCE_TOPIC, PLANNING_TOPIC, REGISTRY_TOPIC
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.platform.service import ServiceSpec

HOUSEHOLDS = ConsumerSpec(
    name="assistance-log.households",
    topics=[REGISTRY_TOPIC],
    handler=directory.project_household,
    tables={"assistance_households": assistance_households},
    event_types=directory.HOUSEHOLD_TYPES,
)
ASSIGNMENTS = ConsumerSpec(
    name="assistance-log.assignments",
    topics=[PLANNING_TOPIC],
    handler=directory.project_assignment,
    tables={"assistance_assignments": assistance_assignments, "assistance_mentors": assistance_mentors},
    event_types=directory.ASSIGNMENT_TYPES,
)

SPEC = ServiceSpec(
    name="assistance-log",
    title="Faemban assistance log",
    description="**assistance-log** — the logbook of assistance given; entries are voided, never edited.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router],
    publishes=ASSISTANCE_TOPIC,
    store=event_store.store,
    consumers=[HOUSEHOLDS, ASSIGNMENTS],
    components=bootstrap,
)
