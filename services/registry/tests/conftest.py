"""Registry unit tests: an in-memory-like SQLite file with the platform's and the registry's tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain.eventsourcing.tables import metadata as platform_tables
from faemban_domain.platform.blobs import LocalBlobStore
from faemban_domain.platform.db import make_engine
from faemban_domain.platform.unit_of_work import Transactions
from faemban_registry.adapters.access_log import AccessLogWriter
from faemban_registry.adapters.tables import metadata as registry_tables
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork


@pytest.fixture()
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(platform_tables.create_all)
        await conn.run_sync(registry_tables.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture()
def registry(engine: AsyncEngine, tmp_path: Path) -> Transactions[RegistryUnitOfWork]:
    """Units of work on the test database, the way the service builds them (blobs in tmp)."""
    blobs = LocalBlobStore(tmp_path / "blobs")
    writer = AccessLogWriter(engine.begin)
    return Transactions(
        engine.begin,
        engine.connect,
        lambda conn: RegistryUnitOfWork(conn, blobs),
        lambda conn: RegistryUnitOfWork(conn, blobs, writer),
    )
