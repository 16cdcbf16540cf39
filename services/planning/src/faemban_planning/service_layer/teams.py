"""Mentor teams: the district appoints them and assigns households (docs/domain.md, "Plans")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faemban_domain import areas
from faemban_domain.errors import FieldError, InvalidInput, NotFound, StateConflict
from faemban_domain.platform.auth import Principal
from faemban_planning.domain import events as ev
from faemban_planning.domain.team import MentorTeam
from faemban_planning.service_layer.unit_of_work import PlanningUnitOfWork

ASSIGNABLE_STAGES = frozenset({"certified", "approved"})
"""A team takes households the district certified (docs/domain.md, "Plans")."""


@dataclass(frozen=True)
class AppointTeam:
    district_code: str
    name: str
    members: list[ev.TeamMember]


@dataclass(frozen=True)
class AssignHousehold:
    team_id: str
    household_id: str
    max_households: int


@dataclass(frozen=True)
class ReleaseHousehold:
    team_id: str
    household_id: str


@dataclass(frozen=True)
class TransferLeader:
    team_id: str
    new_leader: ev.TeamMember | None


@dataclass(frozen=True)
class TeamQuery:
    team_id: str


@dataclass(frozen=True)
class Assignment:
    team_id: str
    household_id: str
    uncovered_dimensions: list[str]
    team_households: int


async def _team(uow: PlanningUnitOfWork, principal: Principal, team_id: str) -> MentorTeam:
    team = await uow.teams.get(team_id)
    if team is None or not principal.covers(team.district_code):
        raise NotFound(f"mentor team {team_id} is not appointed")
    return team


async def appoint_team(uow: PlanningUnitOfWork, principal: Principal, command: AppointTeam) -> MentorTeam:
    if areas.level_of(command.district_code) != "district" or not areas.is_known(command.district_code):
        raise InvalidInput([FieldError("district_code", f"not a known district: {command.district_code}")])
    principal.ensure_area(command.district_code)
    team = MentorTeam(str(uuid.uuid4()))
    team.appoint(command.district_code, command.name.strip(), command.members, datetime.now(UTC))
    uow.teams.add(team)
    return team


async def assign_household(
    uow: PlanningUnitOfWork, principal: Principal, command: AssignHousehold
) -> Assignment:
    team = await _team(uow, principal, command.team_id)
    household = await uow.index.household(command.household_id)
    if household is None or not principal.covers(household["area_code"]):
        raise NotFound(f"household {command.household_id} is not registered")
    if household["stage"] not in ASSIGNABLE_STAGES:
        raise StateConflict(
            [
                FieldError(
                    "household_id",
                    f"household {command.household_id} is {household['stage']}: "
                    "a team takes households once the district certified them",
                )
            ]
        )
    current = await uow.index.team_of(command.household_id)
    if current is not None and current != team.id:
        raise StateConflict(
            [
                FieldError(
                    "household_id",
                    f"household {command.household_id} is with team {current}: release it first",
                )
            ]
        )
    assessment = await uow.index.assessment(command.household_id)
    deprived = list(assessment["deprived_dimensions"]) if assessment else []
    uncovered = team.assign(
        command.household_id, household["area_code"], deprived, command.max_households, datetime.now(UTC)
    )
    return Assignment(team.id, command.household_id, list(uncovered), len(team.households))


async def release_household(
    uow: PlanningUnitOfWork, principal: Principal, command: ReleaseHousehold
) -> MentorTeam:
    team = await _team(uow, principal, command.team_id)
    team.release(command.household_id, datetime.now(UTC))
    return team


async def transfer_leader(
    uow: PlanningUnitOfWork, principal: Principal, command: TransferLeader
) -> MentorTeam:
    team = await _team(uow, principal, command.team_id)
    team.transfer_leader(command.new_leader, datetime.now(UTC))
    return team


async def team_view(uow: PlanningUnitOfWork, principal: Principal, query: TeamQuery) -> MentorTeam:
    return await _team(uow, principal, query.team_id)


def team_out(team: MentorTeam, with_names: bool) -> dict[str, Any]:
    return {
        "team_id": team.id,
        "district_code": team.district_code,
        "name": team.name,
        "has_leader": team.has_leader,
        "members": [
            {
                "name": m.name if with_names else None,
                "agency": m.agency,
                "skills": list(m.skills),
                "civil_servant": m.civil_servant,
                "leader": m.leader,
                "user_id": m.user_id,
            }
            for m in team.members
        ],
        "skills": sorted(team.skills),
        "households": sorted(team.households),
    }
