"""Households: register (TPMAP or ศจพ.2), read, field status, verification, move.

Each route translates HTTP into a command and runs its handler in a unit of work.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from faemban_domain.bounds import HouseholdId
from faemban_domain.errors import InvalidInput
from faemban_domain.events.contracts import (
    FieldStatus,
    HouseholdSource,
    HouseholdType,
    IndicatorCode,
    MemberFacts,
)
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import AreaCode, Baht, CEYear, Count, HouseholdKey, Members, Version
from faemban_domain.platform.responses import model_response
from faemban_registry.domain import new_household
from faemban_registry.domain.household import FieldVerification, Household, Registration
from faemban_registry.domain.members import HouseholdDetails
from faemban_registry.entrypoints.dependencies import FieldTeam, Purpose, Reader, RegistryService
from faemban_registry.entrypoints.forms import AddressIn, AnswerIn, NewHouseholdIn, member_entries
from faemban_registry.service_layer import households as h

router = APIRouter(prefix="/v1/households", tags=["households"])


class RegisterHouseholdIn(BaseModel):
    household_id: HouseholdId | None = Field(
        default=None, description="TPMAP house code; generated when absent"
    )
    area_code: AreaCode = Field(description="8-digit village or 6-digit subdistrict DOPA code")
    cohort_year: CEYear = Field(description="CE or BE (พ.ศ.) year")
    source: HouseholdSource
    members: Members
    welfare_card_holders: Count = 0
    elderly: Count = 0
    disabled: Count = 0
    chronically_ill: Count = 0
    total_income: Baht | None = Field(default=None, description="baht per year")
    tpmap_failing_indicators: list[IndicatorCode] = Field(default_factory=list, max_length=40)

    def command(self) -> h.RegisterHousehold:
        registration = Registration(
            area_code=self.area_code,
            cohort_year=self.cohort_year,
            source=self.source,
            members=self.members,
            welfare_card_holders=self.welfare_card_holders,
            elderly=self.elderly,
            disabled=self.disabled,
            chronically_ill=self.chronically_ill,
            total_income=self.total_income,
            tpmap_failing_indicators=tuple(self.tpmap_failing_indicators),
        )
        return h.RegisterHousehold(registration, self.household_id)


class FieldStatusIn(BaseModel):
    field_status: FieldStatus
    expected_version: Version | None = None


class VerificationIn(BaseModel):
    """Form ศจพ.1 for one household: marks on TPMAP's flags, new problems, member facts."""

    survey_year: CEYear = Field(description="CE or BE")
    indicators: dict[IndicatorCode, Literal["confirmed", "rejected"]] = Field(
        default_factory=dict,
        max_length=40,
        description="every indicator TPMAP flagged → confirmed or rejected",
    )
    new_failing: list[IndicatorCode] = Field(
        default_factory=list, max_length=40, description="failing now, not flagged by TPMAP"
    )
    field_status: FieldStatus
    household_type: HouseholdType
    members: list[MemberFacts] = Field(
        default_factory=list, max_length=40, description="default: the members recorded in the family book"
    )
    total_income: Baht | None = Field(default=None, description="default: sum of member incomes")
    expected_version: Version | None = None

    def verification(self) -> FieldVerification:
        return FieldVerification(
            survey_year=self.survey_year,
            marks=dict(self.indicators),
            new_failing=tuple(self.new_failing),
            field_status=self.field_status,
            household_type=self.household_type,
            members=tuple(self.members),
            total_income=self.total_income,
        )


class MoveIn(BaseModel):
    area_code: AreaCode = Field(description="the new 8-digit village or 6-digit subdistrict")
    address: AddressIn = Field(default_factory=AddressIn)
    expected_version: Version | None = None


class RosterMemberOut(BaseModel):
    member_id: str
    relation: str
    facts: MemberFacts


class HouseholdOut(BaseModel):
    household_id: str
    version: int
    area_code: str
    cohort_year: int
    source: str
    field_status: str | None
    status: str = Field(description="to_verify | verified | certified | approved")
    verification_category: str | None = None
    indicator_results: dict[str, Any] | None = None
    household_type: str | None = None
    last_return: dict[str, Any] | None = Field(default=None, description="the latest return and its reason")
    facts: dict[str, Any]
    details: dict[str, Any] | None = None
    head_member_id: str | None = None
    members: list[RosterMemberOut] = Field(default_factory=list)
    personal: dict[str, Any] | None = Field(
        default=None, description="names, ids, address, pin: only for roles that work with the family"
    )


