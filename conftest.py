"""Test fixtures for real infrastructure, shared by every suite.

Integration and end-to-end tests use the PostgreSQL and Kafka that
``make test`` starts (deploy/local/infra.sh) or external servers named by
``FAEMBAN_TEST_POSTGRES_URL`` and ``KAFKA_BOOTSTRAP_SERVERS``. When neither is
there the tests fail with instructions: they are never skipped, since a
skipped infrastructure test proves nothing.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

HOW = "start them with `deploy/local/infra.sh up` and `eval $(deploy/local/infra.sh env)`, or run `make test`"


@pytest.fixture(autouse=True)
def _fresh_catalogue_settings() -> Iterator[None]:
    """A test that changes FAEMBAN_RULE_SETS / FAEMBAN_CAMPAIGN_CALENDAR leaves no cached copy."""
    from faemban_domain.platform.settings import catalogue_settings

    catalogue_settings.cache_clear()
    yield
    catalogue_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    url = os.environ.get("FAEMBAN_TEST_POSTGRES_URL")
    if not url:
        pytest.fail(f"FAEMBAN_TEST_POSTGRES_URL is not set: this test needs real PostgreSQL; {HOW}")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        pytest.fail(f"KAFKA_BOOTSTRAP_SERVERS is not set: this test needs a real Kafka broker; {HOW}")
    return servers


@pytest.fixture(scope="session")
def kafka_secrets_dir(kafka_bootstrap: str) -> Path:
    """Where the local broker's provisioning keeps each service principal's password."""
    folder = os.environ.get("FAEMBAN_KAFKA_SECRETS_DIR")
    if not folder:
        pytest.fail(f"FAEMBAN_KAFKA_SECRETS_DIR is not set: services need their Kafka principals; {HOW}")
    return Path(folder)


@pytest.fixture(scope="session")
def create_database(postgres_base_url: str) -> Iterator[Callable[[str], Awaitable[str]]]:
    """Factory of fresh PostgreSQL databases (dropped at the end of the session).

    A plain fixture returning an async factory, so that parametrised async
    fixtures can request it lazily.
    """
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(postgres_base_url + "/postgres")
    created: list[str] = []

    async def admin() -> asyncpg.Connection:
        return await asyncpg.connect(
            host=base.host, port=base.port, user=base.username, password=base.password, database="postgres"
        )

    async def factory(label: str) -> str:
        name = f"t_{uuid.uuid4().hex[:10]}_{label}".replace("-", "_")
        conn = await admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        created.append(name)
        return f"{postgres_base_url}/{name}"

    yield factory

    async def drop_all() -> None:
        conn = await admin()
        try:
            for name in created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    # The session's loop may be closed already: drop from a loop of our own.
    worker = threading.Thread(target=lambda: asyncio.run(drop_all()))
    worker.start()
    worker.join()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
async def empty_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty database of each kind a service runs on (SQLite file, real PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('empty') / 'service.sqlite'}"
    create: Callable[[str], Awaitable[str]] = request.getfixturevalue("create_database")
    return await create("empty")
