"""The Household aggregate of the registry.

A household's stream starts with its registration and records every change
of its facts. Rules about a household's facts are checked here, once, for
every entrypoint (API, import, CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from faemban_domain import areas, bounds, indicators
from faemban_domain.applicability import applies, why_not
from faemban_domain.bounds import baht_problem
from faemban_domain.campaign import CampaignCalendar
from faemban_domain.errors import FieldError, InvalidInput, StateConflict
from faemban_domain.events.contracts import (
    CertificationLevel,
    FieldStatus,
    HouseholdSource,
    HouseholdType,
    LeaveReason,
    MemberFacts,
    Relation,
)
from faemban_domain.eventsourcing.aggregate import Aggregate
from faemban_domain.income import income_of
from faemban_registry.domain.members import Address, Circumstances
from faemban_registry.domain.new_household import Assessed
from faemban_registry.domain.verification import verification_category

REGISTERED = "HouseholdRegistered"
FIELD_STATUS_RECORDED = "HouseholdFieldStatusRecorded"
VERIFIED = "HouseholdVerified"
DETAILS_RECORDED = "HouseholdDetailsRecorded"
MEMBER_ADDED = "HouseholdMemberAdded"
MEMBER_LEFT = "HouseholdMemberLeft"
HEAD_DECEASED = "HouseholdHeadDeceased"
MOVED = "HouseholdMoved"
CERTIFIED = "HouseholdCertified"
RETURNED = "HouseholdCertificationReturned"
APPROVED = "HouseholdApproved"

CertificationStatus = Literal["to_verify", "verified", "certified", "approved"]
"""Where a household stands in the campaign: only ``approved`` ones get plans."""


def check_area(area_code: str, where: str = "area_code") -> list[FieldError]:
    level = areas.level_of(area_code)
    if level not in ("village", "subdistrict"):
        return [FieldError(where, "must be a 6-digit subdistrict or 8-digit village code")]
    if not areas.is_known(area_code):
        return [FieldError(where, f"unknown area {area_code}")]
    return []


@dataclass(frozen=True)
class Registration:
    """The PII-free facts a household enters the registry with."""

    area_code: str
    cohort_year: int
    source: HouseholdSource
    members: int
    welfare_card_holders: int = 0
    elderly: int = 0
    disabled: int = 0
    chronically_ill: int = 0
    total_income: float | None = None
    tpmap_failing_indicators: tuple[str, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        errors: list[FieldError] = check_area(self.area_code)
        if self.source not in get_args(HouseholdSource):
            errors.append(FieldError("source", f"must be one of {list(get_args(HouseholdSource))}"))
        year_problem = bounds.year_problem(self.cohort_year)
        if year_problem:
            errors.append(FieldError("cohort_year", year_problem))
        if not 1 <= self.members <= bounds.MAX_MEMBERS:
            errors.append(FieldError("members", f"must be 1–{bounds.MAX_MEMBERS}"))
        for name in ("welfare_card_holders", "elderly", "disabled", "chronically_ill"):
            value = getattr(self, name)
            if value < 0:
                errors.append(FieldError(name, "must not be negative"))
            elif value > self.members:
                errors.append(FieldError(name, f"cannot exceed members ({self.members})"))
        income_problem = baht_problem(self.total_income)
        if income_problem:
            errors.append(FieldError("total_income", income_problem))
        try:
            known = indicators.rule_set(self.cohort_year).codes
        except LookupError:
            known = indicators.latest_rule_set().codes
        for i, code in enumerate(self.tpmap_failing_indicators):
            if code not in known:
                errors.append(FieldError(f"tpmap_failing_indicators[{i}]", f"unknown indicator {code}"))
        if errors:
            raise InvalidInput(errors)

    @property
    def average_income(self) -> float | None:
        if self.total_income is None or self.members < 1:
            return None
        return round(self.total_income / self.members, 2)


@dataclass(frozen=True)
class FieldVerification:
    """What the field team recorded on form ศจพ.1 for one TPMAP household."""

    survey_year: int
    marks: dict[str, str]
    """Each TPMAP-flagged indicator → "confirmed" or "rejected"."""
    new_failing: tuple[str, ...]
    field_status: FieldStatus
    household_type: HouseholdType
    members: tuple[MemberFacts, ...]
    total_income: float | None = None


class Household(Aggregate):
    stream_prefix = "household-"

    def __init__(self, household_id: str) -> None:
        super().__init__(household_id)
        self.area_code: str = ""
        self.cohort_year: int = 0
        self.source: str = ""
        self.facts: dict[str, Any] = {}
        self.field_status: str | None = None
        self.verification: dict[str, Any] | None = None
        self.details: dict[str, Any] | None = None
        self.roster: dict[str, dict[str, Any]] = {}
        """Current members: member id → {"relation", "facts"}; ids are never reused."""
        self.head_member_id: str | None = None
        self.members_ever: int = 0
        self.status: CertificationStatus = "to_verify"
        self.last_return: dict[str, Any] | None = None

    @classmethod
    def register(cls, household_id: str, registration: Registration) -> Household:
        id_problem = bounds.household_id_problem(household_id)
        if id_problem:
            raise InvalidInput([FieldError("household_id", id_problem)])
        registration.validate()
        household = cls(household_id)
        household._trigger(
            REGISTERED,
            {
                "household_id": household_id,
                "area_code": registration.area_code,
                "cohort_year": registration.cohort_year,
                "source": registration.source,
                "members": registration.members,
                "welfare_card_holders": registration.welfare_card_holders,
                "elderly": registration.elderly,
                "disabled": registration.disabled,
                "chronically_ill": registration.chronically_ill,
                "total_income": registration.total_income,
                "average_income": registration.average_income,
                "tpmap_failing_indicators": list(dict.fromkeys(registration.tpmap_failing_indicators)),
            },
        )
        return household

    @classmethod
    def register_new(cls, household_id: str, form: NewHouseholdForm, verified_at: str) -> Household:
        """A household found in the field (ศจพ.2): registered, described and checked at once.

        It has no TPMAP flags, so every failing indicator is "new" and there is
        no ศจพ.1 category (DOMAIN.md §6).
        """
        if form.source == "tpmap":
            raise InvalidInput([FieldError("source", "a ศจพ.2 household is exclusion_error or vulnerable")])
        facts = [f for _, f in form.members]
        household = cls.register(household_id, registration_from_members(form, facts))
        household.record_details(form.address, form.circumstances, form.members)
        household._trigger(
            VERIFIED,
            {
                "household_id": household_id,
                "area_code": form.area_code,
                "survey_year": form.survey_year,
                "indicator_results": form.assessed.results,
                "verification_category": None,
                "field_status": form.field_status,
                "household_type": form.household_type,
                "members": [f.model_dump(mode="json") for f in facts],
                "total_income": form.assessed.total_income,
                "average_income": form.assessed.average_income,
                "verified_at": verified_at,
            },
        )
        return household

    def member_facts(self) -> tuple[MemberFacts, ...]:
        return tuple(MemberFacts.model_validate(m["facts"]) for m in self.roster.values())

    def record_field_status(self, status: FieldStatus) -> None:
        if status not in get_args(FieldStatus):
            raise InvalidInput([FieldError("field_status", f"must be one of {list(get_args(FieldStatus))}")])
        if status == self.field_status:
            return
        self._trigger(
            FIELD_STATUS_RECORDED,
            {"household_id": self.id, "area_code": self.area_code, "field_status": status},
        )

    def record_details(
        self,
        address: Address,
        circumstances: Circumstances,
        members: Sequence[tuple[Relation, MemberFacts]] = (),
    ) -> list[str]:
        """Record the family book; members only the first time (then: member commands).

        Returns the ids given to the members listed, in their order.
        """
        if members and self.roster:
            raise StateConflict(
                [FieldError("members", "members are already recorded: add or remove them one by one")]
            )
        errors = address.check()
        heads = [i for i, (relation, _) in enumerate(members) if relation == "head"]
        if members and len(heads) != 1:
            errors.append(FieldError("members", f"exactly one member must be the head (found {len(heads)})"))
        if errors:
            raise InvalidInput(errors)
        ids = [f"M{self.members_ever + i + 1}" for i in range(len(members))]
        roster = [
            {"member_id": mid, "relation": relation, "facts": facts.model_dump(mode="json")}
            for mid, (relation, facts) in zip(ids, members, strict=True)
        ]
        if not members:
            roster = [{"member_id": k, **v} for k, v in self.roster.items()]
        self._trigger(
            DETAILS_RECORDED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "house_number_status": address.house_number_status,
                "land_tenure": circumstances.land_tenure,
                "wish_for_help": circumstances.wish_for_help,
                "kinds_of_help": list(dict.fromkeys(circumstances.kinds_of_help)),
                "community_funds": list(dict.fromkeys(circumstances.community_funds)),
                "khok_nong_na": circumstances.khok_nong_na,
                "pinned": address.pinned,
                "head_member_id": ids[heads[0]] if members else self.head_member_id,
                "members": roster,
            },
        )
        return ids

    def _require_roster(self) -> None:
        if not self.roster:
            raise StateConflict(
                [FieldError("members", "record the household's members first (PUT .../details)")]
            )

    def _require_member(self, member_id: str, where: str = "member_id") -> None:
        if member_id not in self.roster:
            raise InvalidInput([FieldError(where, f"{member_id} is not a current member of {self.id}")])

    def add_member(self, relation: Relation, facts: MemberFacts) -> str:
        self._require_roster()
        if relation == "head":
            raise InvalidInput(
                [FieldError("relation", "the household has a head: name a new one when they leave")]
            )
        member_id = f"M{self.members_ever + 1}"
        self._trigger(
            MEMBER_ADDED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "member": {
                    "member_id": member_id,
                    "relation": relation,
                    "facts": facts.model_dump(mode="json"),
                },
                "members": len(self.roster) + 1,
            },
        )
        return member_id

    def member_left(self, member_id: str, reason: LeaveReason, new_head_member_id: str | None = None) -> None:
        """A member left the household; when it is the head, another member becomes head."""
        self._require_roster()
        self._require_member(member_id)
        if reason not in get_args(LeaveReason):
            raise InvalidInput([FieldError("reason", f"must be one of {list(get_args(LeaveReason))}")])
        if member_id == self.head_member_id:
            if reason == "deceased":
                raise InvalidInput(
                    [FieldError("reason", "the head died: record it as head deceased, naming the new head")]
                )
            self._check_new_head(new_head_member_id)
        elif new_head_member_id is not None:
            raise InvalidInput([FieldError("new_head_member_id", "only when the head leaves")])
        self._trigger(
            MEMBER_LEFT,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "member_id": member_id,
                "reason": reason,
                "new_head_member_id": new_head_member_id,
                "members": len(self.roster) - 1,
            },
        )

    def head_deceased(self, new_head_member_id: str) -> None:
        self._require_roster()
        self._check_new_head(new_head_member_id)
        assert self.head_member_id is not None
        self._trigger(
            HEAD_DECEASED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "former_head_member_id": self.head_member_id,
                "new_head_member_id": new_head_member_id,
                "members": len(self.roster) - 1,
            },
        )

    def _check_new_head(self, new_head_member_id: str | None) -> None:
        if not new_head_member_id:
            raise InvalidInput([FieldError("new_head_member_id", "name the member who becomes head")])
        self._require_member(new_head_member_id, "new_head_member_id")
        if new_head_member_id == self.head_member_id:
            raise InvalidInput([FieldError("new_head_member_id", "must be another member than the head")])

    def move(self, to_area_code: str) -> None:
        """The household moved; its area (and so who may see it) follows."""
        errors = check_area(to_area_code)
        if errors:
            raise InvalidInput(errors)
        if to_area_code == self.area_code:
            return
        self._trigger(
            MOVED, {"household_id": self.id, "from_area_code": self.area_code, "area_code": to_area_code}
        )

    def verify(self, v: FieldVerification, verified_at: str) -> str | None:
        """Record a ศจพ.1 verification; a later one supersedes it, both stay in the stream."""
        flagged = set(self.facts.get("tpmap_failing_indicators", []))
        errors: list[FieldError] = []
        try:
            rules = indicators.rule_set(v.survey_year)
        except LookupError:
            raise InvalidInput([FieldError("survey_year", f"no indicator set for {v.survey_year}")]) from None
        members = v.members or self.member_facts()
        if not members:
            errors.append(FieldError("members", "list the members (ages and statuses) or record them first"))
        for code, mark in v.marks.items():
            if code not in rules.codes:
                errors.append(FieldError(f"indicators.{code}", "unknown indicator"))
            elif code not in flagged:
                errors.append(
                    FieldError(f"indicators.{code}", "TPMAP did not flag it: list it in new_failing")
                )
            elif mark not in ("confirmed", "rejected"):
                errors.append(FieldError(f"indicators.{code}", "must be confirmed or rejected"))
        for code in sorted(flagged - set(v.marks)):
            errors.append(FieldError(f"indicators.{code}", "TPMAP flagged it: mark it confirmed or rejected"))
        for i, code in enumerate(v.new_failing):
            if code not in rules.codes:
                errors.append(FieldError(f"new_failing[{i}]", f"unknown indicator {code}"))
            elif code in flagged:
                errors.append(
                    FieldError(f"new_failing[{i}]", f"{code} was flagged by TPMAP: confirm it instead")
                )
        confirmed = {c for c, m in v.marks.items() if m == "confirmed"}
        rejected = {c for c, m in v.marks.items() if m == "rejected"}
        new = set(v.new_failing)
        for code in sorted(confirmed | new):
            if code in rules.codes and members and not applies(rules.indicator(code), members):
                where = (
                    f"indicators.{code}" if code in confirmed else f"new_failing[{v.new_failing.index(code)}]"
                )
                errors.append(FieldError(where, f"{code} cannot fail: {why_not(rules.indicator(code))}"))
        if errors:
            raise InvalidInput(errors)
        # The ศจพ.1 category judges TPMAP's list; a household TPMAP never listed has none.
        category = verification_category(confirmed, rejected, new) if self.source == "tpmap" else None
        results: dict[str, dict[str, str]] = {}
        for ind in rules.indicators:
            if ind.code in confirmed:
                results[ind.code] = {"result": "fails", "established_by": "tpmap_confirmed"}
            elif ind.code in new:
                results[ind.code] = {"result": "fails", "established_by": "new"}
            else:
                how = "tpmap_rejected" if ind.code in rejected else "tpmap_unflagged"
                result = "met" if applies(ind, members) else "not_applicable"
                results[ind.code] = {"result": result, "established_by": how}
        # Members' incomes when the form gives any (a member without one, e.g. a child, earns 0).
        total, average = income_of(members, v.total_income)
        self._trigger(
            VERIFIED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "survey_year": v.survey_year,
                "indicator_results": results,
                "verification_category": category,
                "field_status": v.field_status,
                "household_type": v.household_type,
                "members": [m.model_dump(mode="json") for m in members],
                "total_income": total,
                "average_income": average,
                "verified_at": verified_at,
            },
        )
        return category

    def certify(self, at: datetime, campaign: CampaignCalendar) -> None:
        """The district certifies the household's verification (ศจพ.อ.)."""
        if self.status != "verified":
            raise StateConflict(
                [
                    FieldError(
                        f"households.{self.id}", f"is {self.status}; only verified households are certified"
                    )
                ]
            )
        self._trigger(
            CERTIFIED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "survey_year": self.survey_year,
                "certified_at": at.isoformat(),
                "due": campaign.district_by.isoformat(),
                "late": campaign.is_late("district", at),
            },
        )

    def return_for_verification(
        self, level: CertificationLevel, reason: str, at: datetime, campaign: CampaignCalendar
    ) -> None:
        """Send back to the field team: the district from verified, the province from certified."""
        allowed = ("verified", "certified") if level == "district" else ("certified",)
        if self.status not in allowed:
            raise StateConflict(
                [FieldError(f"households.{self.id}", f"is {self.status}; the {level} cannot return it")]
            )
        if not reason.strip():
            raise InvalidInput([FieldError(f"returns.{self.id}.reason", "say why it goes back")])
        self._trigger(
            RETURNED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "survey_year": self.survey_year,
                "level": level,
                "reason": reason.strip(),
                "returned_at": at.isoformat(),
                "due": campaign.due(level).isoformat(),
                "late": campaign.is_late(level, at),
            },
        )

    def approve(self, at: datetime, campaign: CampaignCalendar) -> None:
        """The province approves a certified household (ศจพ.จ.); only now may plans be made."""
        if self.status != "certified":
            raise StateConflict(
                [
                    FieldError(
                        f"households.{self.id}", f"is {self.status}; only certified households are approved"
                    )
                ]
            )
        self._trigger(
            APPROVED,
            {
                "household_id": self.id,
                "area_code": self.area_code,
                "survey_year": self.survey_year,
                "approved_at": at.isoformat(),
                "due": campaign.province_by.isoformat(),
                "late": campaign.is_late("province", at),
            },
        )

    @property
    def survey_year(self) -> int:
        return int((self.verification or {}).get("survey_year") or self.cohort_year)

    def _apply(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type == REGISTERED:
            self.area_code = data["area_code"]
            self.cohort_year = data["cohort_year"]
            self.source = data["source"]
            self.facts = dict(data)
        elif event_type == FIELD_STATUS_RECORDED:
            self.field_status = data["field_status"]
        elif event_type == VERIFIED:
            self.field_status = data["field_status"]
            self.verification = dict(data)
            self.status = "verified"
        elif event_type == DETAILS_RECORDED:
            self.details = {k: v for k, v in data.items() if k not in ("members", "household_id")}
            self.roster = {
                m["member_id"]: {"relation": m["relation"], "facts": m["facts"]} for m in data["members"]
            }
            self.head_member_id = data["head_member_id"]
            self.members_ever = max([self.members_ever, *(int(m[1:]) for m in self.roster)])
        elif event_type == MEMBER_ADDED:
            m = data["member"]
            self.roster[m["member_id"]] = {"relation": m["relation"], "facts": m["facts"]}
            self.members_ever = max(self.members_ever, int(m["member_id"][1:]))
        elif event_type == MEMBER_LEFT:
            del self.roster[data["member_id"]]
            if data["new_head_member_id"]:
                self._make_head(data["new_head_member_id"])
        elif event_type == HEAD_DECEASED:
            del self.roster[data["former_head_member_id"]]
            self._make_head(data["new_head_member_id"])
            self.field_status = "head_deceased"
        elif event_type == MOVED:
            self.area_code = data["area_code"]
        elif event_type == CERTIFIED:
            self.status = "certified"
        elif event_type == RETURNED:
            self.status = "to_verify"
            self.last_return = dict(data)
        elif event_type == APPROVED:
            self.status = "approved"
        else:
            raise ValueError(f"Household cannot apply {event_type}")

    def _make_head(self, member_id: str) -> None:
        self.roster[member_id]["relation"] = "head"
        self.head_member_id = member_id


@dataclass(frozen=True)
class NewHouseholdForm:
    """Form ศจพ.2, PII-free part, its answers already evaluated (``new_household.evaluate``)."""

    area_code: str
    survey_year: int
    source: HouseholdSource
    field_status: FieldStatus
    household_type: HouseholdType
    members: tuple[tuple[Relation, MemberFacts], ...]
    assessed: Assessed
    address: Address
    circumstances: Circumstances


def registration_from_members(form: NewHouseholdForm, facts: Sequence[MemberFacts]) -> Registration:
    return Registration(
        area_code=form.area_code,
        cohort_year=form.survey_year,
        source=form.source,
        members=len(facts),
        welfare_card_holders=sum(f.welfare_card for f in facts),
        elderly=sum(f.age >= 60 for f in facts),
        disabled=sum(f.physical_status == "disabled" for f in facts),
        chronically_ill=sum(f.physical_status in ("chronically_ill", "bedridden") for f in facts),
        total_income=form.assessed.total_income,
    )
