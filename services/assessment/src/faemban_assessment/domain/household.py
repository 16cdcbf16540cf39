"""The household's assessment history as an event-sourced aggregate.

Each registry fact becomes a ``FactsRecorded`` event when it changes what the
assessment knows; each assessment that differs from the last (indicators,
dimensions, measures, outcome, area or survey year — not merely the rules'
fingerprint or the time) becomes an ``Assessed`` event, the one that is
published. The history of ``Assessed`` events is a step function of time:
"as of" an instant is the last one recorded at or before it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from faemban_assessment.domain import events as ev
from faemban_assessment.domain.assessment import Assessment, assess
from faemban_assessment.domain.facts import HouseholdFacts
from faemban_domain.errors import FieldError, StateConflict
from faemban_domain.events.contracts import AssessmentCause
from faemban_domain.eventsourcing.aggregate import Aggregate, on_event
from faemban_domain.indicators import RuleSet

RulesFor = Callable[[int], RuleSet]
_NOT_COMPARED = {"as_of", "cause", "rules"}


def same_result(a: ev.Assessed, b: ev.Assessed) -> bool:
    """Two assessments say the same thing (times, causes and rule fingerprints aside)."""
    return a.model_dump(exclude=_NOT_COMPARED) == b.model_dump(exclude=_NOT_COMPARED)


class HouseholdAssessment(Aggregate):
    stream_prefix = "assessment-"
    events = ev.ASSESSMENT_EVENTS

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.facts: HouseholdFacts | None = None
        self.survey_year = 0
        self.last: ev.Assessed | None = None
        self.attested = False
        self.open_plans: set[str] = set()
        self.plan_closed_at: datetime | None = None
        self.survived_after_close: dict[int, bool] = {}
        """Survey year → "survive" of that year's latest assessment since the plan closed."""
        self.since_plan_opened: list[tuple[int, datetime, bool]] = []
        """(survey year, as of, survive) of each assessment while a plan is open: a closing
        that arrives after assessments it precedes (planning's topic is not ordered with the
        registry's) still counts them."""

    # -- commands ---------------------------------------------------------

    def observe(
        self, cause: AssessmentCause, facts: HouseholdFacts, at: datetime, rules_for: RulesFor
    ) -> None:
        """New facts from the registry; unchanged facts record and publish nothing."""
        if facts == self.facts:
            return
        self._trigger(ev.FactsRecorded(cause=cause, at=at, facts=facts.to_json()))
        self._assess(cause, at, rules_for)

    def reassess(self, survey_year: int, at: datetime, rules_for: RulesFor) -> bool:
        """Assess again under ``survey_year``'s rules (never an earlier year than the household's).

        Returns whether a new assessment was recorded.
        """
        if self.facts is None:
            return False
        if survey_year > self.survey_year:
            self._trigger(ev.SurveyYearOpened(survey_year=survey_year, at=at))
        before = len(self.pending)
        self._assess("reassessed", at, rules_for)
        return any(isinstance(e, ev.Assessed) for e in self.pending[before:])

    def attest_sufficiency(self, at: datetime, reason: str, role: str, rules_for: RulesFor) -> None:
        """An officer attests the household lives moderately and can model for others (พอเพียง)."""
        if self.last is None or not self.last.survive:
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
        self._trigger(ev.SufficiencyAttested(at=at, reason=reason, role=role))
        self._assess("sufficiency_attested", at, rules_for)

    def plan_opened(self, plan_id: str, at: datetime) -> None:
        if plan_id in self.open_plans:
            return
        self._trigger(ev.PlanOpened(plan_id=plan_id, at=at))

    def plan_closed(self, plan_id: str, at: datetime, rules_for: RulesFor) -> None:
        """From here the ladder counts yearly assessments.

        Closing changes no assessment itself, unless it arrives after an assessment it
        precedes: planning's events reach this service on their own topic, unordered with the
        registry's. Then the outcome is derived again as of that assessment, as it would have
        been had the closing arrived first (recorded as ``reassessed`` — same facts, same rules;
        docs/domain.md, "Assessment").
        """
        self._trigger(ev.PlanClosed(plan_id=plan_id, at=at))
        if self.last is not None and self.last.as_of >= at:
            self._assess("reassessed", self.last.as_of, rules_for)

    # -- the assessment ---------------------------------------------------

    def _assess(self, cause: AssessmentCause, at: datetime, rules_for: RulesFor) -> None:
        if self.facts is None:
            return
        assessment = assess(self.facts, rules_for(self.survey_year), self.survey_year)
        # The history is a step function: an assessment never predates the one before it.
        if self.last is not None:
            at = max(at, self.last.as_of)
        assessed = ev.Assessed.model_validate(
            {
                "household_id": self.id,
                "area_code": self.facts.area_code,
                **assessment.to_record_json(),
                "outcome": self._outcome(assessment, at),
                "as_of": at,
                "cause": cause,
            }
        )
        if self.last is not None and same_result(self.last, assessed):
            return
        self._trigger(assessed)

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

    @on_event
    def _facts_recorded(self, event: ev.FactsRecorded) -> None:
        self.facts = HouseholdFacts.from_json(event.facts)
        # A later survey year's facts open that year; a re-assessment may have opened a later one.
        self.survey_year = max(self.survey_year, self.facts.survey_year)

    @on_event
    def _survey_year_opened(self, event: ev.SurveyYearOpened) -> None:
        self.survey_year = event.survey_year

    @on_event
    def _assessed_as_v1(self, event: ev.AssessedAsV1) -> None:
        """A stream written before ``Assessed``: read as one (upcast on replay)."""
        self._assessed(ev.Assessed.of_v1(event))

    @on_event
    def _assessed(self, event: ev.Assessed) -> None:
        self.last = event
        if self.open_plans:
            self.since_plan_opened.append((event.survey_year, event.as_of, event.survive))
        if not event.survive:
            self.attested = False  # an attestation lapses when the household falls back
        if self.plan_closed_at is not None and not self.open_plans and event.as_of >= self.plan_closed_at:
            self.survived_after_close[event.survey_year] = event.survive

    @on_event
    def _sufficiency_attested(self, event: ev.SufficiencyAttested) -> None:
        self.attested = True

    @on_event
    def _plan_opened(self, event: ev.PlanOpened) -> None:
        self.open_plans.add(event.plan_id)
        self.survived_after_close = {}
        self.since_plan_opened = []

    @on_event
    def _plan_closed(self, event: ev.PlanClosed) -> None:
        self.open_plans.discard(event.plan_id)
        self.plan_closed_at = event.at
        self.survived_after_close = (
            {year: survive for year, as_of, survive in self.since_plan_opened if as_of >= event.at}
            if not self.open_plans
            else {}
        )
