"""Composition of a service process: one ServiceSpec, two wirings.

``create_service_app`` runs one service (its own database, Kafka); the
embedded runner calls ``create_app`` with all five specs, SQLite files and the
shared in-process log. The service code is the same in both (no second
implementation of any rule); only the wiring differs.
"""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faemban_domain import context
from faemban_domain.bounds import REQUEST_ID_PATTERN
from faemban_domain.eventsourcing.broker import Broker, Publisher, broker_unreachable
from faemban_domain.eventsourcing.consumer import ConsumerRunner, ConsumerSpec
from faemban_domain.eventsourcing.projection import RebuildReport, rebuild_projection
from faemban_domain.eventsourcing.relay import EventRelay
from faemban_domain.eventsourcing.store import EventStore
from faemban_domain.platform.auth import TokenVerifier
from faemban_domain.platform.db import READ_ONLY, database_unreachable, ensure_database, make_engine, upgrade
from faemban_domain.platform.kafka_access import consumer_group
from faemban_domain.platform.logging import configure_logging
from faemban_domain.platform.openapi import install_openapi
from faemban_domain.platform.problems import PROBLEM_JSON, install_problem_handlers
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.platform.telemetry import configure_tracing, instrument
from faemban_domain.platform.wiring import database_url, make_broker

log = structlog.get_logger("faemban.service")

