"""Composition root of the planning service.

Publishes ``faemban.planning.v1`` (mentor assignments, plans and their items, budget
decisions, cases); consumes the registry's topic (households, certification, approval),
the assessment's (failing indicators, deprived dimensions) and the logbook's (recorded
and voided assistance, which resolving a case cites).
"""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import ASSESSMENT_TOPIC, ASSISTANCE_TOPIC, PLANNING_TOPIC, REGISTRY_TOPIC
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.platform.service import ServiceSpec
from faemban_planning.adapters import event_store, projections
from faemban_planning.adapters.tables import planning_assessments, planning_assistance, planning_households
from faemban_planning.bootstrap import bootstrap
from faemban_planning.entrypoints import cases_api, plans_api, teams_api

HOUSEHOLDS = ConsumerSpec(
    name="planning.households",
    topics=[REGISTRY_TOPIC],
    handler=projections.project_household,
    tables={"planning_households": planning_households},
    event_types=projections.HOUSEHOLD_TYPES,
)
ASSESSMENTS = ConsumerSpec(
    name="planning.assessments",
    topics=[ASSESSMENT_TOPIC],
    handler=projections.project_assessment,
    tables={"planning_assessments": planning_assessments},
    event_types=projections.ASSESSMENT_TYPES,
)
ASSISTANCE = ConsumerSpec(
    name="planning.assistance",
    topics=[ASSISTANCE_TOPIC],
    handler=projections.project_assistance,
    tables={"planning_assistance": planning_assistance},
    event_types=projections.ASSISTANCE_TYPES,
)

SPEC = ServiceSpec(
    name="planning",
    title="Faemban planning",
    description="**planning** — mentor teams, household plans and items, budget cases, cases and escalation.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[teams_api.router, plans_api.router, cases_api.router],
    publishes=PLANNING_TOPIC,
    store=event_store.store,
    consumers=[HOUSEHOLDS, ASSESSMENTS, ASSISTANCE],
    components=bootstrap,
)
