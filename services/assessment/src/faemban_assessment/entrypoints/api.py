"""HTTP routes of the assessment (PII-free by construction: no name ever reaches this service)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from faemban_assessment.bootstrap import Assessment
from faemban_assessment.service_layer import handlers, queries
from faemban_domain import areas, indicators
from faemban_domain.campaign import BANGKOK
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.events.contracts import IndicatorAssessedV1
from faemban_domain.platform.area_query import checked_area, checked_code, visible_within
from faemban_domain.platform.auth import (
    AGGREGATE_ROLES,
    FIELD_ROLES,
    HOUSEHOLD_READERS,
    Principal,
    require_roles,
)
from faemban_domain.platform.inputs import CUTOFF_FORMAT, AreaCode, CEYear, HouseholdKey, parse_cutoff
from faemban_domain.platform.service import components_of

router = APIRouter(tags=["assessment"])
AssessmentService = Annotated[Assessment, Depends(components_of("assessment", Assessment))]
Viewer = Annotated[Principal, Depends(require_roles(*HOUSEHOLD_READERS))]
"""One household's assessment: not for analysts and partners (aggregates only)."""
AggregateViewer = Annotated[Principal, Depends(require_roles(*AGGREGATE_ROLES))]
ListViewer = Annotated[Principal, Depends(require_roles(*sorted(FIELD_ROLES), "admin"))]
"""A list of households by id (the home-visit order) is for the teams of the area."""
Officer = Annotated[Principal, Depends(require_roles("district_officer", "province_officer"))]
RulesAdmin = Annotated[Principal, Depends(require_roles("province_officer", "admin"))]


class History(BaseModel):
    household_id: str
    assessments: list[IndicatorAssessedV1]


def _instant(raw: str) -> datetime:
    """A date means the end of that Thai calendar day; a date-time without zone is Bangkok time."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day, time.max, BANGKOK)
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput([FieldError("as_of", "must be a date (YYYY-MM-DD) or an ISO date-time")]) from None
    return at if at.tzinfo else at.replace(tzinfo=BANGKOK)


@router.get("/v1/households/{household_id}/assessment", response_model=IndicatorAssessedV1)
async def household_assessment(
    household_id: HouseholdKey,
    principal: Viewer,
    assessment: AssessmentService,
    as_of: Annotated[str | None, Query(description="date (end of that Thai day) or date-time")] = None,
) -> Any:
    """The household's assessment now, or the one in force at ``as_of``."""
    if as_of is None:
        query = handlers.HouseholdQuery(household_id)
        return await assessment.transactions.read(handlers.current_assessment, principal, query)
    query = handlers.HouseholdQuery(household_id, _instant(as_of))
    return await assessment.transactions.read(handlers.assessment_as_of, principal, query)


@router.get("/v1/households/{household_id}/assessments", response_model=History)
async def household_assessments(
    household_id: HouseholdKey, principal: Viewer, assessment: AssessmentService
) -> Any:
    """Every assessment of the household, oldest first (each one differs from the one before)."""
    found = await assessment.transactions.read(
        handlers.history, principal, handlers.HouseholdQuery(household_id)
    )
    return {"household_id": household_id, "assessments": found}


class SufficiencyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="why the household lives moderately")


@router.post("/v1/households/{household_id}/assessment/sufficiency", response_model=IndicatorAssessedV1)
async def attest_sufficiency(
    household_id: HouseholdKey, body: SufficiencyIn, principal: Officer, assessment: AssessmentService
) -> Any:
    """An officer attests a surviving household sufficient (พอเพียง); the reason stays in this service."""
    command = handlers.AttestSufficiency(household_id, body.reason, datetime.now(UTC))
    # a consumer may write the same stream meanwhile: run again from a fresh load
    return await assessment.transactions.run(handlers.attest_sufficiency, principal, command, retries=2)


class ReassessIn(BaseModel):
    survey_year: CEYear = Field(description="CE or BE: whose rules to assess under")
    area: AreaCode | None = Field(default=None, description="only households of this area (code prefix)")


class ReassessOut(BaseModel):
    survey_year: int
    rules: str
    households: int
    reassessed: int = Field(description="households whose assessment changed (recorded and published)")


@router.post("/v1/assessments/reassessments", response_model=ReassessOut)
async def reassess(body: ReassessIn, principal: RulesAdmin, assessment: AssessmentService) -> Any:
    """Re-assess every household (of an area) under a survey year's rules; old assessments stay.

    Province officers re-assess their province; an admin may re-assess everyone.
    """
    area = checked_code(body.area) if body.area is not None else None
    command = handlers.Reassess(body.survey_year, datetime.now(UTC), area)
    report = await handlers.reassess_all(assessment.transactions, principal, command)
    return report.__dict__


def _k(raw: str | None) -> Fraction | None:
    if raw is None:
        default = indicators.latest_rule_set().assessment.cutoff_k
        return None if default is None else Fraction(repr(default))
    try:
        return parse_cutoff(raw)
    except ValueError as exc:
        raise InvalidInput([FieldError("k", str(exc))]) from None


@router.get("/v1/assessments/summary")
async def assessment_summary(
    principal: AggregateViewer,
    assessment: AssessmentService,
    area: Annotated[str, Query(min_length=2, max_length=6, description="province, district or subdistrict")],
    level: Annotated[areas.AreaLevel, Query()] = "district",
    k: Annotated[
        str | None,
        Query(
            max_length=13,
            description=f"AF cutoff, {CUTOFF_FORMAT}; default: any failing indicator (c > 0)",
        ),
    ] = None,
) -> Any:
    """Per sub-area: households, MPI poor, critical, failing per indicator and dimension, H/A/M0,
    vulnerability levels and the outcome ladder — from counters kept as assessments change."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    async with assessment.transactions.reading() as uow:
        return await queries.summary(uow.conn, area, level, visible, _k(k))


@router.get("/v1/assessments/priority")
async def priority_list(
    principal: ListViewer,
    assessment: AssessmentService,
    area: Annotated[str, Query(min_length=2, max_length=8)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """An area's households in home-visit order: vulnerability level 3 → 0, critical first, higher c."""
    area = checked_code(area)
    visible = visible_within(principal, area)
    async with assessment.transactions.reading() as uow:
        return await queries.priority(uow.conn, area, visible, limit, cursor)
