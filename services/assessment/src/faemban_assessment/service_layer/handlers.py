"""Assessment use cases: plain async functions, dependencies as parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.domain import events as ev
from faemban_assessment.domain import facts as f
from faemban_assessment.domain.household import HouseholdAssessment
from faemban_domain import indicators
from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.repository import Repository
from faemban_domain.eventsourcing.store import ConcurrencyError
from faemban_domain.eventsourcing.tables import event_store
from faemban_domain.indicators import RuleSet
from faemban_domain.platform.auth import Principal

REGISTERED = "th.faemban.household.registered.v1"
VERIFIED = "th.faemban.household.verified.v1"
DETAILS_RECORDED = "th.faemban.household.details-recorded.v1"
MEMBER_ADDED = "th.faemban.household.member-added.v1"
MEMBER_LEFT = "th.faemban.household.member-left.v1"
HEAD_DECEASED = "th.faemban.household.head-deceased.v1"
MOVED = "th.faemban.household.moved.v1"
PLAN_CREATED = "th.faemban.plan.created.v1"
PLAN_CLOSED = "th.faemban.plan.closed.v1"
CONSUMED = frozenset(
    {
        REGISTERED,
        VERIFIED,
        DETAILS_RECORDED,
        MEMBER_ADDED,
        MEMBER_LEFT,
        HEAD_DECEASED,
        MOVED,
        PLAN_CREATED,
        PLAN_CLOSED,
    }
)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


def rules_for(survey_year: int) -> RuleSet:
    """The year's rules; a year before every rule set is assessed by the earliest one."""
    try:
        return indicators.rule_set(survey_year)
    except LookupError:
        return indicators.rule_sets()[0]


def apply_registry_event(agg: HouseholdAssessment, event: CloudEvent) -> None:
    """One consumed event on the household's assessment (facts first, then the assessment)."""
    d: Mapping[str, Any] = event.data or {}
    at = event.time
    current = agg.facts
    if event.type == REGISTERED:
        if current is None:  # a household is registered once; a replayed copy changes nothing
            agg.observe("registered", f.registered(d), at, rules_for)
    elif event.type == VERIFIED:
        agg.observe("verified", f.verified(current, d), at, rules_for)
    elif event.type == PLAN_CREATED:
        agg.plan_opened(d["plan_id"], at)
    elif event.type == PLAN_CLOSED:
        closed = d.get("closed_at")
        agg.plan_closed(d["plan_id"], datetime.fromisoformat(closed) if closed else at)
    elif current is None:
        return  # member facts of a household this service never saw registered: nothing to assess
    elif event.type == DETAILS_RECORDED:
        agg.observe("details_recorded", f.details_recorded(current, d), at, rules_for)
    elif event.type == MEMBER_ADDED:
        agg.observe("members_changed", f.member_added(current, d), at, rules_for)
    elif event.type == MEMBER_LEFT:
        agg.observe("members_changed", f.member_gone(current, d["member_id"]), at, rules_for)
    elif event.type == HEAD_DECEASED:
        agg.observe("members_changed", f.member_gone(current, d["former_head_member_id"]), at, rules_for)
    elif event.type == MOVED:
        agg.observe("moved", f.moved(current, d), at, rules_for)


async def assess_events(
    conn: AsyncConnection,
    events: Sequence[CloudEvent],
    repo: Repository[HouseholdAssessment],
) -> None:
    """The consumer's work for a run of events: load each household once, save all at once."""
    ids = list(dict.fromkeys(e.subject for e in events if e.subject))
    aggs = await repo.get_many(conn, ids)
    for event in events:
        if not event.subject:
            continue
        agg = aggs.get(event.subject)
        if agg is None:
            agg = aggs[event.subject] = HouseholdAssessment(event.subject)
        apply_registry_event(agg, event)
    await repo.save_many(conn, [a for a in aggs.values() if a.has_pending])


@dataclass(frozen=True)
class ReassessReport:
    survey_year: int
    rules: str
    households: int
    reassessed: int
    """Households whose assessment changed and was recorded (and published)."""


