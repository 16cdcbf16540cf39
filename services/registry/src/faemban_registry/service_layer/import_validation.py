"""The import's validation pass: every row of the file checked before anything is registered.

Until this pass ends only the registry has work (a bad file must register nothing), so a
large file's rows are parsed in batches by a pool of worker processes instead of one thread;
the batches come back in file order, so the problems are listed exactly as one pass lists
them. Each valid batch is written, already parsed, to a file of validated rows that
registration reads instead of parsing the upload a second time (ADR 0028). Memory holds a
few batches and an 8-byte digest per household id whatever the file's size.
"""

from __future__ import annotations

import multiprocessing
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import blake2b
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from faemban_registry.adapters import validated_rows
from faemban_registry.adapters.register_files import open_rows
from faemban_registry.domain.tpmap_register import RegisterParser, RegisterRow, RowError

MAX_ERRORS_KEPT = 10_000
"""The first errors of a rejected file are kept and listed; beyond them only counted (a file
with an error in every cell must not become a status document of a hundred megabytes)."""


@dataclass(frozen=True, slots=True)
class ImportScope:
    """The requester's areas, as a worker process receives them (a closure cannot travel)."""

    admin: bool
    areas: tuple[str, ...]

    def __call__(self, area_code: str) -> bool:
        return self.admin or any(area_code.startswith(a) for a in self.areas)


@dataclass(frozen=True, slots=True)
class ParseSpec:
    """What parsing a row of this file depends on besides the row."""

    header: tuple[Any, ...]
    cohort_year: int | None
    scope: ImportScope

    def parser(self) -> RegisterParser:
        return _parser(self)


@lru_cache(maxsize=4)
def _parser(spec: ParseSpec) -> RegisterParser:
    """One parser per file in each worker process (its header index is built once)."""
    return RegisterParser(spec.header, default_cohort_year=spec.cohort_year, in_scope=spec.scope)


class Batch(NamedTuple):
    rows: int
    errors: list[list[RowError]]
    """The problems of each rejected row, in row order."""
    digests: bytes
    """``array("q")`` of the valid rows' household id digests."""
    validated: bytes
    """The valid rows as a frame of ``validated_rows``; empty once the batch has a bad row (the
    file will be rejected, and nothing it holds is registered)."""


def parse_batch(spec: ParseSpec, rows: list[tuple[int, list[Any]]]) -> Batch:
    """Runs in a worker process (or inline for a small file): plain values in, plain values out."""
    parser = spec.parser()
    errors: list[list[RowError]] = []
    valid: list[RegisterRow] = []
    for number, cells in rows:
        parsed = parser.parse(number, cells)
        if isinstance(parsed, list):
            errors.append(parsed)
        else:
            valid.append(parsed)
    digests = array("q", [digest(r.household_id) for r in valid]).tobytes()
    return Batch(len(rows), errors, digests, b"" if errors else validated_rows.encode(valid))


def digest(household_id: str) -> int:
    return int.from_bytes(blake2b(household_id.encode(), digest_size=8).digest(), "big", signed=True)


@dataclass
class Rejection:
    """The first ``MAX_ERRORS_KEPT`` problems of a file, with the count of all and of bad rows."""

    kept: list[RowError] = field(default_factory=list)
    total: int = 0
    rows: int = 0

    def __post_init__(self) -> None:
        if self.kept and not self.total:
            self.total, self.rows = len(self.kept), len({e.row for e in self.kept})

    def add(self, row_errors: list[RowError]) -> None:
        room = MAX_ERRORS_KEPT - len(self.kept)
        if room > 0:
            self.kept.extend(row_errors[:room])
        self.total += len(row_errors)
        self.rows += 1


def count_rows(path: Path) -> int:
    return max(sum(1 for _ in open_rows(path)) - 1, 0)


def validate(
    path: Path,
    cohort_year: int | None,
    scope: ImportScope,
    validated: Path,
    *,
    workers: int,
    batch_rows: int,
    advance: Callable[[int], None],
) -> tuple[Rejection, int]:
    """The file's problems (capped) and the count of valid rows; with none, ``validated``
    holds every row parsed, in frames of ``batch_rows``. A household id seen twice is found
    from 8-byte digests (exactly, see ``_duplicates``). Blocking: run it in a thread."""
    rows = open_rows(path)
    header = next(rows, None)
    if header is None:
        return Rejection([RowError(1, "file", "the file is empty")]), 0
    spec = ParseSpec(tuple(header[1]), cohort_year, scope)
    parser = spec.parser()
    if parser.header_errors:
        return Rejection(parser.header_errors), 0
    rejection = Rejection()
    digests = array("q")
    with validated_rows.FrameWriter(validated) as out:
        for batch in _parsed(spec, _batches(rows, batch_rows), workers):
            for row_errors in batch.errors:
                rejection.add(row_errors)
            digests.frombytes(batch.digests)
            if not rejection.total:
                out.write(batch.validated)
            advance(batch.rows)
    repeats = _duplicates(path, digests, parser)
    for row, first in repeats:
        rejection.add([RowError(row, "household_id", f"already appears in row {first}")])
    if repeats:
        rejection.kept.sort(key=lambda e: e.row)
    return rejection, len(digests) - len(repeats)


def _batches(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _parsed(spec: ParseSpec, batches: Iterable[list[tuple[int, list[Any]]]], workers: int) -> Iterator[Batch]:
    """The batches parsed in order. With several workers, a few batches per worker are in
    flight while this thread reads the next rows from the file (bounded memory); worker
    processes are spawned, never forked from a process running an event loop and threads."""
    if workers <= 1:
        for batch in batches:
            yield parse_batch(spec, batch)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Batch]] = deque()
        for batch in batches:
            pending.append(pool.submit(parse_batch, spec, batch))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _duplicates(path: Path, digests: array[int], parser: RegisterParser) -> list[tuple[int, int]]:
    """(row, first row) of each valid row whose household id appeared in an earlier valid row.

    Sorting the digests finds candidates in a few MB; only when two digests are equal is
    the file read again for the ids behind them, so a digest collision is never reported
    as a duplicate (that rare second read parses every row again)."""
    ordered = sorted(digests)
    suspects = {a for a, b in zip(ordered, ordered[1:], strict=False) if a == b}
    del ordered
    if not suspects:
        return []
    first_row: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    rows = open_rows(path)
    next(rows)
    for number, cells in rows:
        parsed = parser.parse(number, cells)
        if isinstance(parsed, list) or digest(household_id := parsed.household_id) not in suspects:
            continue
        if household_id in first_row:
            repeats.append((number, first_row[household_id]))
        else:
            first_row[household_id] = number
    return repeats
