"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from faemban_domain.platform.kafka_access import service_client_env
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
    kafka_secrets_dir: Path | None = Field(default=None, validation_alias="FAEMBAN_KAFKA_SECRETS_DIR")
    """The local broker's service passwords (``infra.sh env``): each benched service runs as its
    own principal, held to its ACLs as in production (ADR 0023)."""

    def as_service(self, env: dict[str, str], service: str) -> dict[str, str]:
        """``env`` for one service's process, with its own Kafka principal when there are some."""
        if self.kafka_secrets_dir is None:
            return env
        return {**env, **service_client_env(service, self.kafka_secrets_dir)}

    @property
    def postgres_base(self) -> str:
        return self.test_postgres_url.rstrip("/")

    def platform(self) -> PlatformSettings:
        """The platform settings the benched services run with (same wiring as the app)."""
        return PlatformSettings(kafka_bootstrap_servers=self.kafka_bootstrap_servers, kafka_partitions=6)
