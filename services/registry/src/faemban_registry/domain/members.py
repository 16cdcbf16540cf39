"""Members and household details as the field team writes them (docs/domain.md, "Household data").

Each input splits in two: the facts the rest of the system may know (age,
status, incomes as numbers — ``MemberFacts``) and the personal part (names,
citizen id, date of birth, debts) that never leaves the registry. The split
is made here, once, so no entrypoint can publish a name by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from faemban_domain.citizen_id import is_valid_citizen_id, normalise_citizen_id
from faemban_domain.errors import FieldError
from faemban_domain.events.contracts import (
    CommunityFund,
    HelpKind,
    HouseNumberStatus,
    LandTenure,
    MemberFacts,
    Relation,
    WishForHelp,
)
from faemban_domain.tpmap_register import LAT_RANGE, LON_RANGE


@dataclass(frozen=True)
class Person:
    """The personal part of a member: stays in the registry's own tables."""

    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    citizen_id: str | None = None
    date_of_birth: date | None = None
    education: str | None = None
    occupation: str | None = None
    formal_debt: float | None = None
    informal_debt: float | None = None
    savings: float | None = None


@dataclass(frozen=True)
class MemberEntry:
    relation: Relation
    facts: MemberFacts
    person: Person


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def check_person(person: Person, where: str, on: date, stated_age: int | None) -> list[FieldError]:
    """Checks of one member's personal part; ``where`` prefixes each field name."""
    errors: list[FieldError] = []
    if not (person.first_name or "").strip():
        errors.append(FieldError(f"{where}.first_name", "is required"))
    if person.citizen_id is not None and not is_valid_citizen_id(person.citizen_id):
        errors.append(FieldError(f"{where}.citizen_id", "not a valid 13-digit citizen id (check digit)"))
    if person.date_of_birth is not None:
        if person.date_of_birth > on:
            errors.append(FieldError(f"{where}.date_of_birth", "is in the future"))
        elif stated_age is not None and abs(age_on(person.date_of_birth, on) - stated_age) > 1:
            errors.append(
                FieldError(
                    f"{where}.age",
                    f"{stated_age} does not match date of birth ({age_on(person.date_of_birth, on)} years)",
                )
            )
    for name in ("formal_debt", "informal_debt", "savings"):
        value = getattr(person, name)
        if value is not None and value < 0:
            errors.append(FieldError(f"{where}.{name}", "must not be negative"))
    return errors


def duplicate_citizen_ids(members: list[MemberEntry], where: str = "members") -> list[FieldError]:
    seen: dict[str, int] = {}
    errors: list[FieldError] = []
    for i, m in enumerate(members):
        if m.person.citizen_id is None:
            continue
        cid = normalise_citizen_id(m.person.citizen_id)
        if cid in seen:
            errors.append(FieldError(f"{where}[{i}].citizen_id", f"same citizen id as {where}[{seen[cid]}]"))
        else:
            seen[cid] = i
    return errors


def check_roster(members: list[MemberEntry], where: str = "members") -> list[FieldError]:
    """A household lists at least one member and exactly one head."""
    if not members:
        return [FieldError(where, "list at least one member")]
    heads = [i for i, m in enumerate(members) if m.relation == "head"]
    if len(heads) != 1:
        return [FieldError(where, f"exactly one member must have relation 'head' (found {len(heads)})")]
    return duplicate_citizen_ids(members, where)


@dataclass(frozen=True)
class Address:
    """Where the household lives; all of it is personal except the area and the statuses."""

    house_no: str | None = None
    house_number_status: HouseNumberStatus | None = None
    near_house_no: str | None = None
    village_name: str | None = None
    local_government: str | None = None
    phone: str | None = None
    lat: float | None = None
    lon: float | None = None

    def check(self, where: str = "address") -> list[FieldError]:
        errors: list[FieldError] = []
        if (self.lat is None) != (self.lon is None):
            errors.append(FieldError(f"{where}.lat", "give both lat and lon, or neither"))
        if self.lat is not None and not LAT_RANGE[0] <= self.lat <= LAT_RANGE[1]:
            errors.append(FieldError(f"{where}.lat", f"outside Thailand ({LAT_RANGE[0]}–{LAT_RANGE[1]})"))
        if self.lon is not None and not LON_RANGE[0] <= self.lon <= LON_RANGE[1]:
            errors.append(FieldError(f"{where}.lon", f"outside Thailand ({LON_RANGE[0]}–{LON_RANGE[1]})"))
        if self.house_number_status == "no_number" and self.house_no:
            errors.append(
                FieldError(f"{where}.house_no", "house_number_status is no_number: use near_house_no")
            )
        if self.phone is not None:
            digits = "".join(ch for ch in self.phone if ch.isdigit())
            if not 9 <= len(digits) <= 10:
                errors.append(FieldError(f"{where}.phone", "a Thai phone number has 9 or 10 digits"))
        return errors

    @property
    def pinned(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True)
class Circumstances:
    """The PII-free rest of the family book: tenure, wishes, funds."""

    land_tenure: LandTenure | None = None
    wish_for_help: WishForHelp | None = None
    kinds_of_help: tuple[HelpKind, ...] = ()
    community_funds: tuple[CommunityFund, ...] = ()
    khok_nong_na: bool = False


@dataclass(frozen=True)
class Notes:
    """Free text the team writes; kept home because free text may name people."""

    skills: tuple[str, ...] = ()
    other_problems: tuple[str, ...] = ()
    able_to_repay: bool | None = None


@dataclass(frozen=True)
class HouseholdDetails:
    address: Address = field(default_factory=Address)
    circumstances: Circumstances = field(default_factory=Circumstances)
    notes: Notes = field(default_factory=Notes)
