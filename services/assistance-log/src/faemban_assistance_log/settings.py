"""The logbook's own settings (``FAEMBAN_ASSISTANCE_LOG_*``)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AssistanceLogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAEMBAN_ASSISTANCE_LOG_", extra="ignore")

    blob_store: str | None = None
    """Where evidence photos live: ``file:///dir`` or ``s3://bucket/prefix``; default
    ``<var>/assistance-blobs``."""
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FAEMBAN_S3_ENDPOINT_URL", "FAEMBAN_ASSISTANCE_LOG_S3_ENDPOINT_URL"),
    )
