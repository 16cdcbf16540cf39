"""Request-scoped facts that must travel into every event's metadata.

Set once by the HTTP middleware (or the consumer runner for event-caused work)
so that handlers need not thread them through every call.
"""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)
