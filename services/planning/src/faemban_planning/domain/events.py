"""The events of planning's streams: mentor teams, household plans, cases.

Events published as recorded are their contract models; the others are private models
here. A private event that is published keeps the people's own words (the 4ท record, an
activity, a reason, a justification, a member's name) and its public form drops them,
naming a reason by the id of the event that recorded it (``reason_ref``). Stored names
never change.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from faemban_domain.bounds import AreaCodeValue, EntityId, HouseholdId, Subject
from faemban_domain.events.contracts import (
    CaseAcceptedV1,
    CaseLevel,
    MentorHouseholdAssignedV1,
    MentorHouseholdReleasedV1,
    PlanClosedV1,
    PlanCreatedV1,
    PlanItemBudgetedV1,
    PlanItemUpdatedV1,
)
from faemban_domain.eventsourcing.aggregate import EventNames
from faemban_domain.indicators import Dimension


class _Private(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- mentor teams ------------------------------------------------------------


class TeamMember(_Private):
    """A team member as the district appointed them (their name is personal data: kept here)."""

    name: str = Field(min_length=1, max_length=200)
    agency: str = Field(max_length=64)
    skills: list[Dimension] = Field(max_length=5)
    civil_servant: bool
    leader: bool
    user_id: Subject | None = Field(default=None, description="their login's subject (JWT sub), if any")


class TeamAppointed(_Private):
    team_id: EntityId
    district_code: AreaCodeValue
    name: str = Field(min_length=1, max_length=200)
    members: list[TeamMember] = Field(min_length=1, max_length=10)
    appointed_at: datetime


class LeaderTransferred(_Private):
    """The leader left (a civil servant's transfer); a new leader, if named, takes over."""

    new_leader: TeamMember | None
    transferred_at: datetime


HouseholdAssigned = MentorHouseholdAssignedV1
HouseholdReleased = MentorHouseholdReleasedV1

TEAM_EVENTS = EventNames(
    {
        "MentorTeamAppointed": TeamAppointed,
        "MentorHouseholdAssigned": HouseholdAssigned,
        "MentorHouseholdReleased": HouseholdReleased,
        "MentorLeaderTransferred": LeaderTransferred,
    }
)

# -- household plans ----------------------------------------------------------


class ItemWords(_Private):
    """What the family and the team wrote for one item."""

    item_id: EntityId
    activity: str = Field(min_length=1, max_length=1000)
    problem_text: str | None = Field(default=None, max_length=200)


class PlanMade(PlanCreatedV1):
    """The plan as made with the family: the public fields, the 4ท record and the items' words."""

    method: str = Field(default="4T", max_length=10)
    attitude: str = Field(default="", max_length=2000)
    skills: str = Field(default="", max_length=2000)
    resources: str = Field(default="", max_length=2000)
    way_out: str = Field(default="", max_length=2000)
    words: list[ItemWords] = Field(max_length=100)
    made_at: datetime


class ItemBudgeted(PlanItemBudgetedV1):
    """The district's decision; a justification (needed to go beyond the district) stays here."""

    justification: str | None = Field(default=None, max_length=2000)


ItemUpdated = PlanItemUpdatedV1
PlanClosed = PlanClosedV1

PLAN_EVENTS = EventNames(
    {
        "HouseholdPlanMade": PlanMade,
        "PlanItemUpdated": ItemUpdated,
        "PlanItemBudgeted": ItemBudgeted,
        "HouseholdPlanClosed": PlanClosed,
    }
)

# -- cases -------------------------------------------------------------------


class _CaseEvent(_Private):
    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue


class CaseOpened(_CaseEvent):
    level: CaseLevel
    problems: list[str] = Field(min_length=1, max_length=30)
    problem_texts: list[str | None] = Field(max_length=30)
    plan_item_ids: list[EntityId] = Field(default_factory=list, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    opened_at: datetime


class CaseExtended(_CaseEvent):
    level: CaseLevel
    problems: list[str] = Field(min_length=1, max_length=30)
    problem_texts: list[str | None] = Field(max_length=30)
    plan_item_ids: list[EntityId] = Field(default_factory=list, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    extended_at: datetime


class CaseEscalated(_CaseEvent):
    from_level: CaseLevel
    to_level: CaseLevel
    reason: str = Field(min_length=1, max_length=2000)
    escalated_at: datetime


CaseAccepted = CaseAcceptedV1


class CaseReturned(_CaseEvent):
    from_level: CaseLevel
    to_level: CaseLevel
    reason: str = Field(min_length=1, max_length=2000)
    returned_at: datetime


class CaseResolved(_CaseEvent):
    level: CaseLevel
    assistance_ids: list[EntityId] = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=2000)
    resolved_at: datetime


CASE_EVENTS = EventNames(
    {
        "CaseOpened": CaseOpened,
        "CaseExtended": CaseExtended,
        "CaseEscalated": CaseEscalated,
        "CaseAccepted": CaseAccepted,
        "CaseReturned": CaseReturned,
        "CaseResolved": CaseResolved,
    }
)
