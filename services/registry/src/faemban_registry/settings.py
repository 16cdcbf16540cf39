"""The registry's own settings; the platform's are ``faemban_domain.platform.settings``."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrySettings(BaseSettings):
    """The registry's own settings (``FAEMBAN_REGISTRY_*``)."""

    model_config = SettingsConfigDict(env_prefix="FAEMBAN_REGISTRY_", extra="ignore")

    map_min_households: int = Field(default=5, ge=2, le=1000)
    """A village's point on the aggregate map is shown only when at least this many households are
    pinned there (fewer: counts without a point, so no single household's pin can be inferred)."""
    keep_uploads: bool = False
    """Keep an uploaded register after its import ended (it holds names, citizen ids, pins)."""
    import_workers: int = Field(default=2, ge=1, le=16)
    """Worker processes that validate a large register's rows (till the file is validated the
    registry is the only service with work; more than the cores it may use gains nothing)."""
    blob_store: str | None = None
    """Where photos live: ``file:///dir`` or ``s3://bucket/prefix``; default ``<var>/registry-blobs``."""
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FAEMBAN_S3_ENDPOINT_URL", "FAEMBAN_REGISTRY_S3_ENDPOINT_URL"),
    )
