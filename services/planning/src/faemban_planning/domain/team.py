"""Mentor teams (docs/domain.md, "Plans"): appointed by the district, 3–5 people led by a
civil servant, caring for 10–15 households; when the leader is transferred the team's
households go back to the district.
"""

from __future__ import annotations

from datetime import datetime

from faemban_domain import agencies
from faemban_domain.errors import FieldError, InvalidInput, StateConflict
from faemban_domain.eventsourcing.aggregate import Aggregate, on_event
from faemban_domain.indicators import DIMENSIONS, Dimension
from faemban_planning.domain import events as ev

MIN_MEMBERS, MAX_MEMBERS = 3, 5
TARGET_HOUSEHOLDS = (10, 15)
"""The households one team looks after (the upper bound is the default maximum, configurable)."""


def check_members(members: list[ev.TeamMember], where: str = "members") -> None:
    errors: list[FieldError] = []
    if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        errors.append(FieldError(where, f"a team has {MIN_MEMBERS}–{MAX_MEMBERS} people, not {len(members)}"))
    leaders = [i for i, m in enumerate(members) if m.leader]
    if len(leaders) != 1:
        errors.append(FieldError(where, f"exactly one member leads the team ({len(leaders)} marked leader)"))
    elif not members[leaders[0]].civil_servant:
        errors.append(
            FieldError(f"{where}[{leaders[0]}].civil_servant", "the leader must be a civil servant")
        )
    for i, m in enumerate(members):
        if not agencies.is_known(m.agency):
            errors.append(FieldError(f"{where}[{i}].agency", f"{m.agency!r} is not a known agency code"))
    if errors:
        raise InvalidInput(errors)


class MentorTeam(Aggregate):
    stream_prefix = "team-"
    events = ev.TEAM_EVENTS

    def __init__(self, team_id: str) -> None:
        super().__init__(team_id)
        self.district_code = ""
        self.name = ""
        self.members: list[ev.TeamMember] = []
        self.households: dict[str, str] = {}
        """Household id → its area code."""
        self.has_leader = False
        self.appointed_at: datetime | None = None

    @property
    def skills(self) -> set[Dimension]:
        return {d for m in self.members for d in m.skills}

    def user_ids(self) -> set[str]:
        return {m.user_id for m in self.members if m.user_id}

    def appoint(self, district_code: str, name: str, members: list[ev.TeamMember], at: datetime) -> None:
        check_members(members)
        self._trigger(
            ev.TeamAppointed(
                team_id=self.id, district_code=district_code, name=name, members=members, appointed_at=at
            )
        )

    def assign(
        self, household_id: str, area_code: str, deprived: list[Dimension], max_households: int, at: datetime
    ) -> list[Dimension]:
        """Take a household into the team's care; the deprived dimensions no member covers come back
        as a warning (the district may still assign: the team calls on the lead agencies)."""
        if not self.has_leader:
            raise StateConflict([FieldError("team_id", "the team has no leader: name one before assigning")])
        if not area_code.startswith(self.district_code):
            raise InvalidInput(
                [FieldError("household_id", f"household {household_id} is outside the team's district")]
            )
        if household_id in self.households:
            return self.uncovered(deprived)
        if len(self.households) >= max_households:
            raise StateConflict(
                [
                    FieldError(
                        "household_id",
                        f"team {self.id} already looks after {len(self.households)} households, the most "
                        f"one team may ({max_households}); assign this one to another team",
                    )
                ]
            )
        uncovered = self.uncovered(deprived)
        self._trigger(
            ev.HouseholdAssigned(
                household_id=household_id,
                area_code=area_code,
                team_id=self.id,
                uncovered_dimensions=uncovered,
                mentor_subjects=sorted(self.user_ids()),
                assigned_at=at,
            )
        )
        return uncovered

    def uncovered(self, deprived: list[Dimension]) -> list[Dimension]:
        skills = self.skills
        return [d for d in DIMENSIONS if d in deprived and d not in skills]

    def release(self, household_id: str, at: datetime) -> None:
        if household_id not in self.households:
            raise StateConflict(
                [FieldError("household_id", f"team {self.id} does not look after {household_id}")]
            )
        self._release(household_id, "unassigned", at)

    def transfer_leader(self, new_leader: ev.TeamMember | None, at: datetime) -> list[str]:
        """The leader leaves: every household goes back to the district's queue; a new leader
        (a civil servant) may take the team on, with no households yet."""
        if new_leader is not None and not new_leader.civil_servant:
            raise InvalidInput([FieldError("new_leader.civil_servant", "the leader must be a civil servant")])
        if new_leader is not None and not agencies.is_known(new_leader.agency):
            raise InvalidInput(
                [FieldError("new_leader.agency", f"{new_leader.agency!r} is not a known agency code")]
            )
        released = sorted(self.households)
        for household_id in released:
            self._release(household_id, "leader_transferred", at)
        leader = new_leader.model_copy(update={"leader": True}) if new_leader is not None else None
        self._trigger(ev.LeaderTransferred(new_leader=leader, transferred_at=at))
        return released

    def _release(self, household_id: str, cause: str, at: datetime) -> None:
        self._trigger(
            ev.HouseholdReleased.model_validate(
                {
                    "household_id": household_id,
                    "area_code": self.households[household_id],
                    "team_id": self.id,
                    "cause": cause,
                    "released_at": at,
                }
            )
        )

    @on_event
    def _appointed(self, event: ev.TeamAppointed) -> None:
        self.district_code = event.district_code
        self.name = event.name
        self.members = list(event.members)
        self.has_leader = True
        self.appointed_at = event.appointed_at

    @on_event
    def _assigned(self, event: ev.HouseholdAssigned) -> None:
        self.households[event.household_id] = event.area_code

    @on_event
    def _released(self, event: ev.HouseholdReleased) -> None:
        self.households.pop(event.household_id, None)

    @on_event
    def _leader_transferred(self, event: ev.LeaderTransferred) -> None:
        others = [m for m in self.members if not m.leader]
        if event.new_leader is None:
            self.members = others
            self.has_leader = False
        else:
            self.members = [*others, event.new_leader]
            self.has_leader = True
