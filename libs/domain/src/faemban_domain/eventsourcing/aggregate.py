"""Aggregates that record typed events (plain Python: ``repository.py`` stores them).

An aggregate's command methods check the rules, then ``_trigger`` a typed event
(a frozen pydantic model: the public contract model when the event is published as is,
a private model of the service otherwise). State changes only in the methods marked
``@on_event``, one per event class (found from the type of their ``event`` parameter):
``_apply`` dispatches on the event's type through that table, both for new events and
when replaying the stream, so the state after a command equals the state after a reload
(pyeventsourcing's pattern, without its metaclass magic; a table rather than
``functools.singledispatchmethod``, which rebuilds a wrapper on every call).

Each aggregate names its event classes in ``events`` (stored type name → class): the
name is what the event store keeps, so it never changes once events of it exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, get_type_hints

from pydantic import BaseModel

from faemban_domain import context
from faemban_domain.eventsourcing.records import ModelData, NewEvent, RecordedEvent

DomainEvent = BaseModel
"""What an aggregate records: a frozen pydantic model."""


class EventNames:
    """Stored type name ↔ event class for one aggregate (the store keeps names, code uses classes)."""

    def __init__(self, classes: Mapping[str, type[DomainEvent]]) -> None:
        self.classes = dict(classes)
        self.names = {cls: name for name, cls in classes.items()}
        if len(self.names) != len(self.classes):
            raise ValueError("each event class must have exactly one stored name")

    def name_of(self, event: DomainEvent) -> str:
        try:
            return self.names[type(event)]
        except KeyError:
            raise TypeError(f"{type(event).__name__} is not an event of this aggregate") from None

    def name_of_class(self, cls: type[DomainEvent]) -> str:
        return self.names[cls]

    def encode(self, event: DomainEvent, cause: Mapping[str, str | None] | None = None) -> NewEvent:
        return NewEvent(
            type=self.name_of(event), data=ModelData(event.model_dump(mode="json"), type(event)), cause=cause
        )

    def decode(self, name: str, data: Mapping[str, Any]) -> DomainEvent:
        try:
            cls = self.classes[name]
        except KeyError:
            raise ValueError(f"unknown stored event type {name}") from None
        return cls.model_validate(data)


F = TypeVar("F", bound=Callable[..., None])


def on_event(method: F) -> F:
    """Mark ``def _name(self, event: SomeEvent) -> None`` as the state change of ``SomeEvent``."""
    method.__faemban_applies__ = True  # type: ignore[attr-defined]
    return method


class Aggregate:
    stream_prefix: ClassVar[str] = ""
    events: ClassVar[EventNames]
    _appliers: ClassVar[dict[type, Callable[[Any, Any], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table: dict[type, Callable[[Any, Any], None]] = {}
        for klass in reversed(cls.__mro__):
            for member in vars(klass).values():
                if getattr(member, "__faemban_applies__", False):
                    table[get_type_hints(member)["event"]] = member
        cls._appliers = table
        missing = [n for n, c in getattr(cls, "events", EventNames({})).classes.items() if c not in table]
        if missing:
            raise TypeError(f"{cls.__name__} has no @on_event method for {missing}")

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0
        self._pending: list[DomainEvent] = []
        self._causes: list[dict[str, str | None]] = []

    @property
    def stream_id(self) -> str:
        return f"{self.stream_prefix}{self.id}"

    def _trigger(self, event: DomainEvent) -> None:
        self._apply(event)
        self._pending.append(event)
        # the cause as it is now: a batch handler saves many households' events at once,
        # each caused by its own consumed event
        self._causes.append(context.cause())

    def _apply(self, event: DomainEvent) -> None:
        try:
            change = self._appliers[type(event)]
        except KeyError:
            raise TypeError(f"{type(self).__name__} cannot apply {type(event).__name__}") from None
        change(self, event)

    @property
    def pending(self) -> tuple[DomainEvent, ...]:
        """The events recorded since the last save (to inspect; ``collect_pending`` takes them)."""
        return tuple(self._pending)

    def collect_pending(self) -> list[NewEvent]:
        pending, self._pending = self._pending, []
        causes, self._causes = self._causes, []
        return [self.events.encode(e, c) for e, c in zip(pending, causes, strict=True)]

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def apply_recorded(self, name: str, data: Mapping[str, Any], version: int) -> None:
        """Apply one stored event (replay, rebuilds)."""
        self._apply(self.events.decode(name, data))
        self.version = version

    def replay(self, events: Sequence[RecordedEvent]) -> None:
        for ev in events:
            self.apply_recorded(ev.type, ev.data, ev.version)
