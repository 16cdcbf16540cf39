"""The family book and its members: handlers of (uow, principal, command)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from faemban_domain.events.contracts import LeaveReason
from faemban_domain.platform.auth import Principal
from faemban_registry.domain.household import Household
from faemban_registry.domain.members import HouseholdDetails, MemberEntry
from faemban_registry.service_layer.households import HouseholdRef, refuse_known_people
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork


@dataclass(frozen=True, kw_only=True)
class RecordDetails(HouseholdRef):
    details: HouseholdDetails
    members: Sequence[MemberEntry] = ()
    """Only the first time: later changes are member commands."""


@dataclass(frozen=True, kw_only=True)
class AddMember(HouseholdRef):
    entry: MemberEntry


@dataclass(frozen=True, kw_only=True)
class MemberLeaves(HouseholdRef):
    member_id: str
    reason: LeaveReason
    new_head_member_id: str | None = None
    """Required when the head leaves."""


@dataclass(frozen=True, kw_only=True)
class HeadDeceased(HouseholdRef):
    new_head_member_id: str


async def record_details(uow: RegistryUnitOfWork, principal: Principal, command: RecordDetails) -> Household:
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    await refuse_known_people(uow, command.members, command.household_id)
    ids = household.record_details(
        command.details.address,
        command.details.circumstances,
        [(m.relation, m.facts) for m in command.members],
    )
    for member_id, entry in zip(ids, command.members, strict=True):
        await uow.personal.save_member(command.household_id, member_id, entry.person)
    await uow.personal.save_address(command.household_id, command.details.address, command.details.notes)
    return household


async def add_member(
    uow: RegistryUnitOfWork, principal: Principal, command: AddMember
) -> tuple[Household, str]:
    entry = command.entry
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    await refuse_known_people(uow, [entry], command.household_id, where="member")
    member_id = household.add_member(entry.relation, entry.facts)
    await uow.personal.save_member(command.household_id, member_id, entry.person)
    return household, member_id


async def member_left(uow: RegistryUnitOfWork, principal: Principal, command: MemberLeaves) -> Household:
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    household.member_left(command.member_id, command.reason, command.new_head_member_id)
    await uow.personal.member_left(command.household_id, command.member_id)
    return household


async def head_deceased(uow: RegistryUnitOfWork, principal: Principal, command: HeadDeceased) -> Household:
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    former = household.head_member_id
    household.head_deceased(command.new_head_member_id)
    if former:
        await uow.personal.member_left(command.household_id, former)
    return household
