"""Cases and escalation (docs/domain.md, "Cases"): what the subdistrict cannot solve climbs
one level at a time — subdistrict → district → province → national (a TPMAP add/remove
request) — each move with a reason; the level holding a case accepts it, returns it one
level down with a reason, or resolves it with the recorded assistance that solved it.

Who acts at each level is the level's own centre (``ACTOR_ROLE``), inside its area; at
national level Faemban's operators (admin) record TPMAP's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from faemban_domain.errors import FieldError, InvalidInput, NotPermitted, StateConflict
from faemban_domain.events.contracts import CaseLevel, CaseState
from faemban_domain.eventsourcing.aggregate import Aggregate, on_event
from faemban_domain.platform.auth import Principal
from faemban_planning.domain import events as ev

LEVELS: tuple[CaseLevel, ...] = ("subdistrict", "district", "province", "national")
ACTOR_ROLE: dict[CaseLevel, str] = {
    "subdistrict": "ops_team",
    "district": "district_officer",
    "province": "province_officer",
    "national": "admin",
}


@dataclass(frozen=True)
class Move:
    """One line of a case's history."""

    action: str
    from_level: CaseLevel | None
    to_level: CaseLevel
    reason: str | None
    assistance_ids: list[str] | None = None


def move_of(event: BaseModel) -> Move:
    """What a case event did, as its history shows it (the reason is the actor's words)."""
    match event:
        case ev.CaseOpened():
            return Move("open", None, event.level, event.reason)
        case ev.CaseExtended():
            return Move("extend", event.level, event.level, event.reason)
        case ev.CaseEscalated():
            return Move("escalate", event.from_level, event.to_level, event.reason)
        case ev.CaseAccepted():
            return Move("accept", event.level, event.level, None)
        case ev.CaseReturned():
            return Move("return", event.from_level, event.to_level, event.reason)
        case ev.CaseResolved():
            return Move("resolve", event.level, event.level, event.note or None, list(event.assistance_ids))
    raise TypeError(f"{type(event).__name__} is not a case event")


def ensure_may_act(principal: Principal, level: CaseLevel, area_code: str) -> None:
    """Only the role of the level holding the case, and only inside its area."""
    role = ACTOR_ROLE[level]
    if role not in principal.roles:
        raise NotPermitted(f"a case at {level} level is acted on by the {role} role")
    if role != "admin" and not principal.holds(area_code):
        raise NotPermitted(
            f"the case's household ({area_code}) is outside your areas {list(principal.areas)}"
        )


def _reason(text: str | None, field: str = "reason") -> str:
    if text is None or not text.strip():
        raise InvalidInput([FieldError(field, "say why")])
    return text.strip()


