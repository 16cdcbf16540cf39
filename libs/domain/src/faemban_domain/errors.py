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


class OutOfScope(Exception):
    """The caller named an area outside their scope (403 at the edge)."""

    def __init__(self, area_code: str, areas: tuple[str, ...]) -> None:
        super().__init__(f"area {area_code} is not within your areas {list(areas)}")
        self.area_code = area_code
        self.areas = areas


class NotPermitted(Exception):
    """The caller's role may not take this step here (403 at the edge): e.g. a case at the
    district is the district officer's, not the subdistrict team's."""


class Unavailable(Exception):
    """Something the server itself lacks stops this answer (503 at the edge), e.g. no Thai font
    installed for PDF reports; the caller's input was fine."""
