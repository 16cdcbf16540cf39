"""Aggregates that record events (plain Python: ``repository.py`` stores them).

An aggregate's command methods check the rules, then ``_trigger`` an event;
``_apply`` is the only place state changes, used both for new events and when
replaying the stream, so the state after a command equals the state after a
reload (pyeventsourcing's pattern, without its metaclass magic).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from faemban_domain.eventsourcing.records import NewEvent, RecordedEvent


class Aggregate:
    stream_prefix: ClassVar[str] = ""

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0
        self._pending: list[NewEvent] = []

    @property
    def stream_id(self) -> str:
        return f"{self.stream_prefix}{self.id}"

    def _trigger(self, event_type: str, data: dict[str, Any]) -> None:
        self._apply(event_type, data)
        self._pending.append(NewEvent(type=event_type, data=data))

    def _apply(self, event_type: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def collect_pending(self) -> list[NewEvent]:
        pending, self._pending = self._pending, []
        return pending

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def replay(self, events: Sequence[RecordedEvent]) -> None:
        for ev in events:
            self._apply(ev.type, ev.data)
            self.version = ev.version
