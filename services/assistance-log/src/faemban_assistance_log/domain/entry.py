"""One logbook entry (docs/domain.md, "Logbook"): recorded once, never edited, voidable once.

A correction is a new entry; the wrong one is voided with a reason (and may name the
entry that replaces it). A void is an event of its own, so the original stays readable
and marked voided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from faemban_assistance_log.domain import events as ev
from faemban_domain import agencies
from faemban_domain.errors import FieldError, InvalidInput, StateConflict
from faemban_domain.events.contracts import AssistanceKind, GiverKind
from faemban_domain.eventsourcing.aggregate import Aggregate, on_event


@dataclass(frozen=True)
class Assistance:
    """What a recorder says was given (checked by ``AssistanceEntry.log``)."""

    household_id: str
    area_code: str
    member_id: str | None
    problem: str
    problem_text: str | None
    agency: str
    giver_kind: GiverKind
    kind: AssistanceKind
    amount_baht: Decimal | None
    given_on: date
    plan_item_id: str | None
    case_id: str | None
    note: str


def check(entry: Assistance, today: date) -> None:
    errors: list[FieldError] = []
    try:
        agencies.problem_area(entry.problem)
    except KeyError:
        errors.append(FieldError("problem", f"{entry.problem!r} is not an indicator, a dimension or other"))
    if not agencies.is_known(entry.agency):
        errors.append(FieldError("agency", f"{entry.agency!r} is not a known agency code"))
    if entry.given_on > today:  # help is logged once given: a future date is a typing error
        errors.append(FieldError("given_on", f"{entry.given_on} is in the future: log help once it is given"))
    if entry.amount_baht is not None and entry.amount_baht.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.append(FieldError("amount_baht", "at most 2 decimal places (satang)"))
    if errors:
        raise InvalidInput(errors)


class AssistanceEntry(Aggregate):
    stream_prefix = "assistance-"
    events = ev.ENTRY_EVENTS

    def __init__(self, entry_id: str) -> None:
        super().__init__(entry_id)
        self.logged: ev.Logged | None = None
        self.void: ev.Voided | None = None

    @property
    def household_id(self) -> str:
        assert self.logged is not None
        return self.logged.household_id

    def log(self, entry: Assistance, at: datetime) -> None:
        check(entry, at.date())
        self._trigger(
            ev.Logged(
                entry_id=self.id,
                household_id=entry.household_id,
                area_code=entry.area_code,
                problem=entry.problem,
                problem_text=entry.problem_text,
                agency=entry.agency,
                giver_kind=entry.giver_kind,
                kind=entry.kind,
                amount_baht=float(entry.amount_baht) if entry.amount_baht is not None else None,
                amount=entry.amount_baht,
                given_on=entry.given_on,
                plan_item_id=entry.plan_item_id,
                case_id=entry.case_id,
                member_id=entry.member_id,
                note=entry.note,
                recorded_at=at,
            )
        )

    def void_with(self, reason: str, replaced_by: str | None, at: datetime) -> None:
        assert self.logged is not None
        if self.void is not None:
            raise StateConflict([FieldError("assistance_id", f"entry {self.id} is already voided")])
        if not reason.strip():
            raise InvalidInput([FieldError("reason", "say why the entry is voided")])
        if replaced_by == self.id:
            raise InvalidInput([FieldError("replaced_by", "an entry cannot replace itself")])
        self._trigger(
            ev.Voided(
                entry_id=self.id,
                household_id=self.logged.household_id,
                area_code=self.logged.area_code,
                reason=reason.strip(),
                voided_by_entry_id=replaced_by,
                voided_at=at,
            )
        )

    @on_event
    def _logged(self, event: ev.Logged) -> None:
        self.logged = event

    @on_event
    def _voided(self, event: ev.Voided) -> None:
        self.void = event
