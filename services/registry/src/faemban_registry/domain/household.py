"""The Household aggregate of the registry.

A household's stream starts with its registration and records every change
of its facts. Rules about a household's facts are checked here, once, for
every entrypoint (API, import, CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from faemban_domain import areas, bounds, indicators
from faemban_domain.applicability import applies, why_not
from faemban_domain.bounds import baht_problem
from faemban_domain.campaign import CampaignCalendar
from faemban_domain.errors import FieldError, InvalidInput, StateConflict
from faemban_domain.events.contracts import (
    CertificationLevel,
    Establishment,
    FieldStatus,
    HouseholdSource,
    HouseholdType,
    IndicatorOutcome,
    IndicatorResult,
    LeaveReason,
    MemberFacts,
    Relation,
    RosterMember,
)
from faemban_domain.eventsourcing.aggregate import Aggregate, on_event
from faemban_domain.income import income_of
from faemban_registry.domain import events as ev
from faemban_registry.domain.members import Address, Circumstances
from faemban_registry.domain.new_household import Assessed
from faemban_registry.domain.verification import verification_category

CertificationStatus = Literal["to_verify", "verified", "certified", "approved"]
"""Where a household stands in the campaign: only ``approved`` ones get plans."""

Decision = Literal["certify", "approve", "return"]


@dataclass(frozen=True)
class _Step:
    allowed: tuple[CertificationStatus, ...]
    refusal: str


_CERTIFICATION_STEPS: dict[tuple[Decision, CertificationLevel], _Step] = {
    ("certify", "district"): _Step(("verified",), "only verified households are certified"),
    ("approve", "province"): _Step(("certified",), "only certified households are approved"),
    ("return", "district"): _Step(("verified", "certified"), "the district cannot return it"),
    ("return", "province"): _Step(("certified",), "the province cannot return it"),
}
"""The campaign's one guarded transition (docs/domain.md, "Certification"): who may take which
step from which status. A return sends the household back to ``to_verify``."""


@dataclass
class Roster:
    """The household's current members; ids (M1, M2, …) are never reused."""

    members: dict[str, RosterMember] = field(default_factory=dict)
    head_member_id: str | None = None
    members_ever: int = 0

    def ordered(self) -> list[RosterMember]:
        return sorted(self.members.values(), key=lambda m: int(m.member_id[1:]))

    def facts(self) -> tuple[MemberFacts, ...]:
        return tuple(m.facts for m in self.members.values())

    def next_id(self, offset: int = 0) -> str:
        return f"M{self.members_ever + offset + 1}"

    def add(self, member: RosterMember) -> None:
        self.members[member.member_id] = member
        self.members_ever = max(self.members_ever, int(member.member_id[1:]))

    def make_head(self, member_id: str) -> None:
        self.members[member_id] = self.members[member_id].model_copy(update={"relation": "head"})
        self.head_member_id = member_id


def check_area(area_code: str, where: str = "area_code") -> list[FieldError]:
    level = areas.level_of(area_code)
    if level not in ("village", "subdistrict"):
        return [FieldError(where, "must be a 6-digit subdistrict or 8-digit village code")]
    if not areas.is_known(area_code):
        return [FieldError(where, f"unknown area {area_code}")]
    return []