async def reassess_all(
    transaction: Transaction,
    repo: Repository[HouseholdAssessment],
    survey_year: int,
    at: datetime,
    area: str | None = None,
    batch: int = 500,
) -> ReassessReport:
    """Every household (of ``area``) again under ``survey_year``'s rules, a batch per transaction.

    Old assessments stay in each stream; a household whose result does not
    change gets no new assessment. A batch that meets a concurrent writer is
    retried from a fresh load.
    """
    rules = rules_for(survey_year)
    prefix = HouseholdAssessment.stream_prefix
    after = ""
    households = changed = 0
    while True:
        async with transaction() as conn:
            streams = (
                (
                    await conn.execute(
                        sa.select(event_store.c.stream_id)
                        .where(event_store.c.stream_id.startswith(prefix), event_store.c.stream_id > after)
                        .group_by(event_store.c.stream_id)
                        .order_by(event_store.c.stream_id)
                        .limit(batch)
                    )
                )
                .scalars()
                .all()
            )
        if not streams:
            break
        after = streams[-1]
        ids = [s[len(prefix) :] for s in streams]
        for attempt in range(3):
            try:
                async with transaction() as conn:
                    aggs = await repo.get_many(conn, ids)
                    in_area = [
                        a
                        for a in aggs.values()
                        if a.facts is not None and (area is None or a.facts.area_code.startswith(area))
                    ]
                    n = sum(1 for a in in_area if a.reassess(survey_year, at, rules_for))
                    await repo.save_many(conn, [a for a in in_area if a.has_pending])
                households += len(in_area)
                changed += n
                break
            except ConcurrencyError:
                if attempt == 2:
                    raise
    return ReassessReport(survey_year, rules.fingerprint, households, changed)


async def load_assessment(
    conn: AsyncConnection, repo: Repository[HouseholdAssessment], principal: Principal, household_id: str
) -> HouseholdAssessment:
    agg = await repo.get(conn, household_id) or HouseholdAssessment(household_id)
    return _in_scope(agg, principal)


def _in_scope(agg: HouseholdAssessment, principal: Principal) -> HouseholdAssessment:
    """An assessed household the caller may see (404 before any assessment, 403 outside the area)."""
    if agg.facts is None or agg.last is None:
        raise NotFound(f"household {agg.id} has no assessment")
    principal.ensure_household(agg.id, agg.facts.area_code)
    return agg


async def history(
    conn: AsyncConnection, repo: Repository[HouseholdAssessment], principal: Principal, household_id: str
) -> list[dict[str, Any]]:
    """Every assessment of the household, oldest first (one read of its stream)."""
    agg = HouseholdAssessment(household_id)
    events = await repo.store.load(conn, agg.stream_id)
    agg.replay(events)
    _in_scope(agg, principal)
    assessed = HouseholdAssessment.events.name_of_class(ev.Assessed)
    return [e.data for e in events if e.type == assessed]


def valid_at(assessments: Sequence[Mapping[str, Any]], instant: datetime) -> Mapping[str, Any] | None:
    """The assessment in force at ``instant``: the last one recorded at or before it."""
    found = None
    for a in assessments:
        if datetime.fromisoformat(a["as_of"]) <= instant:
            found = a
    return found


async def assessment_as_of(
    conn: AsyncConnection,
    repo: Repository[HouseholdAssessment],
    principal: Principal,
    household_id: str,
    instant: datetime,
) -> Mapping[str, Any]:
    found = valid_at(await history(conn, repo, principal, household_id), instant)
    if found is None:
        raise NotFound(f"household {household_id} had no assessment at {instant.isoformat()}")
    return found


async def attest_sufficiency(
    transaction: Transaction,
    repo: Repository[HouseholdAssessment],
    principal: Principal,
    household_id: str,
    reason: str,
    at: datetime,
) -> ev.Assessed:
    """An officer's attestation (พอเพียง); retried on a concurrent consumer write."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the household is sufficient")])
    role = next(r for r in ("province_officer", "district_officer", "admin") if r in principal.roles)
    for attempt in range(3):
        try:
            async with transaction() as conn:
                agg = await load_assessment(conn, repo, principal, household_id)
                agg.attest_sufficiency(at, reason.strip(), role, rules_for)
                await repo.save(conn, agg)
                assert agg.last is not None
                return agg.last
        except ConcurrencyError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
