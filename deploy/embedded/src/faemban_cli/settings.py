"""Settings of the ``faemban`` command besides the platform's."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class CliSettings(BaseSettings):
    """What the ``faemban`` command reads besides the platform settings."""

    model_config = SettingsConfigDict(env_prefix="FAEMBAN_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    url: str = "http://127.0.0.1:8000"
    """The server ``faemban import`` talks to."""
    token: str | None = None
    """A bearer token for ``faemban import`` (else a development admin token is minted)."""