def household_out(household: Household, personal: dict[str, Any] | None = None) -> HouseholdOut:
    v = household.verification
    last_return = household.last_return
    return HouseholdOut(
        household_id=household.id,
        version=household.version,
        area_code=household.area_code,
        cohort_year=household.cohort_year,
        source=household.source or "",
        field_status=household.field_status,
        status=household.status,
        verification_category=v.verification_category if v else None,
        indicator_results=v.model_dump(mode="json")["indicator_results"] if v else None,
        household_type=v.household_type if v else None,
        # the reason is the officer's own words: shown with the personal fields only
        last_return=(
            last_return.model_dump(mode="json", exclude=None if personal is not None else {"reason"})
            if last_return
            else None
        ),
        facts=household.registration.model_dump(mode="json") if household.registration else {},
        details=(
            household.details.model_dump(mode="json", exclude={"members", "household_id"})
            if household.details
            else None
        ),
        head_member_id=household.head_member_id,
        members=[
            RosterMemberOut(member_id=m.member_id, relation=m.relation, facts=m.facts)
            for m in household.roster.ordered()
        ],
        personal=personal,
    )


@router.post("", status_code=201, response_model=HouseholdOut)
async def register_household(
    body: RegisterHouseholdIn,
    principal: FieldTeam,
    registry: RegistryService,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    once = Idempotency.of(idempotency_key, principal.sub, "households.register", body.model_dump(mode="json"))
    return await registry.transactions.run(
        h.register_household, principal, body.command(), respond=household_out, once=once, status_code=201
    )


@router.post("/new", status_code=201, response_model=HouseholdOut)
async def register_new_household(
    body: NewHouseholdIn,
    principal: FieldTeam,
    registry: RegistryService,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Form ศจพ.2: a household TPMAP missed, with members, answers and family book, all or nothing."""
    command = h.RegisterNewHousehold(
        area_code=body.area_code,
        survey_year=body.survey_year,
        source=body.source,
        field_status=body.field_status,
        household_type=body.household_type,
        members=member_entries(body.members),
        answers={
            code: new_household.IndicatorAnswer(
                answer=a if isinstance(a, str) else a.answer,
                sub_items=tuple(a.sub_items) if isinstance(a, AnswerIn) and a.sub_items is not None else None,
            )
            for code, a in body.indicators.items()
        },
        details=body.domain(),
        total_income=body.total_income,
        household_id=body.household_id,
    )
    once = Idempotency.of(idempotency_key, principal.sub, "households.new", body.model_dump(mode="json"))
    return await registry.transactions.run(
        h.register_new_household, principal, command, respond=household_out, once=once, status_code=201
    )


@router.get("/{household_id}", response_model=HouseholdOut)
async def get_household(
    household_id: HouseholdKey,
    principal: Reader,
    registry: RegistryService,
    purpose: Purpose = None,
    personal: Annotated[bool, Query(description="false: skip personal fields (and the access log)")] = True,
) -> Response:
    """The household; its personal fields only for roles that need them, each read logged."""
    household, data = await registry.transactions.read(
        h.read_household, principal, h.ReadHousehold(household_id, purpose, personal)
    )
    return model_response(household_out(household, data))


@router.post("/{household_id}/field-status", response_model=HouseholdOut)
async def record_field_status(
    household_id: HouseholdKey, body: FieldStatusIn, principal: FieldTeam, registry: RegistryService
) -> Any:
    command = h.RecordFieldStatus(household_id, body.expected_version, field_status=body.field_status)
    return await registry.transactions.run(h.record_field_status, principal, command, respond=household_out)


@router.post("/{household_id}/verification", response_model=HouseholdOut)
async def verify_household(
    household_id: HouseholdKey, body: VerificationIn, principal: FieldTeam, registry: RegistryService
) -> Any:
    """Record the field verification (ศจพ.1); the category is derived from the marks."""
    command = h.VerifyHousehold(household_id, body.expected_version, verification=body.verification())
    return await registry.transactions.run(h.verify_household, principal, command, respond=household_out)


@router.post("/{household_id}/move", response_model=HouseholdOut)
async def move_household(
    household_id: HouseholdKey, body: MoveIn, principal: FieldTeam, registry: RegistryService
) -> Any:
    """The household moved: recorded by a team of the area it leaves; the new area takes over."""
    address = body.address.domain()
    errors = address.check()
    if errors:
        raise InvalidInput(errors)
    command = h.MoveHousehold(
        household_id,
        body.expected_version,
        to_area_code=body.area_code,
        details=HouseholdDetails(address=address),
    )
    return await registry.transactions.run(h.move_household, principal, command, respond=household_out)
