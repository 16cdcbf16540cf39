"""The Household aggregate of the registry.

A household's stream starts with its registration and records every change
of its facts. Rules about a household's facts are checked here, once, for
every entrypoint (API, import, CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from faemban_domain import areas, indicators
from faemban_domain.applicability import applies, why_not
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.events.contracts import FieldStatus, HouseholdSource, HouseholdType, MemberFacts
from faemban_domain.eventsourcing.aggregate import Aggregate
from faemban_registry.domain.verification import verification_category

REGISTERED = "HouseholdRegistered"
FIELD_STATUS_RECORDED = "HouseholdFieldStatusRecorded"
VERIFIED = "HouseholdVerified"


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
        errors: list[FieldError] = []
        level = areas.level_of(self.area_code)
        if level not in ("village", "subdistrict"):
            errors.append(FieldError("area_code", "must be a 6-digit subdistrict or 8-digit village code"))
        elif not areas.is_known(self.area_code):
            errors.append(FieldError("area_code", f"unknown area {self.area_code}"))
        if self.source not in get_args(HouseholdSource):
            errors.append(FieldError("source", f"must be one of {list(get_args(HouseholdSource))}"))
        if not 2000 <= self.cohort_year <= 2100:
            errors.append(FieldError("cohort_year", "must be a CE year (BE years are converted on input)"))
        if self.members < 1:
            errors.append(FieldError("members", "a household has at least one member"))
        for name in ("welfare_card_holders", "elderly", "disabled", "chronically_ill"):
            value = getattr(self, name)
            if value < 0:
                errors.append(FieldError(name, "must not be negative"))
            elif value > self.members:
                errors.append(FieldError(name, f"cannot exceed members ({self.members})"))
        if self.total_income is not None and self.total_income < 0:
            errors.append(FieldError("total_income", "must not be negative"))
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

    @classmethod
    def register(cls, household_id: str, registration: Registration) -> Household:
        if not household_id or len(household_id) > 64:
            raise InvalidInput([FieldError("household_id", "must be 1–64 characters")])
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

    def record_field_status(self, status: FieldStatus) -> None:
        if status not in get_args(FieldStatus):
            raise InvalidInput([FieldError("field_status", f"must be one of {list(get_args(FieldStatus))}")])
        if status == self.field_status:
            return
        self._trigger(
            FIELD_STATUS_RECORDED,
            {"household_id": self.id, "area_code": self.area_code, "field_status": status},
        )

    def verify(self, v: FieldVerification, verified_at: str) -> str:
        """Record a ศจพ.1 verification; a later one supersedes it, both stay in the stream."""
        flagged = set(self.facts.get("tpmap_failing_indicators", []))
        errors: list[FieldError] = []
        try:
            rules = indicators.rule_set(v.survey_year)
        except LookupError:
            raise InvalidInput([FieldError("survey_year", f"no indicator set for {v.survey_year}")]) from None
        if not v.members:
            errors.append(FieldError("members", "list at least one member (ages and statuses)"))
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
            if code in rules.codes and v.members and not applies(rules.indicator(code), v.members):
                where = (
                    f"indicators.{code}" if code in confirmed else f"new_failing[{v.new_failing.index(code)}]"
                )
                errors.append(FieldError(where, f"{code} cannot fail: {why_not(rules.indicator(code))}"))
        if errors:
            raise InvalidInput(errors)
        category = verification_category(confirmed, rejected, new)
        results: dict[str, dict[str, str]] = {}
        for ind in rules.indicators:
            if ind.code in confirmed:
                results[ind.code] = {"result": "fails", "established_by": "tpmap_confirmed"}
            elif ind.code in new:
                results[ind.code] = {"result": "fails", "established_by": "new"}
            else:
                how = "tpmap_rejected" if ind.code in rejected else "tpmap_unflagged"
                result = "met" if applies(ind, v.members) else "not_applicable"
                results[ind.code] = {"result": result, "established_by": how}
        # Members' incomes when the form gives any (a member without one, e.g. a child, earns 0).
        incomes = [m.annual_income for m in v.members if m.annual_income is not None]
        total = v.total_income
        if total is None and incomes:
            total = float(sum(incomes))
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
                "members": [m.model_dump(mode="json") for m in v.members],
                "total_income": total,
                "average_income": round(total / len(v.members), 2) if total is not None else None,
                "verified_at": verified_at,
            },
        )
        return category

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
        else:
            raise ValueError(f"Household cannot apply {event_type}")
