"""Mentor teams and the district's queue of households without one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from faemban_domain import bounds
from faemban_domain.indicators import Dimension
from faemban_domain.platform.auth import FIELD_ROLES
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import AreaCode, HouseholdKey
from faemban_planning.domain import events as ev
from faemban_planning.entrypoints.dependencies import (
    AreaFilter,
    District,
    EntityKey,
    Limit,
    OfficeReader,
    PlanningService,
)
from faemban_planning.service_layer import queries
from faemban_planning.service_layer import teams as t

router = APIRouter(tags=["mentor teams"])


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    agency: str = Field(max_length=64, examples=["moph.sh_hospital"])
    skills: list[Dimension] = Field(max_length=5, description="the dimensions their skills cover")
    civil_servant: bool = False
    leader: bool = False
    user_id: bounds.Subject | None = Field(
        default=None, description="their login (JWT sub), if they have one"
    )

    def member(self) -> ev.TeamMember:
        return ev.TeamMember(**self.model_dump())


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district_code: AreaCode
    name: str = Field(min_length=1, max_length=200)
    members: list[MemberIn] = Field(max_length=10)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household_id: bounds.HouseholdId


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_leader: MemberIn | None = Field(default=None, description="a civil servant who takes the team on")


class AssignmentOut(BaseModel):
    team_id: str
    household_id: str
    uncovered_dimensions: list[str]
    warnings: list[str]
    team_households: int


def _team_out(team: Any, principal: Any) -> dict[str, Any]:
    return t.team_out(team, with_names=bool(principal.roles & FIELD_ROLES))


@router.post("/v1/mentor-teams", status_code=201)
async def appoint_team(
    body: TeamIn, principal: District, planning: PlanningService, key: IdempotencyKey = None
) -> Any:
    """The district appoints a team: 3–5 people, one leader who is a civil servant."""
    command = t.AppointTeam(body.district_code, body.name, [m.member() for m in body.members])
    once = Idempotency.of(key, principal.sub, "mentor-team.appoint", body.model_dump(mode="json"))
    return await planning.transactions.run(
        t.appoint_team,
        principal,
        command,
        respond=lambda team: _team_out(team, principal),
        once=once,
        status_code=201,
    )


@router.get("/v1/mentor-teams")
async def list_teams(principal: OfficeReader, planning: PlanningService, area: AreaFilter = None) -> Any:
    rows = await planning.transactions.read(queries.teams, principal, queries.AreaList(area))
    for r in rows:
        r["over_capacity"] = r["households"] > planning.settings.team_max_households
        r.pop("user_ids", None)
    return {"teams": rows}


@router.get("/v1/mentor-teams/{team_id}")
async def get_team(team_id: EntityKey, principal: OfficeReader, planning: PlanningService) -> Any:
    return await planning.transactions.read(
        t.team_view, principal, t.TeamQuery(team_id), respond=lambda team: _team_out(team, principal)
    )


@router.post("/v1/mentor-teams/{team_id}/households", response_model=AssignmentOut)
async def assign_household(
    team_id: EntityKey, body: AssignIn, principal: District, planning: PlanningService
) -> Any:
    """Assign a certified household to the team (at most the configured maximum, 15 by default);
    deprived dimensions no member's skills cover come back as warnings."""
    command = t.AssignHousehold(team_id, body.household_id, planning.settings.team_max_households)

    def respond(a: t.Assignment) -> AssignmentOut:
        warnings = [f"no member of the team covers the {d} dimension" for d in a.uncovered_dimensions]
        return AssignmentOut(**a.__dict__, warnings=warnings)

    return await planning.transactions.run(t.assign_household, principal, command, respond=respond)


@router.post("/v1/mentor-teams/{team_id}/households/{household_id}/release")
async def release_household(
    team_id: EntityKey, household_id: HouseholdKey, principal: District, planning: PlanningService
) -> Any:
    """The household goes back to the district's queue of unassigned households."""
    command = t.ReleaseHousehold(team_id, household_id)
    return await planning.transactions.run(
        t.release_household, principal, command, respond=lambda team: _team_out(team, principal)
    )


@router.post("/v1/mentor-teams/{team_id}/leader-transfer")
async def transfer_leader(
    team_id: EntityKey, body: TransferIn, principal: District, planning: PlanningService
) -> Any:
    """The leader was transferred: the team's households go back to the district's queue."""
    command = t.TransferLeader(team_id, body.new_leader.member() if body.new_leader else None)
    return await planning.transactions.run(
        t.transfer_leader, principal, command, respond=lambda team: _team_out(team, principal)
    )


@router.get("/v1/unassigned-households")
async def unassigned_households(
    principal: OfficeReader,
    planning: PlanningService,
    area: AreaFilter = None,
    after: Annotated[str | None, Query(pattern=bounds.HOUSEHOLD_ID_PATTERN, max_length=40)] = None,
    limit: Limit = 100,
) -> Any:
    """Certified households without a team, by id; those given back by a team say when and why."""
    rows = await planning.transactions.read(
        queries.unassigned, principal, queries.AreaList(area, limit=limit, after=after)
    )
    return {"households": rows, "next": rows[-1]["household_id"] if len(rows) == limit else None}
