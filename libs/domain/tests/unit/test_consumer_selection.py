"""A process runs the consumers ``FAEMBAN_CONSUMERS`` names (or all but those
``FAEMBAN_CONSUMERS_EXCEPT`` names), in a consumer group of their own (ADR 0029); a name that
is no consumer of its services stops it from starting."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.broker import LocalBroker
from faemban_domain.eventsourcing.consumer import ConsumerSpec
from faemban_domain.platform.kafka_access import consumer_group
from faemban_domain.platform.service import ServiceRuntime, ServiceSpec, create_app
from faemban_domain.platform.settings import PlatformSettings


async def _handler(conn: AsyncConnection, event: CloudEvent, tables: Mapping[str, sa.Table]) -> Any:
    return None


def spec(tmp_path: Path) -> ServiceSpec:
    return ServiceSpec(
        name="probe",
        title="probe",
        migrations=tmp_path,
        consumers=[ConsumerSpec(name=f"probe.{n}", topics=["t"], handler=_handler) for n in ("a", "b", "c")],
    )


def names(tmp_path: Path, settings: PlatformSettings) -> list[str]:
    url = f"sqlite+aiosqlite:///{tmp_path}/probe.db"
    rt = ServiceRuntime(spec(tmp_path), settings, url, LocalBroker(tmp_path / "log.db"))
    return [c.name for c in rt.selected_consumers()]


def test_the_setting_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAEMBAN_CONSUMERS", " probe.b , probe.c,")
    assert PlatformSettings().consumers == ("probe.b", "probe.c")
    monkeypatch.setenv("FAEMBAN_CONSUMERS", "")
    assert PlatformSettings().consumers == ()


def test_a_process_runs_the_named_consumers_or_all(tmp_path: Path) -> None:
    assert names(tmp_path, PlatformSettings(var_dir=tmp_path)) == ["probe.a", "probe.b", "probe.c"]
    only = PlatformSettings(var_dir=tmp_path, consumers=("probe.c", "probe.a"))
    assert names(tmp_path, only) == ["probe.a", "probe.c"]
    but = PlatformSettings(var_dir=tmp_path, consumers_except=("probe.b",))
    assert names(tmp_path, but) == ["probe.a", "probe.c"]


def test_all_but_some_is_a_comma_separated_list_and_not_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAEMBAN_CONSUMERS_EXCEPT", "probe.b, probe.c")
    assert PlatformSettings().consumers_except == ("probe.b", "probe.c")
    monkeypatch.setenv("FAEMBAN_CONSUMERS", "probe.a")
    with pytest.raises(ValueError, match="not both"):
        PlatformSettings()


def test_some_of_a_services_consumers_subscribe_in_a_group_of_their_own() -> None:
    assert consumer_group("probe") == "probe.consumers"
    assert consumer_group("probe", ["probe.c", "probe.a"]) == "probe.consumers.probe.a+probe.c"
    assert consumer_group("probe", ["probe.b"]) != consumer_group("probe", ["probe.a", "probe.c"])
    # within the service's prefix, where its broker principal may join groups (ADR 0023)
    assert consumer_group("probe", ["probe.b"]).startswith("probe.")


def test_a_name_that_is_no_consumer_of_the_process_stops_it(tmp_path: Path) -> None:
    settings = PlatformSettings(var_dir=tmp_path, consumers=("probe.a", "probe.x"))
    with pytest.raises(ValueError, match="probe.x"):
        create_app([spec(tmp_path)], settings=settings, embedded=False)
    settings = PlatformSettings(var_dir=tmp_path, consumers_except=("probe.y",))
    with pytest.raises(ValueError, match="FAEMBAN_CONSUMERS_EXCEPT names no consumer of probe: probe.y"):
        create_app([spec(tmp_path)], settings=settings, embedded=False)
