"""HTTP routes of the registry: thin — parse, authorise, call a handler."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, Field

from faemban_domain import indicators
from faemban_domain.bounds import HouseholdId
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.events.contracts import (
    FieldStatus,
    HouseholdSource,
    HouseholdType,
    IndicatorCode,
    LeaveReason,
    MemberFacts,
)
from faemban_domain.platform.auth import HOUSEHOLD_READERS, Principal, require_roles
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import AreaCode, Baht, CEYear, Count, HouseholdKey, Members, Version
from faemban_domain.platform.service import ServiceRuntime, runtime_of
from faemban_registry.adapters.event_store import households
from faemban_registry.domain import new_household
from faemban_registry.domain.household import FieldVerification, Household, NewHouseholdForm, Registration
from faemban_registry.domain.members import HouseholdDetails
from faemban_registry.entrypoints.forms import (
    AddressIn,
    AnswerIn,
    FamilyBookIn,
    MemberIn,
    NewHouseholdIn,
    member_entries,
)
from faemban_registry.service_layer import handlers

router = APIRouter(prefix="/v1/households", tags=["households"])
Runtime = Annotated[ServiceRuntime, Depends(runtime_of("registry"))]
FieldTeam = Annotated[Principal, Depends(require_roles("ops_team", "district_officer", "province_officer"))]
Reader = Annotated[Principal, Depends(require_roles(*HOUSEHOLD_READERS))]
"""Analysts and partners get aggregates only (DOMAIN.md §2): no single household."""
Purpose = Annotated[
    str | None,
    Header(
        alias="X-Purpose", max_length=300, description="why personal data is read; written to the access log"
    ),
]


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


def _out(h: Household, personal: dict[str, Any] | None = None) -> HouseholdOut:
    verification = h.verification or {}
    return HouseholdOut(
        household_id=h.id,
        version=h.version,
        area_code=h.area_code,
        cohort_year=h.cohort_year,
        source=h.source,
        field_status=h.field_status,
        status=h.status,
        verification_category=verification.get("verification_category"),
        indicator_results=verification.get("indicator_results"),
        household_type=verification.get("household_type"),
        # the reason is the officer's own words: shown with the personal fields only
        last_return=(
            h.last_return
            if personal is not None or h.last_return is None
            else {k: v for k, v in h.last_return.items() if k != "reason"}
        ),
        facts=h.facts,
        details=h.details,
        head_member_id=h.head_member_id,
        members=[
            RosterMemberOut(
                member_id=mid, relation=m["relation"], facts=MemberFacts.model_validate(m["facts"])
            )
            for mid, m in sorted(h.roster.items(), key=lambda kv: int(kv[0][1:]))
        ],
        personal=personal,
    )


@router.post("", status_code=201, response_model=HouseholdOut)
async def register_household(
    body: RegisterHouseholdIn,
    principal: FieldTeam,
    runtime: Runtime,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    once = Idempotency.of(idempotency_key, principal.sub, "households.register", body.model_dump(mode="json"))
    async with runtime.transaction() as conn:
        if (replayed := await once.replay(conn)) is not None:
            return replayed
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
        await once.remember(conn, 201, out)
    return out


@router.post("/new", status_code=201, response_model=HouseholdOut)
async def register_new_household(
    body: NewHouseholdIn, principal: FieldTeam, runtime: Runtime, idempotency_key: IdempotencyKey = None
) -> Any:
    """Form ศจพ.2: a household TPMAP missed, with members, answers and family book, all or nothing."""
    entries = member_entries(body.members)
    facts = [e.facts for e in entries]
    try:
        rules = indicators.rule_set(body.survey_year)
    except LookupError:
        raise InvalidInput([FieldError("survey_year", f"no indicator set for {body.survey_year}")]) from None
    answers = {
        code: new_household.IndicatorAnswer(
            answer=a if isinstance(a, str) else a.answer,
            sub_items=tuple(a.sub_items) if isinstance(a, AnswerIn) and a.sub_items is not None else None,
        )
        for code, a in body.indicators.items()
    }
    assessed, errors = new_household.evaluate(rules, answers, facts, body.total_income)
    details = body.domain()
    errors += details.address.check()
    if errors or assessed is None:
        raise InvalidInput(errors)
    form = NewHouseholdForm(
        area_code=body.area_code,
        survey_year=body.survey_year,
        source=body.source,
        field_status=body.field_status,
        household_type=body.household_type,
        members=tuple((e.relation, e.facts) for e in entries),
        assessed=assessed,
        address=details.address,
        circumstances=details.circumstances,
    )
    once = Idempotency.of(idempotency_key, principal.sub, "households.new", body.model_dump(mode="json"))
    async with runtime.transaction() as conn:
        if (replayed := await once.replay(conn)) is not None:
            return replayed
        household = await handlers.register_new_household(
            conn, households, principal, form, entries, details, body.household_id
        )
        out = _out(household)
        await once.remember(conn, 201, out)
    return out


@router.get("/{household_id}", response_model=HouseholdOut)
async def get_household(
    household_id: HouseholdKey,
    principal: Reader,
    runtime: Runtime,
    purpose: Purpose = None,
    personal: Annotated[bool, Query(description="false: skip personal fields (and the access log)")] = True,
) -> HouseholdOut:
    """The household; its personal fields only for roles that need them, each read logged."""
    async with runtime.reading() as conn:
        household = await handlers.load_household(conn, households, principal, household_id)
    if not (personal and principal.reads_personal(household.area_code)):
        return _out(household)
    if not purpose:
        raise InvalidInput([FieldError("X-Purpose", "say why you read personal data (or ?personal=false)")])
    async with runtime.transaction() as conn:
        household, data = await handlers.read_personal(conn, households, principal, household_id, purpose)
    return _out(household, data)


@router.put("/{household_id}/details", response_model=HouseholdOut)
async def record_details(
    household_id: HouseholdKey, body: FamilyBookIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    """The family book; members may be listed only the first time (then use the member commands)."""
    entries = member_entries(body.members) if body.members else []
    async with runtime.transaction() as conn:
        household = await handlers.record_details(
            conn, households, principal, household_id, body.domain(), entries, body.expected_version
        )
    return _out(household)


class AddMemberIn(BaseModel):
    member: MemberIn
    expected_version: Version | None = None


class MemberAddedOut(BaseModel):
    member_id: str
    household: HouseholdOut


@router.post("/{household_id}/members", status_code=201, response_model=MemberAddedOut)
async def add_member(
    household_id: HouseholdKey,
    body: AddMemberIn,
    principal: FieldTeam,
    runtime: Runtime,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    (entry,) = member_entries([body.member], where="member", whole_household=False)
    once = Idempotency.of(
        idempotency_key, principal.sub, "members.add", household_id, body.model_dump(mode="json")
    )
    async with runtime.transaction() as conn:
        if (replayed := await once.replay(conn)) is not None:
            return replayed
        household, member_id = await handlers.add_member(
            conn, households, principal, household_id, entry, body.expected_version
        )
        out = MemberAddedOut(member_id=member_id, household=_out(household))
        await once.remember(conn, 201, out)
    return out


class MemberLeftIn(BaseModel):
    reason: LeaveReason
    new_head_member_id: str | None = Field(default=None, description="required when the head leaves")
    expected_version: Version | None = None


@router.post("/{household_id}/members/{member_id}/leave", response_model=HouseholdOut)
async def member_left(
    household_id: HouseholdKey, member_id: str, body: MemberLeftIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    async with runtime.transaction() as conn:
        household = await handlers.member_left(
            conn,
            households,
            principal,
            household_id,
            member_id,
            body.reason,
            body.new_head_member_id,
            body.expected_version,
        )
    return _out(household)


class HeadDeceasedIn(BaseModel):
    new_head_member_id: str
    expected_version: Version | None = None


@router.post("/{household_id}/head-deceased", response_model=HouseholdOut)
async def head_deceased(
    household_id: HouseholdKey, body: HeadDeceasedIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    async with runtime.transaction() as conn:
        household = await handlers.head_deceased(
            conn, households, principal, household_id, body.new_head_member_id, body.expected_version
        )
    return _out(household)


class MoveIn(BaseModel):
    area_code: AreaCode = Field(description="the new 8-digit village or 6-digit subdistrict")
    address: AddressIn = Field(default_factory=AddressIn)
    expected_version: Version | None = None


@router.post("/{household_id}/move", response_model=HouseholdOut)
async def move_household(
    household_id: HouseholdKey, body: MoveIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    """The household moved: recorded by a team of the area it leaves; the new area takes over."""
    address = body.address.domain()
    errors = address.check()
    if errors:
        raise InvalidInput(errors)
    async with runtime.transaction() as conn:
        household = await handlers.move_household(
            conn,
            households,
            principal,
            household_id,
            body.area_code,
            HouseholdDetails(address=address),
            body.expected_version,
        )
    return _out(household)


@router.post("/{household_id}/field-status", response_model=HouseholdOut)
async def record_field_status(
    household_id: HouseholdKey, body: FieldStatusIn, principal: FieldTeam, runtime: Runtime
) -> HouseholdOut:
    async with runtime.transaction() as conn:
        household = await handlers.record_field_status(
            conn, households, principal, household_id, body.field_status, body.expected_version
        )
    return _out(household)


@router.post("/{household_id}/verification", response_model=HouseholdOut)
async def verify_household(
    household_id: HouseholdKey, body: VerificationIn, principal: FieldTeam, runtime: Runtime
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
