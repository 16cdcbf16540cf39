"""Rows derived from planning's streams in the transaction of their events, and the lookups
commands and queues make over them and over the projected households.

Derived, never a second truth: each row is what its aggregate's stream says now.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.sql import upsert
from faemban_planning.adapters.tables import (
    household_plans,
    household_releases,
    mentor_teams,
    planning_assessments,
    planning_assistance,
    planning_cases,
    planning_households,
    team_assignments,
)
from faemban_planning.domain import events as ev
from faemban_planning.domain.case import Case
from faemban_planning.domain.plan import HouseholdPlan
from faemban_planning.domain.team import MentorTeam


class Index:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # -- writes (from flush) ----------------------------------------------------

    async def save_team(self, team: MentorTeam, recorded: list[Any]) -> None:
        row = {
            "team_id": team.id,
            "district_code": team.district_code,
            "name": team.name,
            "has_leader": team.has_leader,
            "households": len(team.households),
            "skills": sorted(team.skills),
            "user_ids": sorted(team.user_ids()),
        }
        await upsert(
            self.conn, mentor_teams, {**row, "appointed_at": team.appointed_at}, ["team_id"], list(row)[1:]
        )
        for e in recorded:
            event = ev.TEAM_EVENTS.decode(e.type, e.data)
            if isinstance(event, ev.HouseholdAssigned):
                d = event
                await upsert(
                    self.conn,
                    team_assignments,
                    {
                        "household_id": d.household_id,
                        "team_id": d.team_id,
                        "area_code": d.area_code,
                        "uncovered_dimensions": list(d.uncovered_dimensions),
                        "assigned_at": d.assigned_at,
                    },
                    ["household_id"],
                    ["team_id", "area_code", "uncovered_dimensions", "assigned_at"],
                )
                await self.conn.execute(
                    household_releases.delete().where(household_releases.c.household_id == d.household_id)
                )
            elif isinstance(event, ev.HouseholdReleased):
                r = event
                await self.conn.execute(
                    team_assignments.delete().where(
                        team_assignments.c.household_id == r.household_id,
                        team_assignments.c.team_id == r.team_id,
                    )
                )
                await upsert(
                    self.conn,
                    household_releases,
                    {
                        "household_id": r.household_id,
                        "team_id": r.team_id,
                        "cause": r.cause,
                        "released_at": r.released_at,
                    },
                    ["household_id"],
                    ["team_id", "cause", "released_at"],
                )

    async def save_plan(self, plan: HouseholdPlan) -> None:
        assert plan.made is not None
        await upsert(
            self.conn,
            household_plans,
            {
                "plan_id": plan.id,
                "household_id": plan.household_id,
                "area_code": plan.area_code,
                "closed": plan.closed_at is not None,
                "made_at": plan.made.made_at,
            },
            ["plan_id"],
            ["closed"],
        )

    async def save_case(self, case: Case) -> None:
        assert case.opened_at is not None and case.level_since is not None
        await upsert(
            self.conn,
            planning_cases,
            {
                "case_id": case.id,
                "household_id": case.household_id,
                "area_code": case.area_code,
                "level": case.level,
                "state": case.state,
                "problems": list(case.problems),
                "opened_at": case.opened_at,
                "level_since": case.level_since,
            },
            ["case_id"],
            ["level", "state", "problems", "level_since"],
        )

    # -- lookups ------------------------------------------------------------------

    async def household(self, household_id: str) -> dict[str, Any] | None:
        t = planning_households
        row = (
            (await self.conn.execute(sa.select(t).where(t.c.household_id == household_id))).mappings().first()
        )
        return dict(row) if row else None

    async def assessment(self, household_id: str) -> dict[str, Any] | None:
        t = planning_assessments
        row = (
            (await self.conn.execute(sa.select(t).where(t.c.household_id == household_id))).mappings().first()
        )
        return dict(row) if row else None

    async def team_of(self, household_id: str) -> str | None:
        t = team_assignments
        return await self.conn.scalar(sa.select(t.c.team_id).where(t.c.household_id == household_id))

    async def open_plan_of(self, household_id: str) -> str | None:
        t = household_plans
        return await self.conn.scalar(
            sa.select(t.c.plan_id).where(t.c.household_id == household_id, t.c.closed.is_(False))
        )

    async def plan_ids_of(self, household_id: str) -> list[str]:
        t = household_plans
        rows = await self.conn.execute(
            sa.select(t.c.plan_id).where(t.c.household_id == household_id).order_by(t.c.made_at, t.c.plan_id)
        )
        return list(rows.scalars())

    async def active_case_at(self, household_id: str, level: str) -> str | None:
        t = planning_cases
        return await self.conn.scalar(
            sa.select(t.c.case_id)
            .where(t.c.household_id == household_id, t.c.level == level, t.c.state != "resolved")
            .order_by(t.c.opened_at)
            .limit(1)
        )

    async def usable_assistance(self, household_id: str, entry_ids: list[str]) -> set[str]:
        t = planning_assistance
        rows = await self.conn.execute(
            sa.select(t.c.entry_id).where(
                t.c.entry_id.in_(entry_ids), t.c.household_id == household_id, t.c.voided.is_(False)
            )
        )
        return set(rows.scalars())
