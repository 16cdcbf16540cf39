"""What one logbook command touches, bound to its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_assistance_log.adapters.directory import Directory
from faemban_assistance_log.adapters.event_store import Entries
from faemban_assistance_log.adapters.evidence import Evidence
from faemban_assistance_log.adapters.logbook import Logbook
from faemban_domain import context
from faemban_domain.platform.blobs import BlobStore
from faemban_domain.platform.unit_of_work import UnitOfWork


class LogbookUnitOfWork(UnitOfWork):
    def __init__(self, conn: AsyncConnection, blobs: BlobStore) -> None:
        super().__init__(conn)
        self.evidence = Evidence(conn, blobs)
        self.entries = Entries(conn)
        self.logbook = Logbook(conn)
        self.directory = Directory(conn)

    async def flush(self) -> None:
        """Each changed entry: its events, then its logbook row."""
        for entry in self.entries.changed():
            await self.entries.repository.save(self.conn, entry)
            await self.logbook.save(entry, context.actor.get() or "system")