HTTP_REQUESTS = Counter("faemban_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("faemban_http_request_seconds", "HTTP request latency", ["method", "route"])


@dataclass
class ServiceSpec:
    name: str
    title: str
    migrations: Path
    routers: Sequence[APIRouter] = ()
    publishes: str | None = None
    store: EventStore | None = None
    """The event store whose events the relay publishes to ``publishes`` (ADR 0032)."""
    consumers: Sequence[ConsumerSpec] = ()
    description: str = ""
    on_start: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = ()
    """Service-specific start-up (after migrations, relay and consumers), e.g. resuming jobs."""
    components: Callable[[ServiceRuntime], Awaitable[object]] | None = None
    """Builds the service's long-lived parts (its ``Transactions`` of units of work, job
    runners, blob store) once the database is migrated; entry points reach them through
    ``components_of(name, type)``, typed."""


@dataclass
class ServiceRuntime:
    spec: ServiceSpec
    settings: PlatformSettings
    database_url: str
    broker: Broker
    engine: AsyncEngine = field(init=False)
    relay: EventRelay | None = field(default=None, init=False)
    runners: list[ConsumerRunner] = field(default_factory=list, init=False)
    _publisher: Publisher | None = field(default=None, init=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False)
    components: object | None = field(default=None, init=False)
    """What ``spec.components`` built (None for a service without it)."""

    def __post_init__(self) -> None:
        self.engine = make_engine(self.database_url)
        # Reading connections share the pool; their options are applied as each is checked
        # out, inside the pool's own call (an ``execution_options`` per read was a second
        # greenlet hop). On PostgreSQL no BEGIN / ROLLBACK around the reads: each statement is
        # its own snapshot, as under READ COMMITTED inside a transaction.
        self._reading_engine = self.engine.execution_options(
            **({"isolation_level": "AUTOCOMMIT"} if self.engine.dialect.name == "postgresql" else {}),
            **READ_ONLY,
        )

    @property
    def name(self) -> str:
        return self.spec.name

    async def migrate(self) -> None:
        if self.settings.create_database:
            await ensure_database(self.database_url)
        await upgrade(self.spec.migrations, self.database_url)

    async def start(self, *, run_consumers: bool = True) -> None:
        await self._once_reachable("database", self.migrate)
        topics = [t for t in [self.spec.publishes] if t]
        if topics:
            await self._once_reachable("broker", lambda: self.broker.ensure_topics(topics))
        publisher = self._publisher = self.broker.publisher()
        await self._once_reachable("broker", publisher.start)
        if self.spec.publishes:
            store = self.spec.store
            if store is None or store.topic != self.spec.publishes:
                raise ValueError(f"{self.name} publishes {self.spec.publishes} without its event store")
            relay = self.relay = EventRelay(
                self.name, self.engine, self._publisher, store, fault_point=self.settings.fault_injection
            )
            self._spawn(lambda: relay.run(self._stop), "relay")
        members = self.selected_consumers()
        if run_consumers and members:
            # one subscription per service fanning out to all its consumers: each record is
            # fetched, parsed and checked once, and every projection of a batch commits together
            some = [m.name for m in members] if len(members) < len(self.spec.consumers) else []
            runner = ConsumerRunner(
                members,
                self.engine,
                self.broker,
                self._publisher,
                batch_size=5000,
                group=consumer_group(self.name, some),
            )
            self.runners.append(runner)
            self._spawn(partial(runner.run, self._stop), f"consumers:{self.name}")
        if self.spec.components is not None:
            self.components = await self.spec.components(self)
        for hook in self.spec.on_start:
            await hook(self)
        log.info("service.started", service=self.name, broker=self.broker.name)

    def selected_consumers(self) -> list[ConsumerSpec]:
        """The service's consumers this process runs: those ``FAEMBAN_CONSUMERS`` names, all but
        those ``FAEMBAN_CONSUMERS_EXCEPT`` names, or all.

        Why: a service's consumers share one process and so one core; where one of them is
        long behind the others (the assessment's summary after a national import), it can
        run in a second process of the service, on the other core (ADR 0029)."""
        chosen, left_out = self.settings.consumers, self.settings.consumers_except
        return [c for c in self.spec.consumers if (not chosen or c.name in chosen) and c.name not in left_out]

    async def _once_reachable(self, what: str, step: Callable[[], Awaitable[None]]) -> None:
        """Run a start-up step, waiting out a database or broker that is not up yet.

        Compose and Kubernetes start the services beside PostgreSQL and Kafka, not after
        them: a service that exits on the first refused connection crash-loops for minutes.
        It retries with backoff for ``startup_timeout`` seconds instead, and gives up with
        the last error (a wrong password or a failing migration fails at once)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.startup_timeout
        delay = 0.25
        while True:
            try:
                await step()
                return
            except Exception as exc:
                if not (database_unreachable(exc) or broker_unreachable(exc)):
                    raise
                if loop.time() + delay > deadline:
                    log.error("service.gave_up_waiting", service=self.name, waited_for=what)
                    raise
                log.warning(
                    "service.waiting",
                    service=self.name,
                    waited_for=what,
                    error=repr(exc)[:300],
                    retry_in=delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def spawn(self, coro: Awaitable[None], what: str) -> asyncio.Task[None]:
        """A background task owned by the runtime: cancelled at stop, errors logged."""

        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("service.task_failed", service=self.name, task=what)

        task = asyncio.create_task(guarded(), name=f"{self.name}:{what}")
        self._tasks.append(task)
        return task

    def _spawn(self, loop: Callable[[], Awaitable[None]], what: str) -> None:
        async def guarded() -> None:
            # A crashed loop is logged and restarted: a service must not go
            # silently deaf to its topic.
            while not self._stop.is_set():
                try:
                    await loop()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("service.loop_crashed", service=self.name, loop=what)
                    await asyncio.sleep(1.0)

        self._tasks.append(asyncio.create_task(guarded(), name=f"{self.name}:{what}"))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._publisher is not None:
            await self._publisher.stop()
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A unit of work; after commit the relay is woken to publish at once."""
        async with self.engine.begin() as conn:
            yield conn
        if self.relay is not None:
            self.relay.wake()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection that only reads (on SQLite it takes no write lock)."""
        async with self._reading_engine.connect() as conn:
            yield conn

    async def _select_one(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def readiness(self) -> dict[str, str]:
        status: dict[str, str] = {}
        try:
            await asyncio.wait_for(self._select_one(), 5)
            status["database"] = "ok"
        except Exception as exc:
            status["database"] = f"error: {exc}"
        try:
            await asyncio.wait_for(self.broker.ping(), 5)
            status["broker"] = "ok"
        except Exception as exc:
            status["broker"] = f"error: {exc}"
        return status

    async def rebuild(self, projection: str) -> RebuildReport:
        spec = next((c for c in self.spec.consumers if c.name == projection), None)
        if spec is None or not spec.tables:
            known = [c.name for c in self.spec.consumers if c.tables]
            raise KeyError(f"{projection!r} is not a projection of {self.name}; known: {known}")
        return await rebuild_projection(self.engine, self.broker, spec)


def runtime_of(name: str) -> Callable[[Request], Awaitable[ServiceRuntime]]:
    """FastAPI dependency: the runtime of service ``name`` in this process."""

    async def dependency(request: Request) -> ServiceRuntime:  # async: no thread-pool hop
        runtime: ServiceRuntime = request.app.state.runtimes[name]
        return runtime

    return dependency


T = TypeVar("T")


def components_of(name: str, kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """FastAPI dependency: the components of service ``name``, checked to be a ``kind``."""

    async def dependency(request: Request) -> T:  # async: FastAPI runs a sync one in a thread
        built = request.app.state.runtimes[name].components
        if not isinstance(built, kind):
            raise RuntimeError(f"{name} has no {kind.__name__} (is the service started?)")
        return built

    return dependency


def settle_heap(young_threshold: int) -> tuple[int, int, int] | None:
    """Once started: what was built to start (modules, schemas, the app) moves out of the
    collector's reach, and young collections run every ``young_threshold`` allocations
    instead of Python's 700 (ADR 0024).

    Why: a request or a consumed batch allocates thousands of objects, so with the default
    thresholds the cycle collector ran many times a request and every full collection walked
    the whole start-up heap: a fifth of a household GET's CPU and most of its p99
    (docs/benchmarks.md, "Reads"). 0 keeps Python's defaults. Returns the thresholds it
    replaced, to restore at shutdown.
    """
    if young_threshold <= 0:
        return None
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, before[1], before[2])
    return before


class CorrelationMiddleware:
    """X-Request-ID in (or a new uuid) → log context, event metadata, response header.

    A client's id is used only when it is a safe token (``bounds.REQUEST_ID_PATTERN``):
    it travels into every caused event's ``correlationid``, where free text could carry
    personal data. Otherwise a new id is made and the client's value only logged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = None
        for k, v in scope.get("headers", []):
            if k == b"x-request-id":
                offered = v.decode("latin-1")
        rid = offered if offered and REQUEST_ID_PATTERN.fullmatch(offered) else str(uuid.uuid4())
        if offered is not None and offered != rid:
            log.info("http.request_id_replaced", offered=offered[:200], correlation_id=rid)
        token = context.correlation_id.set(rid)
        actor_token = context.actor.set(None)
        structlog.contextvars.bind_contextvars(correlation_id=rid)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], path, str(status_holder["status"])).inc()
            HTTP_LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("correlation_id")
            context.correlation_id.reset(token)
            context.actor.reset(actor_token)