_SOURCES = get_args(HouseholdSource)


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
        if self.source not in _SOURCES:
            errors.append(FieldError("source", f"must be one of {list(_SOURCES)}"))
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
    events = ev.HOUSEHOLD_EVENTS

    def __init__(self, household_id: str) -> None:
        super().__init__(household_id)
        self.registration: ev.Registered | None = None
        """The facts it entered the registry with (TPMAP's counts and flags)."""
        self.area_code: str = ""
        self.field_status: FieldStatus | None = None
        self.verification: ev.Verified | None = None
        self.details: ev.DetailsRecorded | None = None
        """The family book as last recorded (its member list as of then: ``roster`` is current)."""
        self.roster = Roster()
        self.status: CertificationStatus = "to_verify"
        self.last_return: ev.CertificationReturned | None = None

    @property
    def cohort_year(self) -> int:
        return self.registration.cohort_year if self.registration else 0

    @property
    def source(self) -> HouseholdSource | None:
        return self.registration.source if self.registration else None

    @property
    def head_member_id(self) -> str | None:
        return self.roster.head_member_id

    @property
    def failing_indicators(self) -> tuple[str, ...]:
        """What fails now: the field's verified results once verified, TPMAP's flags before."""
        if self.verification is not None:
            results = self.verification.indicator_results
            return tuple(sorted(code for code, outcome in results.items() if outcome.result == "fails"))
        return tuple(sorted(self.registration.tpmap_failing_indicators)) if self.registration else ()

    @property
    def survey_year(self) -> int:
        return self.verification.survey_year if self.verification else self.cohort_year

    # -- commands ---------------------------------------------------------

    @classmethod
    def register(cls, household_id: str, registration: Registration) -> Household:
        id_problem = bounds.household_id_problem(household_id)
        if id_problem:
            raise InvalidInput([FieldError("household_id", id_problem)])
        registration.validate()
        household = cls(household_id)
        household._trigger(
            ev.Registered(
                household_id=household_id,
                area_code=registration.area_code,
                cohort_year=registration.cohort_year,
                source=registration.source,
                members=registration.members,
                welfare_card_holders=registration.welfare_card_holders,
                elderly=registration.elderly,
                disabled=registration.disabled,
                chronically_ill=registration.chronically_ill,
                total_income=registration.total_income,
                average_income=registration.average_income,
                tpmap_failing_indicators=list(dict.fromkeys(registration.tpmap_failing_indicators)),
            )
        )
        return household

    @classmethod
    def register_new(cls, household_id: str, form: NewHouseholdForm, verified_at: datetime) -> Household:
        """A household found in the field (ศจพ.2): registered, described and checked at once.

        It has no TPMAP flags, so every failing indicator is "new" and there is
        no ศจพ.1 category (docs/domain.md, "Verification").
        """
        if form.source == "tpmap":
            raise InvalidInput([FieldError("source", "a ศจพ.2 household is exclusion_error or vulnerable")])
        facts = [f for _, f in form.members]
        household = cls.register(household_id, registration_from_members(form, facts))
        household.record_details(form.address, form.circumstances, form.members)
        household._trigger(
            ev.Verified.model_validate(
                {
                    "household_id": household_id,
                    "area_code": form.area_code,
                    "survey_year": form.survey_year,
                    "indicator_results": form.assessed.results,
                    "verification_category": None,
                    "field_status": form.field_status,
                    "household_type": form.household_type,
                    "members": facts,
                    "total_income": form.assessed.total_income,
                    "average_income": form.assessed.average_income,
                    "verified_at": verified_at,
                }
            )
        )
        return household

    def member_facts(self) -> tuple[MemberFacts, ...]:
        return self.roster.facts()

    def record_field_status(self, status: FieldStatus) -> None:
        if status not in get_args(FieldStatus):
            raise InvalidInput([FieldError("field_status", f"must be one of {list(get_args(FieldStatus))}")])
        if status == self.field_status:
            return
        self._trigger(
            ev.FieldStatusRecorded(household_id=self.id, area_code=self.area_code, field_status=status)
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
        if members and self.roster.members:
            raise StateConflict(
                [FieldError("members", "members are already recorded: add or remove them one by one")]
            )
        errors = address.check()
        heads = [i for i, (relation, _) in enumerate(members) if relation == "head"]
        if members and len(heads) != 1:
            errors.append(FieldError("members", f"exactly one member must be the head (found {len(heads)})"))
        if errors:
            raise InvalidInput(errors)
        ids = [self.roster.next_id(i) for i in range(len(members))]
        roster = [
            RosterMember(member_id=mid, relation=relation, facts=facts)
            for mid, (relation, facts) in zip(ids, members, strict=True)
        ]
        self._trigger(
            ev.DetailsRecorded(
                household_id=self.id,
                area_code=self.area_code,
                house_number_status=address.house_number_status,
                land_tenure=circumstances.land_tenure,
                wish_for_help=circumstances.wish_for_help,
                kinds_of_help=list(dict.fromkeys(circumstances.kinds_of_help)),
                community_funds=list(dict.fromkeys(circumstances.community_funds)),
                khok_nong_na=circumstances.khok_nong_na,
                pinned=address.pinned,
                head_member_id=ids[heads[0]] if members else self.roster.head_member_id,
                members=roster if members else list(self.roster.members.values()),
            )
        )
        return ids

    def _require_roster(self) -> None:
        if not self.roster.members:
            raise StateConflict(
                [FieldError("members", "record the household's members first (PUT .../details)")]
            )

    def _require_member(self, member_id: str, where: str = "member_id") -> None:
        if member_id not in self.roster.members:
            raise InvalidInput([FieldError(where, f"{member_id} is not a current member of {self.id}")])

    def add_member(self, relation: Relation, facts: MemberFacts) -> str:
        self._require_roster()
        if relation == "head":
            raise InvalidInput(
                [FieldError("relation", "the household has a head: name a new one when they leave")]
            )
        member_id = self.roster.next_id()
        self._trigger(
            ev.MemberAdded(
                household_id=self.id,
                area_code=self.area_code,
                member=RosterMember(member_id=member_id, relation=relation, facts=facts),
                members=len(self.roster.members) + 1,
            )
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
            ev.MemberLeft(
                household_id=self.id,
                area_code=self.area_code,
                member_id=member_id,
                reason=reason,
                new_head_member_id=new_head_member_id,
                members=len(self.roster.members) - 1,
            )
        )

    def head_deceased(self, new_head_member_id: str) -> None:
        self._require_roster()
        self._check_new_head(new_head_member_id)
        assert self.head_member_id is not None
        self._trigger(
            ev.HeadDeceased(
                household_id=self.id,
                area_code=self.area_code,
                former_head_member_id=self.head_member_id,
                new_head_member_id=new_head_member_id,
                members=len(self.roster.members) - 1,
            )
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
        self._trigger(ev.Moved(household_id=self.id, from_area_code=self.area_code, area_code=to_area_code))

    def verify(self, v: FieldVerification, verified_at: datetime) -> str | None:
        """Record a ศจพ.1 verification; a later one supersedes it, both stay in the stream."""
        flagged = set(self.registration.tpmap_failing_indicators if self.registration else ())
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
        results: dict[str, IndicatorOutcome] = {}
        for ind in rules.indicators:
            if ind.code in confirmed:
                results[ind.code] = IndicatorOutcome(result="fails", established_by="tpmap_confirmed")
            elif ind.code in new:
                results[ind.code] = IndicatorOutcome(result="fails", established_by="new")
            else:
                how: Establishment = "tpmap_rejected" if ind.code in rejected else "tpmap_unflagged"
                result: IndicatorResult = "met" if applies(ind, members) else "not_applicable"
                results[ind.code] = IndicatorOutcome(result=result, established_by=how)
        # Members' incomes when the form gives any (a member without one, e.g. a child, earns 0).
        total, average = income_of(members, v.total_income)
        self._trigger(
            ev.Verified(
                household_id=self.id,
                area_code=self.area_code,
                survey_year=v.survey_year,
                indicator_results=results,
                verification_category=category,
                field_status=v.field_status,
                household_type=v.household_type,
                members=list(members),
                total_income=total,
                average_income=average,
                verified_at=verified_at,
            )
        )
        return category

    def decide(
        self,
        decision: Decision,
        level: CertificationLevel,
        at: datetime,
        campaign: CampaignCalendar,
        reason: str | None = None,
    ) -> None:
        """The district certifies or returns; the province approves or returns (one guarded step)."""
        step = _CERTIFICATION_STEPS.get((decision, level))
        if step is None:
            raise InvalidInput([FieldError("level", f"the {level} does not {decision}")])
        if self.status not in step.allowed:
            raise StateConflict([FieldError(f"households.{self.id}", f"is {self.status}; {step.refusal}")])
        hid, area, year = self.id, self.area_code, self.survey_year
        due, late = campaign.due(level), campaign.is_late(level, at)
        if decision == "return":
            if not (reason or "").strip():
                raise InvalidInput([FieldError(f"returns.{self.id}.reason", "say why it goes back")])
            assert reason is not None
            self._trigger(
                ev.CertificationReturned(
                    household_id=hid,
                    area_code=area,
                    survey_year=year,
                    level=level,
                    reason=reason.strip(),
                    returned_at=at,
                    due=due,
                    late=late,
                )
            )
        elif decision == "certify":
            self._trigger(
                ev.Certified(
                    household_id=hid, area_code=area, survey_year=year, certified_at=at, due=due, late=late
                )
            )
        else:
            self._trigger(
                ev.Approved(
                    household_id=hid, area_code=area, survey_year=year, approved_at=at, due=due, late=late
                )
            )

    def certify(self, at: datetime, campaign: CampaignCalendar) -> None:
        """The district certifies the household's verification (ศจพ.อ.)."""
        self.decide("certify", "district", at, campaign)

    def approve(self, at: datetime, campaign: CampaignCalendar) -> None:
        """The province approves a certified household (ศจพ.จ.); only now may plans be made."""
        self.decide("approve", "province", at, campaign)

    def return_for_verification(
        self, level: CertificationLevel, reason: str, at: datetime, campaign: CampaignCalendar
    ) -> None:
        """Send back to the field team: the district from verified, the province from certified."""
        self.decide("return", level, at, campaign, reason)

    # -- state --------------------------------------------------------------

    @on_event
    def _registered(self, event: ev.Registered) -> None:
        self.registration = event
        self.area_code = event.area_code

    @on_event
    def _field_status_recorded(self, event: ev.FieldStatusRecorded) -> None:
        self.field_status = event.field_status

    @on_event
    def _verified(self, event: ev.Verified) -> None:
        self.field_status = event.field_status
        self.verification = event
        self.status = "verified"

    @on_event
    def _details_recorded(self, event: ev.DetailsRecorded) -> None:
        self.details = event
        members_ever = self.roster.members_ever
        self.roster = Roster(head_member_id=event.head_member_id, members_ever=members_ever)
        for member in event.members:
            self.roster.add(member)

    @on_event
    def _member_added(self, event: ev.MemberAdded) -> None:
        self.roster.add(event.member)

    @on_event
    def _member_left(self, event: ev.MemberLeft) -> None:
        del self.roster.members[event.member_id]
        if event.new_head_member_id:
            self.roster.make_head(event.new_head_member_id)

    @on_event
    def _head_deceased(self, event: ev.HeadDeceased) -> None:
        del self.roster.members[event.former_head_member_id]
        self.roster.make_head(event.new_head_member_id)
        self.field_status = "head_deceased"

    @on_event
    def _moved(self, event: ev.Moved) -> None:
        self.area_code = event.area_code

    @on_event
    def _certified(self, event: ev.Certified) -> None:
        self.status = "certified"

    @on_event
    def _returned(self, event: ev.CertificationReturned) -> None:
        self.status = "to_verify"
        self.last_return = event

    @on_event
    def _approved(self, event: ev.Approved) -> None:
        self.status = "approved"


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
