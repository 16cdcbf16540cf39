"""Request-scoped facts that must travel into every event's metadata.

Set once by the HTTP middleware (or the consumer runner for event-caused work)
so that handlers need not thread them through every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)


def cause() -> dict[str, str | None]:
    """What an event recorded now is caused by (captured when an aggregate records it)."""
    return {"correlation_id": correlation_id.get(), "causation_id": causation_id.get()}


@contextmanager
def caused_by(event_id: str, correlation: str | None) -> Iterator[None]:
    """Work on behalf of one consumed event inside a batch: the events it records name that
    event as their cause and carry its correlation id."""
    token_c = correlation_id.set(correlation)
    token_k = causation_id.set(event_id)
    try:
        yield
    finally:
        correlation_id.reset(token_c)
        causation_id.reset(token_k)