MAX_JSON_BODY = 2 * 1024 * 1024
MAX_UPLOAD_BODY = 520 * 1024 * 1024
"""Request bodies: a form as JSON is well under 2 MB; a multipart upload (a register of a
whole province, photos) under the import's 512 MB plus the envelope."""


class BodyLimitMiddleware:
    """Refuse a body over its bound with 413 before the app reads it into memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = MAX_UPLOAD_BODY if multipart else MAX_JSON_BODY
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, bounded, send)
        except _BodyTooLarge:
            await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        '{"type":"https://faemban.th/problems/too-large","title":"Body too large",'
        f'"status":413,"detail":"the limit is {limit // 2**20} MB"}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _platform_router() -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.get("/healthz")
    async def healthz(request: Request) -> dict[str, Any]:
        return {"status": "ok", "services": {name: "ok" for name in request.app.state.runtimes}}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        checks = {name: await rt.readiness() for name, rt in request.app.state.runtimes.items()}
        ok = all(v == "ok" for c in checks.values() for v in c.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "services": checks}, 200 if ok else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    specs: Sequence[ServiceSpec],
    *,
    settings: PlatformSettings | None = None,
    embedded: bool,
    title: str | None = None,
) -> FastAPI:
    """One process serving ``specs``: a single service, or all five (embedded)."""
    settings = settings or PlatformSettings()
    known = {c.name for spec in specs for c in spec.consumers}
    services = ", ".join(s.name for s in specs)
    for variable, named in (("", settings.consumers), ("_EXCEPT", settings.consumers_except)):
        # a misspelt name would leave its consumer running nowhere, or twice
        if unknown := sorted(set(named) - known):
            names = ", ".join(unknown)
            raise ValueError(f"FAEMBAN_CONSUMERS{variable} names no consumer of {services}: {names}")
    configure_logging(settings.log_level, settings.log_format)
    made_provider = configure_tracing(
        settings, f"faemban-{specs[0].name}" if len(specs) == 1 and not embedded else "faemban"
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broker = make_broker(settings)
        runtimes: dict[str, ServiceRuntime] = {}
        for spec in specs:
            url = database_url(settings, spec.name, embedded=embedded)
            runtimes[spec.name] = ServiceRuntime(spec, settings, url, broker)
        app.state.runtimes = runtimes
        app.state.token_verifier = TokenVerifier(settings)
        app.state.settings = settings
        started: list[ServiceRuntime] = []
        settled: tuple[int, int, int] | None = None
        try:
            for rt in runtimes.values():
                await rt.start(run_consumers=settings.run_consumers)
                started.append(rt)
            settled = settle_heap(settings.gc_young_threshold)
            yield
        finally:
            if settled is not None:
                gc.unfreeze()  # a stopped app's start-up heap may be collected again (tests)
                gc.set_threshold(*settled)
            for rt in reversed(started):
                await rt.stop()
            await broker.close()
            if made_provider is not None:
                made_provider.shutdown()  # the last spans out to the collector

    description = "\n\n".join(s.description for s in specs if s.description)
    app = FastAPI(
        title=title or (specs[0].title if len(specs) == 1 else "Faemban"),
        version="0.1.0",
        description=description,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(CorrelationMiddleware)
    instrument(app)
    install_problem_handlers(app)
    install_openapi(app)
    app.include_router(_platform_router())
    for spec in specs:
        for router in spec.routers:
            app.include_router(router)
    return app


def create_service_app(spec: ServiceSpec) -> FastAPI:
    return create_app([spec], embedded=False)
