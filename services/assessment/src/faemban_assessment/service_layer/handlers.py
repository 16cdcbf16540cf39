"""Assessment use cases: the consumer's policy, re-assessment, reads, attestation.

Commands and queries are handlers of (uow, principal, command); what the registry and
planning publish arrives as typed contract models (``events.payload``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faemban_assessment.domain import events as ev
from faemban_assessment.domain import facts as f
from faemban_assessment.domain.household import HouseholdAssessment
from faemban_assessment.service_layer.unit_of_work import AssessmentUnitOfWork
from faemban_domain import context, indicators
from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import payload
from faemban_domain.indicators import rules_for
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.unit_of_work import Transactions

CONSUMED = frozenset(
    c.type_of(model)
    for model in (
        c.HouseholdRegisteredV1,
        c.HouseholdVerifiedV1,
        c.HouseholdDetailsRecordedV1,
        c.HouseholdMemberAddedV1,
        c.HouseholdMemberLeftV1,
        c.HouseholdHeadDeceasedV1,
        c.HouseholdMovedV1,
        c.PlanCreatedV1,
        c.PlanClosedV1,
    )
)


def apply_registry_event(agg: HouseholdAssessment, event: CloudEvent) -> None:
    """One consumed event on the household's assessment (facts first, then the assessment)."""
    data = payload(event)
    at = event.time
    current = agg.facts
    match data:
        case c.HouseholdRegisteredV1():
            if current is None:  # a household is registered once; a replayed copy changes nothing
                agg.observe("registered", f.registered(data), at, rules_for)
        case c.HouseholdVerifiedV1():
            agg.observe("verified", f.verified(current, data), at, rules_for)
        case c.PlanCreatedV1():
            agg.plan_opened(data.plan_id, at)
        case c.PlanClosedV1():
            agg.plan_closed(data.plan_id, data.closed_at, rules_for)
        case _ if current is None:
            return  # member facts of a household this service never saw registered: nothing to assess
        case c.HouseholdDetailsRecordedV1():
            agg.observe("details_recorded", f.details_recorded(current, data), at, rules_for)
        case c.HouseholdMemberAddedV1():
            agg.observe("members_changed", f.member_added(current, data), at, rules_for)
        case c.HouseholdMemberLeftV1():
            agg.observe("members_changed", f.member_gone(current, data.member_id), at, rules_for)
        case c.HouseholdHeadDeceasedV1():
            agg.observe("members_changed", f.member_gone(current, data.former_head_member_id), at, rules_for)
        case c.HouseholdMovedV1():
            agg.observe("moved", f.moved(current, data), at, rules_for)


async def assess_events(uow: AssessmentUnitOfWork, events: Sequence[CloudEvent]) -> None:
    """The consumer's work for a run of events: each household loaded once, saved at flush."""
    wanted = [e for e in events if e.subject]
    aggs = await uow.assessments.get_or_start([e.subject for e in wanted])
    for event in wanted:
        # each assessment names the event it answers (the batch is saved in one write)
        with context.caused_by(event.id, event.correlationid):
            apply_registry_event(aggs[event.subject], event)


@dataclass(frozen=True)
class Reassess:
    survey_year: int
    at: datetime
    area: str | None = None
    batch: int = 500


@dataclass(frozen=True)
class ReassessReport:
    survey_year: int
    rules: str
    households: int
    reassessed: int
    """Households whose assessment changed and was recorded (and published)."""


async def reassess_all(
    transactions: Transactions[AssessmentUnitOfWork], principal: Principal, command: Reassess
) -> ReassessReport:
    """Every household (of ``area``) again under ``survey_year``'s rules, a batch per transaction.

    Province officers re-assess their province; an admin may re-assess everyone. Old
    assessments stay in each stream; a household whose result does not change gets no
    new assessment.
    """
    if command.area is not None:
        principal.ensure_area(command.area)
    elif "admin" not in principal.roles:
        raise InvalidInput([FieldError("area", "name the area to re-assess (only an admin re-assesses all)")])
    try:
        indicators.rule_set(command.survey_year)
    except LookupError:
        raise InvalidInput([FieldError("survey_year", f"no rule set covers {command.survey_year}")]) from None
    rules = rules_for(command.survey_year)
    after = ""
    households = changed = 0
    while True:
        async with transactions.reading() as uow:
            ids = await uow.assessments.ids_after(after, command.batch)
        if not ids:
            break
        after = ids[-1]
        # a batch that meets a concurrent consumer write runs again from a fresh load
        seen, n = await transactions.run(_reassess_batch, principal, (command, ids), retries=2)
        households += seen
        changed += n
    return ReassessReport(command.survey_year, rules.fingerprint, households, changed)


