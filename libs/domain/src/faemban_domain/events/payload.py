"""The data of a received public event as its contract model, parsed once.

The consumer runner checks every event against its contract before a handler sees it;
the models it made are handed to the handlers of that batch through ``parsed_batch``,
so ``payload(event)`` costs a dictionary lookup there and a validation anywhere else
(a unit test calling a handler directly). An event its consumers read in part (ADR 0030)
carries the part as its data, already checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from pydantic import BaseModel

from faemban_domain.events.contracts import contract_for
from faemban_domain.events.envelope import CloudEvent

_BATCH: ContextVar[Mapping[int, tuple[CloudEvent, BaseModel]] | None] = ContextVar(
    "faemban_parsed_batch", default=None
)


def payload(event: CloudEvent) -> BaseModel:
    """``event.data`` as the contract model of ``event.type`` (KeyError for a type with none)."""
    batch = _BATCH.get()
    if batch is not None:
        found = batch.get(id(event))
        if found is not None and found[0] is event:
            return found[1]
    data: object = event.data
    if isinstance(data, BaseModel):  # parsed in part, straight into the part (ADR 0030)
        return data
    return contract_for(event.type).model.model_validate(data)


@contextmanager
def parsed_batch(parsed: Mapping[int, tuple[CloudEvent, BaseModel]]) -> Iterator[None]:
    """Within the block, ``payload`` answers these events (keyed by ``id(event)``, the event kept
    alongside so the key cannot be reused) from their models."""
    token = _BATCH.set(parsed)
    try:
        yield
    finally:
        _BATCH.reset(token)
