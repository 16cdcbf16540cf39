"""A unit of work per command, and the one way an entry point runs a handler in it.

A service's unit of work holds the connection of one transaction and the repositories
and adapters a command touches (bound to that connection). Handlers are plain functions
``(uow, principal, command)`` that load, decide and leave the changed aggregates in the
unit of work; ``flush`` saves them (events and derived rows) in the same
transaction; the transaction commits when the block ends (Cosmic Python's pattern).

``Transactions.run`` is the whole body of a writing endpoint: open the transaction,
answer a retried request from its idempotency key, call the handler, flush, shape the
response, remember it for retries, commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.store import ConcurrencyError
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.db import is_stale
from faemban_domain.platform.idempotency import Idempotency


class UnitOfWork:
    """What one command touches, bound to its transaction's connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def flush(self) -> None:
        """Save what the command changed (each service saves its aggregates here)."""

    async def settle(self) -> None:
        """After a read, once its connection is back in the pool: what must be durable before
        the answer (the registry's access-log rows)."""


U = TypeVar("U", bound=UnitOfWork)
C = TypeVar("C")
R = TypeVar("R")

Handler = Callable[[U, Principal, C], Awaitable[R]]


class Transactions(Generic[U]):
    """Units of work of one service: ``writing()`` commits, ``reading()`` only reads."""

    def __init__(
        self,
        begin: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
        read: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
        build: Callable[[AsyncConnection], U],
        build_reading: Callable[[AsyncConnection], U] | None = None,
    ) -> None:
        self._begin = begin
        self._read = read
        self._build = build
        self._build_reading = build_reading or build
        """A reading unit of work may differ (the registry's logs personal reads through a
        group commit of its own; a writing one logs in its own transaction)."""

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[U]:
        async with self._begin() as conn:
            uow = self._build(conn)
            yield uow
            await uow.flush()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[U]:
        async with self._read() as conn:
            yield self._build_reading(conn)

    async def run(
        self,
        handler: Handler[U, C, R],
        principal: Principal,
        command: C,
        *,
        respond: Callable[[R], Any] | None = None,
        once: Idempotency | None = None,
        status_code: int = 200,
        retries: int = 0,
    ) -> Any:
        """Run a command handler in a new transaction; the shaped response, or a retry's first one.

        ``retries``: how many times a command that met a concurrent writer (a consumer of the
        same stream) runs again from a fresh load; a client's own ``expected_version`` is not
        retried, so leave it 0 for commands that carry one.
        """
        stale_once = False
        attempt = 0
        while True:
            try:
                async with self.writing() as uow:
                    if once is not None and (replayed := await once.replay(uow.conn)) is not None:
                        return replayed
                    result = await handler(uow, principal, command)
                    await uow.flush()
                    out: Any = respond(result) if respond is not None else result
                    if once is not None:
                        await once.remember(uow.conn, status_code, out)
                return out
            except ConcurrencyError:
                if attempt == retries:
                    raise
                attempt += 1
            except Exception as exc:
                if not is_stale(exc) or stale_once:
                    raise
                stale_once = True  # a pooled connection the server dropped: once more, afresh

    async def read(
        self,
        handler: Handler[U, C, R],
        principal: Principal,
        query: C,
        *,
        respond: Callable[[R], Any] | None = None,
    ) -> Any:
        """Run a query handler on a reading connection (no write lock on SQLite); once more
        on a fresh connection if the pooled one was dropped by the server."""
        try:
            async with self.reading() as uow:
                result = await handler(uow, principal, query)
        except Exception as exc:
            if not is_stale(exc):
                raise
            async with self.reading() as uow:
                result = await handler(uow, principal, query)
        await uow.settle()
        return respond(result) if respond is not None else result
