"""Domain-level input errors, free of any web framework.

A rule violated by a command's input raises ``InvalidInput`` naming each
field; the platform renders it as a 422 problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class InvalidInput(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class NotFound(Exception):
    pass


class StateConflict(InvalidInput):
    """The command is well formed but the aggregate's state forbids it now (409)."""
