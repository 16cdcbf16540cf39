"""What one assessment command or consumed batch touches, bound to its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assessment.adapters.event_store import Assessments
from faemban_domain.platform.unit_of_work import UnitOfWork


class AssessmentUnitOfWork(UnitOfWork):
    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.assessments = Assessments(conn)

    async def flush(self) -> None:
        """Every changed assessment in one statement (all or none)."""
        changed = self.assessments.changed()
        if changed:
            await self.assessments.repository.save_many(self.conn, changed)