class Case(Aggregate):
    stream_prefix = "case-"
    events = ev.CASE_EVENTS

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.household_id = ""
        self.area_code = ""
        self.level: CaseLevel = "subdistrict"
        self.state: CaseState = "open"
        self.problems: list[str] = []
        self.problem_texts: list[str | None] = []
        self.plan_item_ids: list[str] = []
        self.opened_at: datetime | None = None
        self.level_since: datetime | None = None
        self.resolution: ev.CaseResolved | None = None

    def open(
        self,
        household_id: str,
        area_code: str,
        level: CaseLevel,
        problems: list[tuple[str, str | None]],
        reason: str,
        at: datetime,
        plan_item_ids: list[str] | None = None,
    ) -> None:
        if not problems:
            raise InvalidInput([FieldError("problems", "name at least one problem")])
        self._trigger(
            ev.CaseOpened(
                case_id=self.id,
                household_id=household_id,
                area_code=area_code,
                level=level,
                problems=[p for p, _ in problems],
                problem_texts=[t for _, t in problems],
                plan_item_ids=plan_item_ids or [],
                reason=_reason(reason),
                opened_at=at,
            )
        )

    def extend(
        self, problems: list[tuple[str, str | None]], plan_item_ids: list[str], reason: str, at: datetime
    ) -> None:
        self._ensure_active()
        self._trigger(
            ev.CaseExtended(
                case_id=self.id,
                household_id=self.household_id,
                area_code=self.area_code,
                level=self.level,
                problems=[p for p, _ in problems],
                problem_texts=[t for _, t in problems],
                plan_item_ids=plan_item_ids,
                reason=_reason(reason, "justification"),
                extended_at=at,
            )
        )

    def escalate(self, reason: str | None, at: datetime) -> None:
        text = _reason(reason)
        self._ensure_active()
        up = LEVELS.index(self.level) + 1
        if up == len(LEVELS):
            raise StateConflict(
                [
                    FieldError(
                        "case_id", "the case is at national level (a TPMAP request): there is no higher level"
                    )
                ]
            )
        self._trigger(
            ev.CaseEscalated(
                case_id=self.id,
                household_id=self.household_id,
                area_code=self.area_code,
                from_level=self.level,
                to_level=LEVELS[up],
                reason=text,
                escalated_at=at,
            )
        )

    def accept(self, at: datetime) -> None:
        self._ensure_active()
        if self.state == "accepted":
            raise StateConflict(
                [FieldError("case_id", f"the case is already accepted at {self.level} level")]
            )
        self._trigger(
            ev.CaseAccepted(
                case_id=self.id,
                household_id=self.household_id,
                area_code=self.area_code,
                level=self.level,
                accepted_at=at,
            )
        )

    def return_down(self, reason: str | None, at: datetime) -> None:
        text = _reason(reason)
        self._ensure_active()
        down = LEVELS.index(self.level) - 1
        if down < 0:
            raise StateConflict(
                [
                    FieldError(
                        "case_id", "the case is at subdistrict level: there is no lower level to return it to"
                    )
                ]
            )
        self._trigger(
            ev.CaseReturned(
                case_id=self.id,
                household_id=self.household_id,
                area_code=self.area_code,
                from_level=self.level,
                to_level=LEVELS[down],
                reason=text,
                returned_at=at,
            )
        )

    def resolve(self, assistance_ids: list[str], usable: set[str], note: str, at: datetime) -> None:
        """``usable``: the listed entries planning knows as recorded, unvoided help to this household."""
        self._ensure_active()
        if not assistance_ids:
            raise StateConflict(
                [
                    FieldError(
                        "assistance_ids", "a case is resolved by recorded assistance: name at least one entry"
                    )
                ]
            )
        missing = [a for a in assistance_ids if a not in usable]
        if missing:
            raise StateConflict(
                [
                    FieldError(
                        "assistance_ids",
                        f"not recorded, voided, or not help to household {self.household_id}: "
                        + ", ".join(missing),
                    )
                ]
            )
        self._trigger(
            ev.CaseResolved(
                case_id=self.id,
                household_id=self.household_id,
                area_code=self.area_code,
                level=self.level,
                assistance_ids=list(dict.fromkeys(assistance_ids)),
                note=note.strip(),
                resolved_at=at,
            )
        )

    def _ensure_active(self) -> None:
        if self.state == "resolved":
            raise StateConflict([FieldError("case_id", f"case {self.id} is resolved")])

    @on_event
    def _opened(self, event: ev.CaseOpened) -> None:
        self.household_id, self.area_code = event.household_id, event.area_code
        self.level, self.state = event.level, "open"
        self.problems = list(event.problems)
        self.problem_texts = list(event.problem_texts)
        self.plan_item_ids = list(event.plan_item_ids)
        self.opened_at = self.level_since = event.opened_at

    @on_event
    def _extended(self, event: ev.CaseExtended) -> None:
        self.problems += event.problems
        self.problem_texts += event.problem_texts
        self.plan_item_ids += event.plan_item_ids

    @on_event
    def _escalated(self, event: ev.CaseEscalated) -> None:
        self.level, self.state, self.level_since = event.to_level, "open", event.escalated_at

    @on_event
    def _accepted(self, event: ev.CaseAccepted) -> None:
        self.state = "accepted"

    @on_event
    def _returned(self, event: ev.CaseReturned) -> None:
        self.level, self.state, self.level_since = event.to_level, "returned", event.returned_at

    @on_event
    def _resolved(self, event: ev.CaseResolved) -> None:
        self.state = "resolved"
        self.resolution = event
