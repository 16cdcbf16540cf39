"""A validated register's rows, kept on disk between the validation pass and registration.

The validation pass parses every row anyway; writing the valid ones here, already parsed,
spares registration a second parse of the file (ADR 0028). One frame per batch of rows: an
8-byte length, then ``marshal`` of the rows as plain tuples (strings, numbers, None), which
loads an order of magnitude faster than the rows parse. The file is the service's own,
written and read by the same version of this module in the import's folder; it holds the
same personal data as the upload beside it and is deleted with it.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from faemban_registry.domain.household import Registration
from faemban_registry.domain.tpmap_register import PERSONAL_FIELDS, PersonalFacts, RegisterRow

_REGISTRATION = tuple(f.name for f in fields(Registration))
_LENGTH = 8


def encode(rows: list[RegisterRow]) -> bytes:
    """One frame's payload: the rows as tuples of plain values."""
    return marshal.dumps(
        [
            (
                r.row,
                r.household_id,
                tuple(getattr(r.registration, name) for name in _REGISTRATION),
                tuple(getattr(r.personal, name) for name in PERSONAL_FIELDS),
            )
            for r in rows
        ]
    )


def decode(payload: bytes) -> list[RegisterRow]:
    flat: list[tuple[Any, ...]] = marshal.loads(payload)
    return [
        RegisterRow(row, household_id, Registration(*registration), PersonalFacts(*personal))
        for row, household_id, registration, personal in flat
    ]


class FrameWriter:
    """Appends frames to a new file (an earlier file of the same name is replaced)."""

    def __init__(self, path: Path) -> None:
        self._fh: BinaryIO = path.open("wb")

    def write(self, payload: bytes) -> None:
        self._fh.write(len(payload).to_bytes(_LENGTH, "big"))
        self._fh.write(payload)

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._fh.close()


def read_chunks(path: Path) -> Iterator[list[RegisterRow]]:
    """The frames in the order they were written, one list of rows each."""
    with path.open("rb") as fh:
        while head := fh.read(_LENGTH):
            size = int.from_bytes(head, "big")
            payload = fh.read(size)
            if len(head) < _LENGTH or len(payload) < size:
                raise ValueError(f"the validated rows file {path.name} is truncated")
            yield decode(payload)
