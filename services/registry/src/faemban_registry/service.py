"""The registry service: its routers, its topic, its composition root."""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import ASSESSMENT_TOPIC, PLANNING_TOPIC, REGISTRY_TOPIC
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.platform import mentors
from faemban_domain.platform.service import ServiceSpec
from faemban_registry.adapters import event_store, household_map
from faemban_registry.adapters.tables import household_critical, household_mentors
from faemban_registry.bootstrap import bootstrap
from faemban_registry.entrypoints import (
    access_log_api,
    certification_api,
    households_api,
    imports_api,
    map_api,
    members_api,
    photos_api,
    search_api,
)

MENTORS = ConsumerSpec(
    name="registry.mentors",
    topics=[PLANNING_TOPIC],
    handler=mentors.projector("household_mentors"),
    tables={"household_mentors": household_mentors},
    event_types=mentors.EVENT_TYPES,
)
"""Planning's mentor assignments: who may read a household as its mentor."""
CRITICAL = ConsumerSpec(
    name="registry.critical",
    topics=[ASSESSMENT_TOPIC],
    handler=household_map.project_critical,
    batch_handler=household_map.project_critical_batch,
    tables={"household_critical": household_critical},
    event_types=household_map.ASSESSED,
    reads=household_map.READS,
    idempotent=True,  # the row keeps the household's last sequence
)
"""Assessment's critical flag of each household, for the map's pins."""

SPEC = ServiceSpec(
    name="registry",
    title="Faemban registry",
    description="**registry** — households, members, TPMAP import, verification, certification.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[
        households_api.router,
        members_api.router,
        imports_api.router,
        certification_api.router,
        photos_api.router,
        access_log_api.router,
        map_api.router,
        search_api.router,
    ],
    publishes=REGISTRY_TOPIC,
    store=event_store.store,
    consumers=[MENTORS, CRITICAL],
    components=bootstrap,
)
