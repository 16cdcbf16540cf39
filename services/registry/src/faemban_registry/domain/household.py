"""The Household aggregate of the registry.

A household's stream starts with its registration and records every change
of its facts. Rules about a household's facts are checked here, once, for
every entrypoint (API, import, CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from faemban_domain import areas, indicators
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.events.contracts import FieldStatus, HouseholdSource
from faemban_domain.eventsourcing.aggregate import Aggregate

REGISTERED = "HouseholdRegistered"
FIELD_STATUS_RECORDED = "HouseholdFieldStatusRecorded"


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


class Household(Aggregate):
    stream_prefix = "household-"

    def __init__(self, household_id: str) -> None:
        super().__init__(household_id)
        self.area_code: str = ""
        self.cohort_year: int = 0
        self.source: str = ""
        self.facts: dict[str, Any] = {}
        self.field_status: str | None = None

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

    def _apply(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type == REGISTERED:
            self.area_code = data["area_code"]
            self.cohort_year = data["cohort_year"]
            self.source = data["source"]
            self.facts = dict(data)
        elif event_type == FIELD_STATUS_RECORDED:
            self.field_status = data["field_status"]
        else:
            raise ValueError(f"Household cannot apply {event_type}")