async def _reassess_batch(
    uow: AssessmentUnitOfWork, principal: Principal, batch: tuple[Reassess, list[str]]
) -> tuple[int, int]:
    """One batch of ``reassess_all``: (households of the area in it, those whose result changed)."""
    command, ids = batch
    aggs = await uow.assessments.get_or_start(ids)
    in_area = [
        a
        for a in aggs.values()
        if a.facts is not None and (command.area is None or a.facts.area_code.startswith(command.area))
    ]
    return len(in_area), sum(1 for a in in_area if a.reassess(command.survey_year, command.at, rules_for))


@dataclass(frozen=True)
class HouseholdQuery:
    household_id: str
    as_of: datetime | None = None


async def _in_scope(
    uow: AssessmentUnitOfWork, agg: HouseholdAssessment, principal: Principal
) -> HouseholdAssessment:
    """An assessed household the caller may see (404 before any assessment, 404 outside the
    area; a mentor sees its own team's households)."""
    if agg.facts is None or agg.last is None:
        raise NotFound(f"household {agg.id} has no assessment")
    principal.ensure_household(agg.id, agg.facts.area_code, await uow.mentored_by(principal, agg.id))
    return agg


def as_v1(assessed: ev.Assessed) -> dict[str, Any]:
    """What the API answers for an assessment: ``indicator.assessed.v1`` (JSON form), its
    indicators in the order of its survey year's rules."""
    order = [i.code for i in rules_for(assessed.survey_year).indicators]
    return assessed.to_v1(order)


async def current_assessment(
    uow: AssessmentUnitOfWork, principal: Principal, query: HouseholdQuery
) -> c.IndicatorAssessedV1:
    agg = await uow.assessments.get(query.household_id) or HouseholdAssessment(query.household_id)
    last = (await _in_scope(uow, agg, principal)).last
    assert last is not None
    return c.IndicatorAssessedV1.model_validate(as_v1(last))


async def history(
    uow: AssessmentUnitOfWork, principal: Principal, query: HouseholdQuery
) -> list[dict[str, Any]]:
    """Every assessment of the household, oldest first (one read of its stream), as v1."""
    agg, assessed = await uow.assessments.history(query.household_id)
    await _in_scope(uow, agg, principal)
    return [as_v1(a) for a in assessed]


def valid_at(assessments: Sequence[Mapping[str, Any]], instant: datetime) -> Mapping[str, Any] | None:
    """The assessment in force at ``instant``: the last one recorded at or before it."""
    found = None
    for a in assessments:
        if datetime.fromisoformat(a["as_of"]) <= instant:
            found = a
    return found


async def assessment_as_of(
    uow: AssessmentUnitOfWork, principal: Principal, query: HouseholdQuery
) -> Mapping[str, Any]:
    assert query.as_of is not None
    found = valid_at(await history(uow, principal, query), query.as_of)
    if found is None:
        raise NotFound(f"household {query.household_id} had no assessment at {query.as_of.isoformat()}")
    return found


@dataclass(frozen=True)
class AttestSufficiency:
    household_id: str
    reason: str
    at: datetime


async def attest_sufficiency(
    uow: AssessmentUnitOfWork, principal: Principal, command: AttestSufficiency
) -> c.IndicatorAssessedV1:
    """An officer's attestation (พอเพียง); the reason stays in this service."""
    if not command.reason.strip():
        raise InvalidInput([FieldError("reason", "say why the household is sufficient")])
    role = next(r for r in ("province_officer", "district_officer", "admin") if r in principal.roles)
    agg = await uow.assessments.get(command.household_id) or HouseholdAssessment(command.household_id)
    (await _in_scope(uow, agg, principal)).attest_sufficiency(
        command.at, command.reason.strip(), role, rules_for
    )
    assert agg.last is not None
    return c.IndicatorAssessedV1.model_validate(as_v1(agg.last))
