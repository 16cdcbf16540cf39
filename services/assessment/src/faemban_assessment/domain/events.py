"""The events of a household's assessment stream.

``Assessed`` is stored in the shape of ``indicator.assessed.v1`` (what the assessment API
answers) and published as its compact ``v2`` (adapters/event_store.py); the others stay in
this service. The stored names never change: streams already hold them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from faemban_domain.bounds import EntityId, EventYear
from faemban_domain.events.contracts import AssessmentCause, IndicatorAssessedV1
from faemban_domain.eventsourcing.aggregate import EventNames


class _Private(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactsRecorded(_Private):
    """What the assessment now knows of the household (``HouseholdFacts`` as JSON)."""

    cause: AssessmentCause
    at: datetime
    facts: dict[str, Any]


class SurveyYearOpened(_Private):
    survey_year: EventYear
    at: datetime


class SufficiencyAttested(_Private):
    """An officer's attestation (พอเพียง); the reason is their own words and never leaves."""

    at: datetime
    reason: str = Field(max_length=1000)
    role: str = Field(max_length=40)


class PlanOpened(_Private):
    plan_id: EntityId
    at: datetime


class PlanClosed(_Private):
    plan_id: EntityId
    at: datetime


Assessed = IndicatorAssessedV1

ASSESSMENT_EVENTS = EventNames(
    {
        "FactsRecorded": FactsRecorded,
        "SurveyYearOpened": SurveyYearOpened,
        "Assessed": Assessed,
        "SufficiencyAttested": SufficiencyAttested,
        "PlanOpened": PlanOpened,
        "PlanClosed": PlanClosed,
    }
)
