"""Events as the store keeps them: plain data, so aggregates need no database library."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ModelData(dict[str, Any]):
    """Event data dumped from a validated model: the store need not validate it again when
    that model is also the event's public contract (``model`` says which it was)."""

    __slots__ = ("model",)

    def __init__(self, data: dict[str, Any], model: type) -> None:
        super().__init__(data)
        self.model = model


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cause: Mapping[str, str | None] | None = None
    """What caused this event when it differs per event of one write (a batch of consumed
    events, each the cause of its own): its ``correlation_id`` and ``causation_id``, over
    the write's own context."""


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    stream_id: str
    version: int
    position: int | None
    """Global order; None when written by the bulk COPY path (read it back if needed)."""
    event_id: str
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
