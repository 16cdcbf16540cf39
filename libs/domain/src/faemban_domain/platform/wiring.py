"""Broker and database of a service, chosen from settings in one place.

The app (one service or the embedded five), the CLI's ``rebuild`` and the benches all
wire through here, so a setting (partitions, replication factor, a service's database
URL) means the same thing wherever a process starts.
"""

from __future__ import annotations

from typing import Any

from faemban_domain.eventsourcing.broker import (
    Broker,
    KafkaBroker,
    KafkaCredentials,
    LocalBroker,
    client_options,
)
from faemban_domain.platform.settings import DatabaseSettings, PlatformSettings, sqlite_url


def make_broker(settings: PlatformSettings) -> Broker:
    """Kafka when ``KAFKA_BOOTSTRAP_SERVERS`` is set, else the in-process log under ``var_dir``."""
    if settings.kafka_bootstrap_servers:
        return KafkaBroker(
            settings.kafka_bootstrap_servers,
            settings.kafka_partitions,
            settings.kafka_replication_factor,
            kafka_credentials(settings),
        )
    return LocalBroker(settings.var_dir / "bus.sqlite")


def kafka_credentials(settings: PlatformSettings | None = None) -> KafkaCredentials | None:
    """The process's SASL principal from ``KAFKA_SASL_*``, or None on an unsecured broker."""
    settings = settings or PlatformSettings()
    if not settings.kafka_sasl_username:
        return None
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    return KafkaCredentials(
        settings.kafka_sasl_username,
        password,
        mechanism=settings.kafka_sasl_mechanism,
        security_protocol=settings.kafka_security_protocol,
    )


def kafka_client_options(settings: PlatformSettings | None = None) -> dict[str, Any]:
    """aiokafka keyword arguments for this process's credentials (tests and benches that
    build bare clients use it, so they reach a secured broker as the services do)."""
    return client_options(kafka_credentials(settings))


def database_url(
    settings: PlatformSettings,
    service: str,
    *,
    embedded: bool,
    databases: DatabaseSettings | None = None,
) -> str:
    """The service's own database: ``<SERVICE>_DATABASE_URL``; ``DATABASE_URL`` only when the
    process runs this one service; else a SQLite file under ``var_dir``."""
    databases = databases or DatabaseSettings()
    return databases.url_for(service, allow_generic=not embedded) or sqlite_url(settings.var_dir, service)
