"""The family book and its members: details, a member added, a member left, the head deceased."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from faemban_domain.events.contracts import LeaveReason
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import HouseholdKey, Version
from faemban_registry.domain.household import Household
from faemban_registry.entrypoints.dependencies import FieldTeam, RegistryService
from faemban_registry.entrypoints.forms import FamilyBookIn, MemberIn, member_entries
from faemban_registry.entrypoints.households_api import HouseholdOut, household_out
from faemban_registry.service_layer import members as m

router = APIRouter(prefix="/v1/households", tags=["households"])


class AddMemberIn(BaseModel):
    member: MemberIn
    expected_version: Version | None = None


class MemberAddedOut(BaseModel):
    member_id: str
    household: HouseholdOut


class MemberLeftIn(BaseModel):
    reason: LeaveReason
    new_head_member_id: str | None = Field(default=None, description="required when the head leaves")
    expected_version: Version | None = None


class HeadDeceasedIn(BaseModel):
    new_head_member_id: str
    expected_version: Version | None = None


@router.put("/{household_id}/details", response_model=HouseholdOut)
async def record_details(
    household_id: HouseholdKey, body: FamilyBookIn, principal: FieldTeam, registry: RegistryService
) -> Any:
    """The family book; members may be listed only the first time (then use the member commands)."""
    entries = member_entries(body.members) if body.members else []
    command = m.RecordDetails(household_id, body.expected_version, details=body.domain(), members=entries)
    return await registry.transactions.run(m.record_details, principal, command, respond=household_out)


def _added(result: tuple[Household, str]) -> MemberAddedOut:
    household, member_id = result
    return MemberAddedOut(member_id=member_id, household=household_out(household))


@router.post("/{household_id}/members", status_code=201, response_model=MemberAddedOut)
async def add_member(
    household_id: HouseholdKey,
    body: AddMemberIn,
    principal: FieldTeam,
    registry: RegistryService,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    (entry,) = member_entries([body.member], where="member", whole_household=False)
    once = Idempotency.of(
        idempotency_key, principal.sub, "members.add", household_id, body.model_dump(mode="json")
    )
    command = m.AddMember(household_id, body.expected_version, entry=entry)
    return await registry.transactions.run(
        m.add_member, principal, command, respond=_added, once=once, status_code=201
    )


@router.post("/{household_id}/members/{member_id}/leave", response_model=HouseholdOut)
async def member_left(
    household_id: HouseholdKey,
    member_id: str,
    body: MemberLeftIn,
    principal: FieldTeam,
    registry: RegistryService,
) -> Any:
    command = m.MemberLeaves(
        household_id,
        body.expected_version,
        member_id=member_id,
        reason=body.reason,
        new_head_member_id=body.new_head_member_id,
    )
    return await registry.transactions.run(m.member_left, principal, command, respond=household_out)


@router.post("/{household_id}/head-deceased", response_model=HouseholdOut)
async def head_deceased(
    household_id: HouseholdKey, body: HeadDeceasedIn, principal: FieldTeam, registry: RegistryService
) -> Any:
    command = m.HeadDeceased(household_id, body.expected_version, new_head_member_id=body.new_head_member_id)
    return await registry.transactions.run(m.head_deceased, principal, command, respond=household_out)
