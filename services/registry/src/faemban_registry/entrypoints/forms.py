"""Request bodies of the family-book endpoints and their conversion to domain inputs.

Thai digits and Buddhist-Era dates are accepted here and normalised once;
every check that names a field by its place in the body (``members[2].age``)
is collected so a form comes back with all its mistakes at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from faemban_domain.bounds import MAX_AGE, HouseholdId
from faemban_domain.campaign import BANGKOK
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.events.contracts import (
    CommunityFund,
    HelpKind,
    HouseNumberStatus,
    IndicatorCode,
    LandTenure,
    MemberFacts,
    PhysicalStatus,
    Relation,
    WishForHelp,
)
from faemban_domain.platform.inputs import Age, AreaCode, Baht, CEYear, Version
from faemban_domain.thai import parse_date, thai_digits_to_arabic
from faemban_registry.domain.members import (
    Address,
    Circumstances,
    HouseholdDetails,
    MemberEntry,
    Notes,
    Person,
    age_on,
    check_person,
    check_roster,
)


class MemberIn(BaseModel):
    """One member as on the family book (ศจพ.2 ส่วนที่ 1 ข้อ 10)."""

    relation: Relation
    title: str | None = Field(default=None, max_length=100)
    first_name: str = Field(max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    citizen_id: str | None = Field(
        default=None, max_length=20, description="13 digits with check digit; dashes allowed"
    )
    sex: Literal["male", "female", "unspecified"] = "unspecified"
    date_of_birth: str | None = Field(
        default=None, max_length=10, description="DD/MM/YYYY or YYYY-MM-DD, BE or CE"
    )
    age: Age | None = Field(default=None, description="when the date of birth is unknown")
    education: str | None = Field(default=None, max_length=200)
    occupation: str | None = Field(default=None, max_length=200)
    studying: bool = False
    annual_income: Baht | None = Field(default=None, description="baht per year")
    formal_debt: Baht | None = None
    informal_debt: Baht | None = None
    savings: Baht | None = Field(default=None, description="baht per year")
    physical_status: PhysicalStatus = "normal"
    welfare_card: bool = False
    elderly_allowance: bool = False
    disability_allowance: bool = False
    born_in_survey_year: bool = False
    finished_m3: bool = False


class AddressIn(BaseModel):
    house_no: str | None = Field(default=None, max_length=40)
    house_number_status: HouseNumberStatus | None = None
    near_house_no: str | None = Field(default=None, max_length=40)
    village_name: str | None = Field(default=None, max_length=200)
    local_government: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)

    def domain(self) -> Address:
        return Address(**self.model_dump())


class DetailsIn(BaseModel):
    """The family book of a household (docs/domain.md, "Household data"), without the indicator answers."""

    address: AddressIn = Field(default_factory=AddressIn)
    land_tenure: LandTenure | None = None
    wish_for_help: WishForHelp | None = None
    kinds_of_help: list[HelpKind] = Field(default_factory=list, max_length=10)
    community_funds: list[CommunityFund] = Field(default_factory=list, max_length=10)
    khok_nong_na: bool = False
    skills: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    other_problems: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=20)
    able_to_repay: bool | None = None

    def domain(self) -> HouseholdDetails:
        return HouseholdDetails(
            address=self.address.domain(),
            circumstances=Circumstances(
                land_tenure=self.land_tenure,
                wish_for_help=self.wish_for_help,
                kinds_of_help=tuple(self.kinds_of_help),
                community_funds=tuple(self.community_funds),
                khok_nong_na=self.khok_nong_na,
            ),
            notes=Notes(
                skills=tuple(self.skills),
                other_problems=tuple(self.other_problems),
                able_to_repay=self.able_to_repay,
            ),
        )


class FamilyBookIn(DetailsIn):
    members: list[MemberIn] = Field(default_factory=list, max_length=40)
    expected_version: Version | None = None


def today_in_thailand() -> date:
    return datetime.now(BANGKOK).date()


def member_entry(m: MemberIn, where: str, on: date, errors: list[FieldError]) -> MemberEntry | None:
    born: date | None = None
    if m.date_of_birth is not None:
        try:
            born = parse_date(m.date_of_birth)
        except ValueError as exc:
            errors.append(FieldError(f"{where}.date_of_birth", str(exc)))
            return None
        if not on.year - MAX_AGE <= born.year <= on.year:
            errors.append(FieldError(f"{where}.date_of_birth", f"must lie within the last {MAX_AGE} years"))
            return None
    if born is None and m.age is None:
        errors.append(FieldError(f"{where}.age", "give the date of birth or the age"))
        return None
    person = Person(
        title=m.title,
        first_name=m.first_name,
        last_name=m.last_name,
        citizen_id=thai_digits_to_arabic(m.citizen_id) if m.citizen_id else None,
        date_of_birth=born,
        education=m.education,
        occupation=m.occupation,
        formal_debt=m.formal_debt,
        informal_debt=m.informal_debt,
        savings=m.savings,
    )
    found = check_person(person, where, on, m.age)
    if found:
        errors.extend(found)
        return None
    age = age_on(born, on) if born is not None else m.age
    assert age is not None
    facts = MemberFacts(
        age=age,
        sex=m.sex,
        physical_status=m.physical_status,
        welfare_card=m.welfare_card,
        elderly_allowance=m.elderly_allowance,
        disability_allowance=m.disability_allowance,
        studying=m.studying,
        has_occupation=bool((m.occupation or "").strip()),
        annual_income=m.annual_income,
        born_in_survey_year=m.born_in_survey_year,
        finished_m3=m.finished_m3,
    )
    return MemberEntry(relation=m.relation, facts=facts, person=person)


def member_entries(
    members: list[MemberIn], where: str = "members", whole_household: bool = True
) -> list[MemberEntry]:
    """Domain members of a form, or every problem with them at once."""
    on = today_in_thailand()
    errors: list[FieldError] = []
    entries = [member_entry(m, f"{where}[{i}]", on, errors) for i, m in enumerate(members)]
    if errors:
        raise InvalidInput(errors)
    done = [e for e in entries if e is not None]
    if whole_household:
        found = check_roster(done, where)
        if found:
            raise InvalidInput(found)
    return done


class AnswerIn(BaseModel):
    """One ศจพ.2 question: met ("ใช่", no problem), fails, or not applicable; or its sub-items."""

    answer: Literal["met", "fails", "not_applicable"] | None = None
    sub_items: list[bool] | None = Field(
        default=None, max_length=10, description="in the form's order; met only if all are"
    )


class NewHouseholdIn(DetailsIn):
    """Form ศจพ.2 for a household TPMAP missed (exclusion error) or a vulnerable one."""

    household_id: HouseholdId | None = Field(default=None, description="generated when absent")
    area_code: AreaCode = Field(description="8-digit village or 6-digit subdistrict code")
    survey_year: CEYear = Field(description="CE or BE")
    source: Literal["exclusion_error", "vulnerable"] = "exclusion_error"
    field_status: Literal["lives_here", "new_member"] = "lives_here"
    household_type: Literal["develop", "welfare", "other"]
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    indicators: dict[IndicatorCode, AnswerIn | Literal["met", "fails", "not_applicable"]] = Field(
        default_factory=dict, max_length=40, description="indicator code → answer (or {answer, sub_items})"
    )
    total_income: Baht | None = Field(
        default=None, description="baht per year; default: the sum of member incomes"
    )
