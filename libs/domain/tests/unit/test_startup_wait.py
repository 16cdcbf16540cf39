"""A starting service waits out a database or broker that is not up yet, and only that.

Compose and Kubernetes start the services beside PostgreSQL and Kafka; the container suite
(tests/containers) shows it with real ones. Here: which failures count as "not there yet",
and that the wait gives up at its deadline.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka.errors import KafkaConnectionError, NodeNotReadyError, TopicAuthorizationFailedError
from fastapi import FastAPI
from fastapi.testclient import TestClient

from faemban_domain.eventsourcing.broker import LocalBroker, broker_unreachable
from faemban_domain.platform.db import database_unreachable
from faemban_domain.platform.problems import install_problem_handlers
from faemban_domain.platform.service import ServiceRuntime, ServiceSpec
from faemban_domain.platform.settings import PlatformSettings


class StartingUp(Exception):
    """What asyncpg raises while PostgreSQL is still starting (CannotConnectNowError)."""

    sqlstate = "57P03"


class BadPassword(Exception):
    sqlstate = "28P01"


def runtime(tmp_path: Path, timeout: float) -> ServiceRuntime:
    spec = ServiceSpec(name="probe", title="probe", migrations=tmp_path)
    settings = PlatformSettings(var_dir=tmp_path, startup_timeout=timeout)
    return ServiceRuntime(
        spec, settings, f"sqlite+aiosqlite:///{tmp_path}/p.sqlite", LocalBroker(tmp_path / "b")
    )


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "refused"),
        OSError("Name or service not known"),
        StartingUp("the database system is starting up"),
        sa.exc.OperationalError("connect", {}, ConnectionRefusedError(111, "refused")),
        sa.exc.DBAPIError("connect", {}, StartingUp("starting")),
    ],
    ids=["refused", "no name yet", "starting up", "wrapped refused", "wrapped starting up"],
)
def test_a_database_not_there_yet_is_waited_for(exc: BaseException) -> None:
    assert database_unreachable(exc)


@pytest.mark.parametrize(
    "exc",
    [BadPassword("password authentication failed"), ValueError("bad migration"), KeyError("x")],
)
def test_a_refusal_or_a_bug_is_not_waited_for(exc: BaseException) -> None:
    assert not database_unreachable(exc)
    assert not broker_unreachable(exc)


def test_a_broker_not_there_yet_is_waited_for_but_not_a_refusal() -> None:
    assert broker_unreachable(KafkaConnectionError("Unable to bootstrap from kafka:9092"))
    assert broker_unreachable(NodeNotReadyError())
    assert not broker_unreachable(TopicAuthorizationFailedError())


async def test_start_up_retries_until_the_server_answers(tmp_path: Path) -> None:
    calls: list[int] = []

    async def step() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError(111, "refused")

    await runtime(tmp_path, timeout=30)._once_reachable("database", step)
    assert len(calls) == 3


async def test_start_up_fails_at_once_on_anything_else(tmp_path: Path) -> None:
    calls: list[int] = []

    async def step() -> None:
        calls.append(1)
        raise BadPassword("password authentication failed")

    with pytest.raises(BadPassword):
        await runtime(tmp_path, timeout=30)._once_reachable("database", step)
    assert len(calls) == 1


async def test_start_up_gives_up_at_its_deadline(tmp_path: Path) -> None:
    calls: list[Any] = []

    async def step() -> None:
        calls.append(1)
        raise KafkaConnectionError("Unable to bootstrap")

    with pytest.raises(KafkaConnectionError):
        await runtime(tmp_path, timeout=1.0)._once_reachable("broker", step)
    assert 2 <= len(calls) <= 5


@pytest.mark.parametrize(
    "exc, status",
    [
        (socket.gaierror(-3, "Temporary failure in name resolution"), 503),
        (ConnectionRefusedError(111, "refused"), 503),
        (ValueError("a bug"), 500),
    ],
    ids=["name not resolving", "refused", "a bug"],
)
def test_a_request_that_cannot_reach_the_database_is_a_503_to_retry(exc: Exception, status: int) -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/thing")
    async def thing() -> None:
        raise exc

    r = TestClient(app, raise_server_exceptions=False).get("/thing")
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert (r.headers.get("retry-after") == "5") == (status == 503)
