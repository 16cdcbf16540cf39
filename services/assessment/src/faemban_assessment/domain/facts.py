"""What the assessment knows of a household: the registry's facts, PII-free.

Every registry event the assessment listens to turns into a new snapshot of
these facts (a pure function here). The aggregate stores the snapshot, so a
later re-assessment under another survey year's rules needs nothing but its
own stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from faemban_domain.events.contracts import (
    HouseholdDetailsRecordedV1,
    HouseholdMemberAddedV1,
    HouseholdMovedV1,
    HouseholdRegisteredV1,
    HouseholdVerifiedV1,
    MemberFacts,
)
from faemban_domain.income import income_of

Finding = tuple[str, str]
"""(result, basis) of one indicator as the registry recorded it."""


@dataclass(frozen=True, slots=True)
class Counts:
    """TPMAP's counts, the only member facts of a household nobody has visited yet."""

    members: int = 0
    welfare_card_holders: int = 0
    elderly: int = 0
    disabled: int = 0
    chronically_ill: int = 0


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    area_code: str
    survey_year: int
    findings: Mapping[str, Finding] = field(default_factory=dict)
    members: tuple[MemberFacts, ...] | None = None
    """The members as last recorded (verification or family book); None: only counts known."""
    roster: Mapping[str, MemberFacts] | None = None
    """The family book's members by their opaque id, to follow joins and departures."""
    counts: Counts = Counts()
    total_income: float | None = None
    average_income: float | None = None

    @property
    def welfare_card(self) -> bool:
        if self.members is not None:
            return any(m.welfare_card for m in self.members)
        return self.counts.welfare_card_holders > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "area_code": self.area_code,
            "survey_year": self.survey_year,
            "findings": {c: list(f) for c, f in sorted(self.findings.items())},
            "members": None if self.members is None else [m.model_dump(mode="json") for m in self.members],
            "roster": None
            if self.roster is None
            else {k: m.model_dump(mode="json") for k, m in self.roster.items()},
            "counts": {
                "members": self.counts.members,
                "welfare_card_holders": self.counts.welfare_card_holders,
                "elderly": self.counts.elderly,
                "disabled": self.counts.disabled,
                "chronically_ill": self.counts.chronically_ill,
            },
            "total_income": self.total_income,
            "average_income": self.average_income,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> HouseholdFacts:
        return cls(
            area_code=raw["area_code"],
            survey_year=raw["survey_year"],
            findings={c: (f[0], f[1]) for c, f in raw["findings"].items()},
            members=None
            if raw["members"] is None
            else tuple(MemberFacts.model_validate(m) for m in raw["members"]),
            roster=None
            if raw["roster"] is None
            else {k: MemberFacts.model_validate(m) for k, m in raw["roster"].items()},
            counts=Counts(**raw["counts"]),
            total_income=raw["total_income"],
            average_income=raw["average_income"],
        )


def registered(data: HouseholdRegisteredV1) -> HouseholdFacts:
    """TPMAP's flags (or a ศจพ.2 household's empty list) and counts."""
    return HouseholdFacts(
        area_code=data.area_code,
        survey_year=data.cohort_year,
        findings={code: ("fails", "tpmap") for code in data.tpmap_failing_indicators},
        counts=Counts(
            members=data.members,
            welfare_card_holders=data.welfare_card_holders,
            elderly=data.elderly,
            disabled=data.disabled,
            chronically_ill=data.chronically_ill,
        ),
        total_income=data.total_income,
        average_income=data.average_income,
    )


def verified(facts: HouseholdFacts | None, data: HouseholdVerifiedV1) -> HouseholdFacts:
    """The field's finding supersedes TPMAP's for every indicator, and gives the members."""
    base = facts or HouseholdFacts(area_code=data.area_code, survey_year=data.survey_year)
    return replace(
        base,
        area_code=data.area_code,
        survey_year=max(base.survey_year, data.survey_year),
        findings={code: (r.result, "field") for code, r in data.indicator_results.items()},
        members=tuple(data.members) or base.members,
        total_income=data.total_income,
        average_income=data.average_income,
    )


def details_recorded(facts: HouseholdFacts, data: HouseholdDetailsRecordedV1) -> HouseholdFacts:
    """The family book's roster; an update without members keeps the members known."""
    roster = {m.member_id: m.facts for m in data.members}
    if not roster:
        return replace(facts, area_code=data.area_code)
    return _with_roster(replace(facts, area_code=data.area_code), roster)


def member_added(facts: HouseholdFacts, data: HouseholdMemberAddedV1) -> HouseholdFacts:
    roster = dict(facts.roster or {})
    roster[data.member.member_id] = data.member.facts
    return _with_roster(facts, roster)


def member_gone(facts: HouseholdFacts, member_id: str) -> HouseholdFacts:
    """A member left or died; unknown ids (a roster this service never saw) change nothing."""
    if facts.roster is None or member_id not in facts.roster:
        return facts
    roster = {k: m for k, m in facts.roster.items() if k != member_id}
    return _with_roster(facts, roster)


def moved(facts: HouseholdFacts, data: HouseholdMovedV1) -> HouseholdFacts:
    return replace(facts, area_code=data.area_code)


def _with_roster(facts: HouseholdFacts, roster: Mapping[str, MemberFacts]) -> HouseholdFacts:
    """Members change: so do the incomes (members' own when any is given, else the stated total)."""
    members = tuple(roster.values())
    any_income = any(m.annual_income is not None for m in members)
    total, average = income_of(members, None if any_income else facts.total_income)
    return replace(
        facts,
        roster=dict(roster),
        members=members,
        counts=replace(facts.counts, members=len(members)),
        total_income=total,
        average_income=average,
    )
