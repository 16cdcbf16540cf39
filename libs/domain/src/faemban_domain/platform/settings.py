"""Settings from environment variables (pydantic-settings); the README's table lists them all.

Every variable the code reads is a field of one of these classes: nothing else in
``services/``, ``libs/`` or ``deploy/`` calls ``os.environ`` (a deploy test checks it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class PlatformSettings(BaseSettings):
    """What every service process reads at start (``FAEMBAN_*``)."""

    model_config = SettingsConfigDict(env_prefix="FAEMBAN_", extra="ignore")

    env: Literal["development", "production"] = "development"
    var_dir: Path = Path("var")
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "FAEMBAN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    kafka_partitions: int = 6
    kafka_replication_factor: int = 1
    kafka_sasl_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SASL_USERNAME", "FAEMBAN_KAFKA_SASL_USERNAME"),
    )
    """The process's principal on the broker (``faemban-<service>``; ADR 0023). Unset: no SASL."""
    kafka_sasl_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SASL_PASSWORD", "FAEMBAN_KAFKA_SASL_PASSWORD"),
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        default="SCRAM-SHA-512",
        validation_alias=AliasChoices("KAFKA_SASL_MECHANISM", "FAEMBAN_KAFKA_SASL_MECHANISM"),
    )
    """SCRAM for services and partners; PLAIN only for the broker's bootstrap administrator."""
    kafka_security_protocol: Literal["SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="SASL_PLAINTEXT",
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL", "FAEMBAN_KAFKA_SECURITY_PROTOCOL"),
    )
    """With credentials: SASL_SSL verifies the broker against the system's CA bundle."""
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
    consumers: Annotated[tuple[str, ...], NoDecode] = Field(default=(), max_length=32)
    """The consumers this process runs, by name, comma-separated (``assessment.summary``); empty:
    all of its services' consumers. A service can so run a consumer in a process of its own
    beside the one that runs the others, each in its own consumer group (ADR 0029)."""
    consumers_except: Annotated[tuple[str, ...], NoDecode] = Field(default=(), max_length=32)
    """The consumers this process does not run, comma-separated: the other process of such a
    split names what it leaves out, so a consumer added to the service later runs here
    without a change to the deployment. Not together with ``consumers``."""
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "FAEMBAN_OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    """An OpenTelemetry collector's OTLP/HTTP base URL (``http://collector:4318``): traces of
    requests and of the events they set moving go there. Unset: tracing is off."""
    otel_service_name: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_SERVICE_NAME", "FAEMBAN_OTEL_SERVICE_NAME")
    )
    """The traces' ``service.name``; default ``faemban-<service>`` (``faemban`` embedded)."""
    startup_timeout: float = Field(default=180.0, ge=0, le=3600)
    """Seconds a starting service waits for its database and broker (compose and Kubernetes
    start everything at once) before it gives up and exits."""
    gc_young_threshold: int = Field(default=50_000, ge=0, le=10_000_000)
    """Allocations between two young collections of Python's cycle collector, set once the
    service has started (with the start-up heap frozen); 0 keeps Python's default (700).
    ADR 0024."""
    fault_injection: str | None = None
    """Crash-test hook (``relay.before_publish`` / ``relay.after_publish``): the relay kills
    its own process there. Only the kill -9 tests set it."""

    @field_validator("consumers", "consumers_except", mode="before")
    @classmethod
    def _consumer_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @model_validator(mode="after")
    def _one_way_to_choose_consumers(self) -> PlatformSettings:
        if self.consumers and self.consumers_except:
            raise ValueError("set FAEMBAN_CONSUMERS or FAEMBAN_CONSUMERS_EXCEPT, not both")
        return self


class DatabaseSettings(BaseSettings):
    """Each service's PostgreSQL URL; ``DATABASE_URL`` serves a process that runs one service."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str | None = None
    registry_database_url: str | None = None
    assessment_database_url: str | None = None
    planning_database_url: str | None = None
    assistance_log_database_url: str | None = None
    reporting_database_url: str | None = None

    def url_for(self, service: str, *, allow_generic: bool) -> str | None:
        """``<SERVICE>_DATABASE_URL``, else (one service per process only) ``DATABASE_URL``."""
        specific: str | None = getattr(self, f"{env_prefix(service).lower()}_database_url", None)
        if specific:
            return specific
        return (self.database_url or None) if allow_generic else None


class CatalogueSettings(BaseSettings):
    """Configuration of the shared catalogue (rule sets, campaign calendar), read by every service."""

    model_config = SettingsConfigDict(env_prefix="FAEMBAN_", extra="ignore")

    rule_sets: str = ""
    """Further survey years' indicator rules: inline JSON or a path to a JSON file."""
    campaign_calendar: str = ""
    """Campaign dates per survey year as JSON."""


@cache
def catalogue_settings() -> CatalogueSettings:
    """Read once per process (the catalogue is consulted per household); tests that change
    the environment call ``catalogue_settings.cache_clear()``."""
    return CatalogueSettings()


def env_prefix(service: str) -> str:
    return service.upper().replace("-", "_")


def sqlite_url(var_dir: Path, service: str) -> str:
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(var_dir / f'{service}.sqlite').resolve()}"
