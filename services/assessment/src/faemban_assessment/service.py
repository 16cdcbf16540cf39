"""Composition root of the assessment service.

Two consumers: the assessment policy (registry and planning events → each
household's assessment stream, published by the relay) and the summary
projection (its own ``indicator.assessed`` → area counters and the
priority list, rebuildable from the topic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.adapters import event_store
from faemban_assessment.adapters import summary_projection as projection
from faemban_assessment.adapters.tables import assessment_area_counts, assessment_current, assessment_mentors
from faemban_assessment.bootstrap import bootstrap
from faemban_assessment.entrypoints.api import router
from faemban_assessment.service_layer import handlers
from faemban_assessment.service_layer.unit_of_work import AssessmentUnitOfWork
from faemban_domain.events.contracts import ASSESSMENT_TOPIC, PLANNING_TOPIC, REGISTRY_TOPIC
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.platform import mentors
from faemban_domain.platform.service import ServiceSpec


async def _assess_batch(
    conn: AsyncConnection, events: Sequence[CloudEvent], tables: Mapping[str, Any]
) -> None:
    """The consumer's transaction is the unit of work: effects, offsets and inbox commit together."""
    uow = AssessmentUnitOfWork(conn)
    await handlers.assess_events(uow, events)
    await uow.flush()


async def _assess_one(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, Any]) -> None:
    await _assess_batch(conn, [event], tables)


ASSESS = ConsumerSpec(
    name="assessment.assess",
    topics=[REGISTRY_TOPIC, PLANNING_TOPIC],
    handler=_assess_one,
    batch_handler=_assess_batch,
    event_types=handlers.CONSUMED,
)
SUMMARY = ConsumerSpec(
    name="assessment.summary",
    topics=[ASSESSMENT_TOPIC],
    handler=projection.project_assessed,
    batch_handler=projection.project_assessed_batch,
    tables={"assessment_current": assessment_current, "assessment_area_counts": assessment_area_counts},
    event_types=projection.ASSESSED,
    reads=projection.READS,
    idempotent=True,  # each household's row keeps the version it was projected from
    # read in part (14 fields), so a whole fetch fits one transaction: about 5,000 households
    # over some 2,200 villages, whose counters are summed before they are written
    part_bytes=8 * 1024 * 1024,
)
MENTORS = ConsumerSpec(
    name="assessment.mentors",
    topics=[PLANNING_TOPIC],
    handler=mentors.projector("assessment_mentors"),
    tables={"assessment_mentors": assessment_mentors},
    event_types=mentors.EVENT_TYPES,
)

SPEC = ServiceSpec(
    name="assessment",
    title="Faemban assessment",
    description=(
        "**assessment** — indicator results to MPI, dimensions, critical, Alkire–Foster, vulnerability "
        "level, CDD criteria, outcome ladder; every assessment kept and answerable as of any date."
    ),
    migrations=Path(__file__).resolve().parent / "migrations",
    routers=[router],
    publishes=ASSESSMENT_TOPIC,
    store=event_store.store,
    consumers=[ASSESS, SUMMARY, MENTORS],
    components=bootstrap,
)
