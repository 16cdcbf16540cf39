"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import asyncpg
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from faemban_domain.platform.settings import PlatformSettings


async def fresh_db(base: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``base``; return its URL."""
    u = make_url(base + "/postgres")
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


class BenchSettings(BaseSettings):
    """Where the benches find their servers (``make bench`` sets both, like ``make test``)."""

    model_config = SettingsConfigDict(extra="ignore")

    test_postgres_url: str = Field(validation_alias="FAEMBAN_TEST_POSTGRES_URL")
    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")

    @property
    def postgres_base(self) -> str:
        return self.test_postgres_url.rstrip("/")

    def platform(self) -> PlatformSettings:
        """The platform settings the benched services run with (same wiring as the app)."""
        return PlatformSettings(kafka_bootstrap_servers=self.kafka_bootstrap_servers, kafka_partitions=6)
