"""Composition root of the reporting service."""

from __future__ import annotations

from pathlib import Path

from faemban_domain.events.contracts import PLANNING_TOPIC, REGISTRY_TOPIC, TOPICS
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.platform.service import ServiceSpec
from faemban_reporting.adapters import escalation_projection, kpi_projection, progress_projection
from faemban_reporting.adapters.projections import (
    FIELD_STATUS,
    MOVED,
    REGISTERED,
    project_register,
    project_register_batch,
    project_timeline,
    project_timeline_batch,
)
from faemban_reporting.adapters.tables import (
    escalation_cases,
    kpi_assessments,
    kpi_assistance,
    kpi_case_moves,
    kpi_certifications,
    kpi_counts,
    kpi_failing,
    kpi_households,
    kpi_memberships,
    kpi_plans,
    kpi_team_households,
    kpi_totals,
    kpi_verifications,
    register_households,
    register_village_totals,
    timeline_events,
    verification_households,
)
from faemban_reporting.entrypoints.api import router

TIMELINE = ConsumerSpec(
    name="reporting.timeline",
    topics=list(TOPICS),
    handler=project_timeline,
    batch_handler=project_timeline_batch,
    tables={"timeline_events": timeline_events},
    idempotent=True,  # a row an event, keyed by (household, event id): a copy inserts nothing
)
REGISTER = ConsumerSpec(
    name="reporting.register",
    topics=[REGISTRY_TOPIC],
    handler=project_register,
    batch_handler=project_register_batch,
    tables={"register_households": register_households, "register_village_totals": register_village_totals},
    event_types=frozenset({REGISTERED, FIELD_STATUS, MOVED}),
    idempotent=True,  # registrations insert-or-nothing, later facts by last_sequence
)
PROGRESS = ConsumerSpec(
    name="reporting.verification-progress",
    topics=[REGISTRY_TOPIC],
    handler=progress_projection.project_progress,
    batch_handler=progress_projection.project_progress_batch,
    tables={"verification_households": verification_households},
    event_types=progress_projection.EVENT_TYPES,
    idempotent=True,  # registrations insert-or-nothing, later facts by last_sequence
)
ESCALATIONS = ConsumerSpec(
    name="reporting.escalations",
    topics=[PLANNING_TOPIC],
    handler=escalation_projection.project_case,
    tables={"escalation_cases": escalation_cases},
    event_types=escalation_projection.EVENT_TYPES,
)
KPIS = ConsumerSpec(
    name="reporting.kpis",
    topics=kpi_projection.TOPICS,
    handler=kpi_projection.project_kpis,
    batch_handler=kpi_projection.project_kpis_batch,
    tables={
        t.name: t
        for t in (
            kpi_households,
            kpi_verifications,
            kpi_certifications,
            kpi_assessments,
            kpi_failing,
            kpi_assistance,
            kpi_plans,
            kpi_team_households,
            kpi_case_moves,
            kpi_memberships,
            kpi_counts,
            kpi_totals,
        )
    },
    event_types=kpi_projection.EVENT_TYPES,
    idempotent=True,  # facts keyed by stream sequence or by the event's entity (kpi_projection)
)

SPEC = ServiceSpec(
    name="reporting",
    title="Faemban reporting",
    description="**reporting** — read models projected from events: summaries, timelines, KPIs, exports.",
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router],
    consumers=[TIMELINE, REGISTER, PROGRESS, ESCALATIONS, KPIS],
)
