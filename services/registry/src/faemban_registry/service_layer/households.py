"""Registering, reading, verifying and moving households: handlers of (uow, principal, command)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faemban_domain import indicators
from faemban_domain.citizen_id import normalise_citizen_id
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.events.contracts import FieldStatus, HouseholdSource, HouseholdType
from faemban_domain.platform.auth import Principal
from faemban_registry.domain import new_household
from faemban_registry.domain.household import FieldVerification, Household, NewHouseholdForm, Registration
from faemban_registry.domain.members import HouseholdDetails, MemberEntry
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork


@dataclass(frozen=True)
class RegisterHousehold:
    registration: Registration
    household_id: str | None = None


@dataclass(frozen=True)
class RegisterNewHousehold:
    """Form ศจพ.2 as entered: members, the answers per indicator, the family book."""

    area_code: str
    survey_year: int
    source: HouseholdSource
    field_status: FieldStatus
    household_type: HouseholdType
    members: Sequence[MemberEntry]
    answers: Mapping[str, new_household.IndicatorAnswer]
    details: HouseholdDetails
    total_income: float | None = None
    household_id: str | None = None


@dataclass(frozen=True)
class HouseholdRef:
    """A command or query about one household; ``expected_version`` guards a change."""

    household_id: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class RecordFieldStatus(HouseholdRef):
    field_status: FieldStatus


@dataclass(frozen=True, kw_only=True)
class VerifyHousehold(HouseholdRef):
    verification: FieldVerification


@dataclass(frozen=True, kw_only=True)
class MoveHousehold(HouseholdRef):
    to_area_code: str
    details: HouseholdDetails = HouseholdDetails()
    """The address in the new area (personal data, kept in the registry)."""


def _new_id(requested: str | None) -> str:
    return requested or f"HH-{uuid.uuid4().hex[:16].upper()}"


async def _refuse_taken_id(uow: RegistryUnitOfWork, requested: str | None) -> None:
    if requested and await uow.households.exists(requested):
        raise InvalidInput([FieldError("household_id", f"household {requested} is already registered")])


async def refuse_known_people(
    uow: RegistryUnitOfWork, members: Sequence[MemberEntry], household_id: str | None, where: str = "members"
) -> None:
    """A person belongs to one household: an exclusion error already registered is not a new one."""
    known = await uow.personal.households_with_citizen_ids(
        [m.person.citizen_id for m in members if m.person.citizen_id], other_than=household_id
    )
    errors = [
        FieldError(f"{where}[{i}].citizen_id", "already a member of another registered household")
        for i, m in enumerate(members)
        if m.person.citizen_id and normalise_citizen_id(m.person.citizen_id) in known
    ]
    if errors:
        raise InvalidInput(errors)


async def register_household(
    uow: RegistryUnitOfWork, principal: Principal, command: RegisterHousehold
) -> Household:
    principal.ensure_area(command.registration.area_code)
    await _refuse_taken_id(uow, command.household_id)
    household = Household.register(_new_id(command.household_id), command.registration)
    uow.households.add(household)
    return household


def evaluate_new_household(command: RegisterNewHousehold) -> NewHouseholdForm:
    """Form ศจพ.2's answers judged under the survey year's rules (every problem at once)."""
    try:
        rules = indicators.rule_set(command.survey_year)
    except LookupError:
        raise InvalidInput(
            [FieldError("survey_year", f"no indicator set for {command.survey_year}")]
        ) from None
    facts = [m.facts for m in command.members]
    assessed, errors = new_household.evaluate(rules, command.answers, facts, command.total_income)
    errors += command.details.address.check()
    if errors or assessed is None:
        raise InvalidInput(errors)
    return NewHouseholdForm(
        area_code=command.area_code,
        survey_year=command.survey_year,
        source=command.source,
        field_status=command.field_status,
        household_type=command.household_type,
        members=tuple((m.relation, m.facts) for m in command.members),
        assessed=assessed,
        address=command.details.address,
        circumstances=command.details.circumstances,
    )


async def register_new_household(
    uow: RegistryUnitOfWork, principal: Principal, command: RegisterNewHousehold
) -> Household:
    """Form ศจพ.2: the household, its members' personal data and its answers, all or nothing."""
    form = evaluate_new_household(command)
    principal.ensure_area(form.area_code)
    await _refuse_taken_id(uow, command.household_id)
    await refuse_known_people(uow, command.members, None)
    household = Household.register_new(_new_id(command.household_id), form, datetime.now(UTC))
    uow.households.add(household)
    for member, entry in zip(household.roster.ordered(), command.members, strict=True):
        await uow.personal.save_member(household.id, member.member_id, entry.person)
    await uow.personal.save_address(household.id, command.details.address, command.details.notes)
    return household


async def get_household(uow: RegistryUnitOfWork, principal: Principal, query: HouseholdRef) -> Household:
    return await uow.households.load(principal, query.household_id)


@dataclass(frozen=True)
class ReadHousehold:
    household_id: str
    purpose: str | None
    personal: bool = True


async def read_household(
    uow: RegistryUnitOfWork, principal: Principal, query: ReadHousehold
) -> tuple[Household, dict[str, Any] | None]:
    """The household, with its personal data when asked for and the caller may read it —
    one reading connection; the access-log row is durable before anything is returned."""
    household = await uow.households.load(principal, query.household_id)
    assigned = await uow.households.mentored_by(principal, query.household_id)
    if not (query.personal and principal.reads_personal(household.area_code, assigned)):
        return household, None
    if not query.purpose:
        raise InvalidInput([FieldError("X-Purpose", "say why you read personal data (or ?personal=false)")])
    data = await uow.personal.personal_view(query.household_id)
    await uow.access_log.record(principal, query.household_id, "household", query.purpose)
    return household, data


async def record_field_status(
    uow: RegistryUnitOfWork, principal: Principal, command: RecordFieldStatus
) -> Household:
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    household.record_field_status(command.field_status)
    return household


async def verify_household(
    uow: RegistryUnitOfWork, principal: Principal, command: VerifyHousehold
) -> Household:
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    household.verify(command.verification, datetime.now(UTC))
    return household


async def move_household(uow: RegistryUnitOfWork, principal: Principal, command: MoveHousehold) -> Household:
    """The team of the area it leaves records the move; the new area's team takes over."""
    household = await uow.households.load(principal, command.household_id, command.expected_version)
    household.move(command.to_area_code)
    await uow.personal.save_address(command.household_id, command.details.address)
    return household
