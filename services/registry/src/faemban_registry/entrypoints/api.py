"""HTTP routes of the registry: thin — parse, authorise, call a handler."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

from faemban_domain.events.contracts import FieldStatus, HouseholdSource, HouseholdType, MemberFacts
from faemban_domain.platform import idempotency
from faemban_domain.platform.auth import Principal, require_roles
from faemban_domain.platform.service import ServiceRuntime, runtime_of
from faemban_domain.thai import normalise_year, thai_digits_to_arabic
from faemban_registry.adapters.event_store import households
from faemban_registry.domain.household import FieldVerification, Household, Registration
from faemban_registry.service_layer import handlers

router = APIRouter(prefix="/v1/households", tags=["households"])
Runtime = Annotated[ServiceRuntime, Depends(runtime_of("registry"))]
FieldTeam = Annotated[Principal, Depends(require_roles("ops_team", "district_officer", "province_officer"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("ops_team", "mentor", "district_officer", "province_officer", "agency", "analyst")),
]


class RegisterHouseholdIn(BaseModel):
    household_id: str | None = Field(
        default=None, max_length=64, description="TPMAP house code; generated when absent"
    )
    area_code: str = Field(description="8-digit village or 6-digit subdistrict DOPA code")
    cohort_year: int = Field(description="CE or BE (พ.ศ.) year")
    source: HouseholdSource
    members: int = Field(ge=1)
    welfare_card_holders: int = Field(default=0, ge=0)
    elderly: int = Field(default=0, ge=0)
    disabled: int = Field(default=0, ge=0)
    chronically_ill: int = Field(default=0, ge=0)
    total_income: float | None = Field(default=None, ge=0, description="baht per year")
    tpmap_failing_indicators: list[str] = Field(default_factory=list)

    @field_validator("cohort_year")
    @classmethod
    def _ce(cls, v: int) -> int:
        return normalise_year(v)

    @field_validator("area_code")
    @classmethod
    def _digits(cls, v: str) -> str:
        return thai_digits_to_arabic(v).strip()


class FieldStatusIn(BaseModel):
    field_status: FieldStatus
    expected_version: int | None = Field(default=None, ge=1)


class VerificationIn(BaseModel):
    """Form ศจพ.1 for one household: marks on TPMAP's flags, new problems, member facts."""

    survey_year: int = Field(description="CE or BE")
    indicators: dict[str, Literal["confirmed", "rejected"]] = Field(
        default_factory=dict, description="every indicator TPMAP flagged → confirmed or rejected"
    )
    new_failing: list[str] = Field(default_factory=list, description="failing now, not flagged by TPMAP")
    field_status: FieldStatus
    household_type: HouseholdType
    members: list[MemberFacts] = Field(min_length=1, max_length=40)
    total_income: float | None = Field(default=None, ge=0, description="default: sum of member incomes")
    expected_version: int | None = Field(default=None, ge=1)

    @field_validator("survey_year")
    @classmethod
    def _ce_year(cls, v: int) -> int:
        return normalise_year(v)


class HouseholdOut(BaseModel):
    household_id: str
    version: int
    area_code: str
    cohort_year: int
    source: str
    field_status: str | None
    verification_category: str | None = None
    facts: dict[str, Any]


def _out(h: Household) -> HouseholdOut:
    return HouseholdOut(
        household_id=h.id,
        version=h.version,
        area_code=h.area_code,
        cohort_year=h.cohort_year,
        source=h.source,
        field_status=h.field_status,
        verification_category=(h.verification or {}).get("verification_category"),
        facts=h.facts,
    )


@router.post("", status_code=201, response_model=HouseholdOut)
async def register_household(
    body: RegisterHouseholdIn,
    principal: FieldTeam,
    runtime: Runtime,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    payload = body.model_dump()
    body_hash = idempotency.request_hash(payload)
    async with runtime.transaction() as conn:
        if idempotency_key:
            stored = await idempotency.lookup(conn, principal.sub, idempotency_key, body_hash)
            if stored is not None:
                return JSONResponse(stored.body, status_code=stored.status_code)
        registration = Registration(
            area_code=body.area_code,
            cohort_year=body.cohort_year,
            source=body.source,
            members=body.members,
            welfare_card_holders=body.welfare_card_holders,
            elderly=body.elderly,
            disabled=body.disabled,
            chronically_ill=body.chronically_ill,
            total_income=body.total_income,
            tpmap_failing_indicators=tuple(body.tpmap_failing_indicators),
        )
        household = await handlers.register_household(
            conn, households, principal, registration, body.household_id
        )
        out = _out(household)
        if idempotency_key:
            await idempotency.remember(
                conn, principal.sub, idempotency_key, body_hash, 201, out.model_dump(mode="json")
            )
    return out


@router.get("/{household_id}", response_model=HouseholdOut)
async def get_household(household_id: str, principal: Reader, runtime: Runtime) -> HouseholdOut:
    async with runtime.reading() as conn:
        household = await handlers.load_household(conn, households, principal, household_id)
    return _out(household)


@router.post("/{household_id}/field-status", response_model=HouseholdOut)
async def record_field_status(
    household_id: str, body: FieldStatusIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    async with runtime.transaction() as conn:
        household = await handlers.record_field_status(
            conn, households, principal, household_id, body.field_status, body.expected_version
        )
    return _out(household)


@router.post("/{household_id}/verification", response_model=HouseholdOut)
async def verify_household(
    household_id: str, body: VerificationIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    """Record the field verification (ศจพ.1); the category is derived from the marks."""
    verification = FieldVerification(
        survey_year=body.survey_year,
        marks=dict(body.indicators),
        new_failing=tuple(body.new_failing),
        field_status=body.field_status,
        household_type=body.household_type,
        members=tuple(body.members),
        total_income=body.total_income,
    )
    async with runtime.transaction() as conn:
        household = await handlers.verify_household(
            conn, households, principal, household_id, verification, body.expected_version
        )
    return _out(household)
