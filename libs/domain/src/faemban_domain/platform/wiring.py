"""Broker and database of a service, chosen from settings in one place.

The app (one service or the embedded five), the CLI's ``rebuild`` and the benches all
wire through here, so a setting (partitions, replication factor, a service's database
URL) means the same thing wherever a process starts.
"""

from __future__ import annotations

from faemban_domain.eventsourcing.broker import Broker, KafkaBroker, LocalBroker
from faemban_domain.platform.settings import DatabaseSettings, PlatformSettings, sqlite_url


def make_broker(settings: PlatformSettings) -> Broker:
    """Kafka when ``KAFKA_BOOTSTRAP_SERVERS`` is set, else the in-process log under ``var_dir``."""
    if settings.kafka_bootstrap_servers:
        return KafkaBroker(
            settings.kafka_bootstrap_servers,
            settings.kafka_partitions,
            settings.kafka_replication_factor,
        )
    return LocalBroker(settings.var_dir / "bus.sqlite")


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
