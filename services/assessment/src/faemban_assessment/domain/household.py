"""The household's assessment history as an event-sourced aggregate.

Each registry fact becomes a ``FactsRecorded`` event when it changes what the
assessment knows; each assessment that differs from the last (indicators,
dimensions, measures, outcome, area or survey year — not merely the rules'
fingerprint or the time) becomes an ``Assessed`` event, the one that is
published. The history of ``Assessed`` events is a step function of time:
"as of" an instant is the last one recorded at or before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from faemban_assessment.domain.assessment import Assessment, assess
from faemban_assessment.domain.facts import HouseholdFacts
from faemban_domain.errors import FieldError, StateConflict
from faemban_domain.events.contracts import AssessmentCause
from faemban_domain.eventsourcing.aggregate import Aggregate
from faemban_domain.indicators import RuleSet

FACTS_RECORDED = "FactsRecorded"
SURVEY_YEAR_OPENED = "SurveyYearOpened"
ASSESSED = "Assessed"
SUFFICIENCY_ATTESTED = "SufficiencyAttested"
PLAN_OPENED = "PlanOpened"
PLAN_CLOSED = "PlanClosed"

RulesFor = Callable[[int], RuleSet]
_NOT_COMPARED = frozenset({"as_of", "cause", "rules"})


def same_result(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two assessments say the same thing (times, causes and rule fingerprints aside)."""
    return {k: v for k, v in a.items() if k not in _NOT_COMPARED} == {
        k: v for k, v in b.items() if k not in _NOT_COMPARED
    }


class HouseholdAssessment(Aggregate):
    stream_prefix = "assessment-"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.facts: HouseholdFacts | None = None
        self.survey_year = 0
        self.last: dict[str, Any] | None = None
        self.attested = False
        self.open_plans: set[str] = set()
        self.plan_closed_at: datetime | None = None
        self.survived_after_close: dict[int, bool] = {}
        """Survey year → "survive" of that year's latest assessment since the plan closed."""

    # -- commands ---------------------------------------------------------

    def observe(
        self, cause: AssessmentCause, facts: HouseholdFacts, at: datetime, rules_for: RulesFor
    ) -> None:
        """New facts from the registry; unchanged facts record and publish nothing."""
        if facts == self.facts:
            return
        self._trigger(FACTS_RECORDED, {"cause": cause, "at": at.isoformat(), "facts": facts.to_json()})
        self._assess(cause, at, rules_for)

    def reassess(self, survey_year: int, at: datetime, rules_for: RulesFor) -> bool:
        """Assess again under ``survey_year``'s rules (never an earlier year than the household's).

        Returns whether a new assessment was recorded.
        """
        if self.facts is None:
            return False
        if survey_year > self.survey_year:
            self._trigger(SURVEY_YEAR_OPENED, {"survey_year": survey_year, "at": at.isoformat()})
        before = len(self._pending)
        self._assess("reassessed", at, rules_for)
        return any(e.type == ASSESSED for e in self._pending[before:])

    def attest_sufficiency(self, at: datetime, reason: str, role: str, rules_for: RulesFor) -> None:
        """An officer attests the household lives moderately and can model for others (พอเพียง)."""
        if self.last is None or not self.last["survive"]:
            raise StateConflict(
                [
                    FieldError(
                        "household_id",
                        "only a household that survives (not deprived in income, living and health) "
                        "can be attested sufficient",
                    )
                ]
            )
        if self.attested:
            raise StateConflict([FieldError("household_id", "the household is already attested sufficient")])
        self._trigger(SUFFICIENCY_ATTESTED, {"at": at.isoformat(), "reason": reason, "role": role})
        self._assess("sufficiency_attested", at, rules_for)

    def plan_opened(self, plan_id: str, at: datetime) -> None:
        if plan_id in self.open_plans:
            return
        self._trigger(PLAN_OPENED, {"plan_id": plan_id, "at": at.isoformat()})

    def plan_closed(self, plan_id: str, at: datetime) -> None:
        """From here the ladder counts yearly assessments; closing changes no assessment itself."""
        self._trigger(PLAN_CLOSED, {"plan_id": plan_id, "at": at.isoformat()})

    # -- the assessment ---------------------------------------------------

    def _assess(self, cause: AssessmentCause, at: datetime, rules_for: RulesFor) -> None:
        if self.facts is None:
            return
        assessment = assess(self.facts, rules_for(self.survey_year), self.survey_year)
        # The history is a step function: an assessment never predates the one before it.
        if self.last is not None:
            at = max(at, datetime.fromisoformat(self.last["as_of"]))
        data = {
            "household_id": self.id,
            "area_code": self.facts.area_code,
            **assessment.to_json(),
            "outcome": self._outcome(assessment, at),
            "as_of": at.isoformat(),
            "cause": cause,
        }
        if self.last is not None and same_result(self.last, data):
            return
        self._trigger(ASSESSED, data)

    def _outcome(self, a: Assessment, at: datetime) -> str:
        """The ladder: survive → sufficient (attested) → sustainable (two surviving years after the plan)."""
        if not a.survive:
            return "none"
        if self.plan_closed_at is not None and not self.open_plans and at >= self.plan_closed_at:
            years = {**self.survived_after_close, a.survey_year: True}
            if years.get(a.survey_year - 1):
                return "sustainable"
        if self.attested:
            return "sufficient"
        return "survive"

    # -- state --------------------------------------------------------------

    def _apply(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type == FACTS_RECORDED:
            self.facts = HouseholdFacts.from_json(data["facts"])
            # A later survey year's facts open that year; a re-assessment may have opened a later one.
            self.survey_year = max(self.survey_year, self.facts.survey_year)
        elif event_type == SURVEY_YEAR_OPENED:
            self.survey_year = data["survey_year"]
        elif event_type == ASSESSED:
            self.last = data
            if not data["survive"]:
                self.attested = False  # an attestation lapses when the household falls back
            at = datetime.fromisoformat(data["as_of"])
            if self.plan_closed_at is not None and not self.open_plans and at >= self.plan_closed_at:
                self.survived_after_close[data["survey_year"]] = data["survive"]
        elif event_type == SUFFICIENCY_ATTESTED:
            self.attested = True
        elif event_type == PLAN_OPENED:
            self.open_plans.add(data["plan_id"])
            self.survived_after_close = {}
        elif event_type == PLAN_CLOSED:
            self.open_plans.discard(data["plan_id"])
            self.plan_closed_at = datetime.fromisoformat(data["at"])
            self.survived_after_close = {}
        else:
            raise ValueError(f"unknown event {event_type}")
