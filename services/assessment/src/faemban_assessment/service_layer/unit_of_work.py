"""What one assessment command or consumed batch touches, bound to its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.adapters.event_store import Assessments
from faemban_assessment.adapters.tables import assessment_mentors
from faemban_domain.platform import mentors
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.unit_of_work import UnitOfWork


class AssessmentUnitOfWork(UnitOfWork):
    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.assessments = Assessments(conn)

    async def mentored_by(self, principal: Principal, household_id: str) -> bool:
        """Is the caller a mentor of the household's team (planning's assignment)?"""
        return "mentor" in principal.roles and await mentors.is_mentor_of(
            self.conn, assessment_mentors, household_id, principal.sub
        )

    async def flush(self) -> None:
        """Every changed assessment in one statement (all or none)."""
        changed = self.assessments.changed()
        if changed:
            await self.assessments.repository.save_many(self.conn, changed)
