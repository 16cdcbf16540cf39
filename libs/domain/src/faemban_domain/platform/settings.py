"""Settings from environment variables (pydantic-settings); README lists them all."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAEMBAN_", extra="ignore")

    env: Literal["development", "production"] = "development"
    var_dir: Path = Path("var")
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "FAEMBAN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    kafka_partitions: int = 6
    kafka_replication_factor: int = 1
    jwt_public_key: str | None = None
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    create_database: bool = True
    """Create the service's PostgreSQL database at start when missing (development)."""
    run_consumers: bool = True


def env_prefix(service: str) -> str:
    return service.upper().replace("-", "_")


def database_url_for(service: str, *, allow_generic: bool) -> str | None:
    """``<SERVICE>_DATABASE_URL``, else (one service per process only) ``DATABASE_URL``."""
    import os

    specific = os.environ.get(f"{env_prefix(service)}_DATABASE_URL")
    if specific:
        return specific
    if allow_generic:
        return os.environ.get("DATABASE_URL") or None
    return None


def sqlite_url(var_dir: Path, service: str) -> str:
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(var_dir / f'{service}.sqlite').resolve()}"
