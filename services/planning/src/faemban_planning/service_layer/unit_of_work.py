"""What one planning command touches, bound to its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.platform.unit_of_work import UnitOfWork
from faemban_planning.adapters.event_store import Cases, Plans, Teams
from faemban_planning.adapters.index import Index


class PlanningUnitOfWork(UnitOfWork):
    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.teams = Teams(conn)
        self.plans = Plans(conn)
        self.cases = Cases(conn)
        self.index = Index(conn)

    async def flush(self) -> None:
        """Each changed team, plan and case: its events, then its derived rows."""
        for team in self.teams.changed():
            recorded = await self.teams.repository.save(self.conn, team)
            await self.index.save_team(team, recorded)
        for plan in self.plans.changed():
            await self.plans.repository.save(self.conn, plan)
            await self.index.save_plan(plan)
        for case in self.cases.changed():
            await self.cases.repository.save(self.conn, case)
            await self.index.save_case(case)
