"""Events as the store keeps them: plain data, so aggregates need no database library."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


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
