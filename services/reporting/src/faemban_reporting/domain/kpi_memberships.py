"""When a household counts in each KPI measure (docs/domain.md, "KPIs"), from its facts alone.

A household's facts — registration, verifications, certifications, assessments, logbook
entries, plans, team assignments, resolved cases — each carry the time they entered the
record. From them this module derives, for every measure, the spans of time during which the
household counts in it ("assisted": verified and at least one entry not voided; "lead_thrice":
verified and three unvoided entries by the lead agency; ...). The read model keeps these spans
and per-village daily counters of their starts and ends, so a KPI at any moment is a sum of
counters; recomputing a household's spans whenever one of its facts arrives makes the result
independent of the order in which the four topics deliver them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

REGISTERED = "registered"
VERIFIED = "verified"
ASSISTED = "assisted"
LEAD_THRICE = "lead_thrice"
DEVELOP = "develop"
INCOME_ROSE = "income_rose"
CERTIFIED = "certified"
PLANNED = "planned"
LEAD_ENTRIES_NEEDED = 3
RESOLVED = "resolved:"
TEAM = "team:"


def verified_in(survey_year: int) -> str:
    """Verified for this survey year (the deadline KPI counts it at the campaign's date)."""
    return f"verified:{survey_year}"


def resolved_at(level: str) -> str:
    return f"{RESOLVED}{level}"


def team(team_id: str) -> str:
    return f"{TEAM}{team_id}"


def outcome(name: str) -> str:
    return f"outcome:{name}"


def level(n: int) -> str:
    return f"level:{n}"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    start: datetime
    end: datetime | None = None
    """Exclusive; None while it lasts."""


@dataclass(frozen=True, slots=True)
class Version:
    """A state of the household (its verification, certification or assessment) and when it held."""

    start: datetime
    end: datetime | None
    value: tuple[object, ...]


@dataclass(slots=True)
class HouseholdFacts:
    registered_at: datetime | None = None
    verifications: list[Version] = field(default_factory=list)
    """value: (survey_year, household_type, income_rose, passes_threshold)"""
    certifications: list[Version] = field(default_factory=list)
    """value: (certified,)"""
    assessments: list[Version] = field(default_factory=list)
    """value: (outcome, vulnerability_level)"""
    entries: list[tuple[datetime, datetime | None, bool]] = field(default_factory=list)
    """(logged, voided, by the lead agency)"""
    plans: list[datetime] = field(default_factory=list)
    assignments: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)
    resolutions: list[tuple[str, datetime]] = field(default_factory=list)
    """(level, when) of each case of the household resolved"""


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted, with touching or overlapping ones joined."""
    out: list[Span] = []
    # by start, then end with "still open" last: two spans may start at the same instant,
    # one open and one closed, and None does not compare with a datetime
    for s in sorted(spans, key=lambda s: (s.start, s.end is None, s.end or s.start)):
        if s.end is not None and s.end <= s.start:
            continue
        if out and (out[-1].end is None or out[-1].end >= s.start):
            last = out[-1]
            end = None if last.end is None or s.end is None else max(last.end, s.end)
            out[-1] = Span(last.start, end)
        else:
            out.append(s)
    return out


def _from(spans: Sequence[Span], start: datetime | None) -> list[Span]:
    """The spans clipped to begin no earlier than ``start`` (none when ``start`` is None)."""
    if start is None:
        return []
    return _merge(Span(max(s.start, start), s.end) for s in spans if s.end is None or s.end > start)


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out = []
    for x in a:
        for y in b:
            start = max(x.start, y.start)
            ends = [e for e in (x.end, y.end) if e is not None]
            end = min(ends) if ends else None
            if end is None or end > start:
                out.append(Span(start, end))
    return _merge(out)


def _at_least(entries: Iterable[tuple[datetime, datetime | None]], k: int) -> list[Span]:
    """When at least ``k`` entries stood (logged, not yet voided)."""
    changes = sorted([(logged, 1) for logged, _ in entries] + [(v, -1) for _, v in entries if v is not None])
    spans, count, since = [], 0, None
    for at, step in changes:
        count += step
        if count >= k and since is None:
            since = at
        elif count < k and since is not None:
            spans.append(Span(since, at))
            since = None
    if since is not None:
        spans.append(Span(since, None))
    return _merge(spans)


def _while(
    versions: Iterable[Version], holds: bool | None = None, index: int = 0, equals: object = None
) -> list[Span]:
    """When the household's state (version after version) satisfied the test."""
    chosen = []
    for v in versions:
        value = v.value[index]
        if (holds is not None and bool(value) is holds) or (holds is None and value == equals):
            chosen.append(Span(v.start, v.end))
    return _merge(chosen)


def memberships(facts: HouseholdFacts) -> dict[str, list[Span]]:
    """Every measure the household ever counted in, with the spans it counted."""
    out: dict[str, list[Span]] = {}
    if facts.registered_at is not None:
        out[REGISTERED] = [Span(facts.registered_at)]
    first_verified = min((v.start for v in facts.verifications), default=None)
    if first_verified is not None:
        out[VERIFIED] = [Span(first_verified)]
        for year in sorted({int(str(v.value[0])) for v in facts.verifications}):
            out[verified_in(year)] = [Span(min(v.start for v in facts.verifications if v.value[0] == year))]
    standing = [(logged, voided) for logged, voided, _ in facts.entries]
    out[ASSISTED] = _from(_at_least(standing, 1), first_verified)
    lead = [(logged, voided) for logged, voided, by_lead in facts.entries if by_lead]
    out[LEAD_THRICE] = _from(_at_least(lead, LEAD_ENTRIES_NEEDED), first_verified)
    out[DEVELOP] = _while(facts.verifications, index=1, equals="develop")
    out[INCOME_ROSE] = _merge(
        Span(v.start, v.end)
        for v in facts.verifications
        if v.value[1] == "develop" and v.value[2] and v.value[3]
    )
    out[CERTIFIED] = _while(facts.certifications, holds=True)
    if facts.plans:
        out[PLANNED] = _intersect(out[CERTIFIED], [Span(min(facts.plans))])
    for v in facts.assessments:
        out.setdefault(outcome(str(v.value[0])), []).append(Span(v.start, v.end))
        out.setdefault(level(int(str(v.value[1]))), []).append(Span(v.start, v.end))
    for team_id, assigned, released in facts.assignments:
        out.setdefault(team(team_id), []).append(Span(assigned, released))
    resolved: dict[str, list[Span]] = {}
    for lvl, at in facts.resolutions:
        resolved.setdefault(resolved_at(lvl), []).append(Span(at))
    merged = {m: _merge(s) for m, s in out.items() if s}
    # cases are counted one by one (a household may have several resolved at one level)
    merged.update({m: sorted(s) for m, s in resolved.items()})
    return merged
