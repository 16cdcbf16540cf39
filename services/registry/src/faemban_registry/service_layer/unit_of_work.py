"""What one registry command touches, bound to its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.platform.blobs import BlobStore
from faemban_domain.platform.unit_of_work import UnitOfWork
from faemban_registry.adapters.access_log import AccessLog, AccessLogWriter
from faemban_registry.adapters.event_store import Households
from faemban_registry.adapters.household_index import HouseholdIndex
from faemban_registry.adapters.personal import PersonalData
from faemban_registry.adapters.photo_store import Photos


class RegistryUnitOfWork(UnitOfWork):
    def __init__(
        self, conn: AsyncConnection, blobs: BlobStore, access_writer: AccessLogWriter | None = None
    ) -> None:
        super().__init__(conn)
        self.households = Households(conn)
        self.index = HouseholdIndex(conn)
        self.personal = PersonalData(conn)
        self.photos = Photos(conn, blobs)
        self.access_log = AccessLog(conn, access_writer)

    async def settle(self) -> None:
        """After a read: its personal-data access rows are durable before it answers."""
        await self.access_log.settle()

    async def flush(self) -> None:
        """Each changed household: its new events, then its index row."""
        for household in self.households.changed():
            await self.households.repository.save(self.conn, household)
            await self.index.save(household)
