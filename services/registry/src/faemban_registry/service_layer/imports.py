"""The TPMAP register import: a bad file registers nothing, a good one is registered whole.

1. ``submit`` stores the upload and an ``imports`` row (pending) and returns.
2. The job counts the rows, then validates every row (collecting every
   problem with its row and column) without registering anything, streaming the
   file through worker processes (``import_validation``): memory holds a few
   batches of rows and an 8-byte digest per household id.
3. Any rejected row → status ``failed`` with the full list; nothing written.
   Otherwise the rows the validation pass kept, parsed, are registered in
   chunks of ``CHUNK`` rows, each chunk ONE transaction (events,
   personal data, index, and the import's resume point ``rows_registered``), so
   the relay and every consumer work while the import runs. A stop or crash
   resumes the job from its stored file at start-up (validated again) after the
   last committed chunk: the import always ends with every row of the validated
   file registered (ADRs 0018, 0028).
Households already registered (same household id) are counted, not
registered again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import context
from faemban_domain.eventsourcing.store import ConcurrencyError, NewEvent
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.idempotency import Idempotency
from faemban_domain.platform.service import ServiceRuntime
from faemban_registry.adapters.event_store import store
from faemban_registry.adapters.household_index import HouseholdIndex
from faemban_registry.adapters.import_records import ImportRecords
from faemban_registry.adapters.personal import PersonalData
from faemban_registry.adapters.register_files import UnreadableFile
from faemban_registry.adapters.validated_rows import read_chunks
from faemban_registry.domain.household import Household
from faemban_registry.domain.tpmap_register import PERSONAL_FIELDS, RegisterRow, RowError
from faemban_registry.service_layer.import_validation import (
    ImportScope,
    Rejection,
    count_rows,
    validate,
)

log = structlog.get_logger("faemban.registry.imports")
CHUNK = 5000
KIND = "tpmap-register"
POOL_MIN_ROWS = 50_000
"""Below this many rows a file is validated in one thread: a spawned worker starts by importing
the service's entry script (about 0.8 CPU-s here). Measured in one hour: 20,000 rows 1.95 s in
one thread and 1.98 s in two workers, 50,000 rows 5.4 s and 4.0 s, 100,000 rows 11.2 s and
6.3 s (ADR 0028)."""


@dataclass
class Progress:
    phase: str = "pending"
    rows_done: int = 0
    rows_total: int = 0


@dataclass
class ImportJobs:
    runtime: ServiceRuntime
    files: Path
    progress: dict[str, Progress] = field(default_factory=dict)

    keep_uploads: bool = False
    """Keep an uploaded register after its import ended (FAEMBAN_REGISTRY_KEEP_UPLOADS);
    by default it is deleted then: it holds names, citizen ids and pins."""

    validation_workers: int = 2
    """Processes that parse a large file's rows in the validation pass
    (FAEMBAN_REGISTRY_IMPORT_WORKERS; ``POOL_MIN_ROWS``)."""

    async def submit(
        self,
        principal: Principal,
        filename: str,
        data_path: Path,
        cohort_year: int | None,
        once: Idempotency | None = None,
    ) -> Any:
        """The accepted import (``{"import_id"}``), or the first answer to a retried request."""
        import_id = data_path.name
        once = once or Idempotency.of(None, principal.sub, "imports")
        async with self.runtime.transaction() as conn:
            if (replayed := await once.replay(conn)) is not None:
                await asyncio.to_thread(data_path.unlink, True)
                return replayed
            await ImportRecords(conn).create(import_id, KIND, filename, cohort_year, principal)
            accepted = {"import_id": import_id}
            await once.remember(conn, 202, accepted)
        self.start(import_id)
        return accepted

    def new_upload_path(self) -> Path:
        self.files.mkdir(parents=True, exist_ok=True)
        return self.files / str(uuid.uuid4())

    def start(self, import_id: str) -> None:
        self.progress[import_id] = Progress()
        self.runtime.spawn(self.run(import_id), f"import:{import_id}")

    async def resume_unfinished(self) -> None:
        """Jobs cut off by a stop or crash run again from their stored file."""
        async with self.runtime.reading() as conn:
            ids = await ImportRecords(conn).unfinished()
        for import_id in ids:
            log.info("import.resumed", import_id=import_id)
            self.start(import_id)

    async def status(self, import_id: str) -> dict[str, Any] | None:
        async with self.runtime.reading() as conn:
            out = await ImportRecords(conn).get(import_id)
        if out is None:
            return None
        live = self.progress.get(import_id)
        if live is not None and out["status"] in ("pending", "running"):
            out.update(phase=live.phase, rows_total=live.rows_total, rows_done=live.rows_done)
        else:
            out["rows_done"] = out["rows_total"] if out["status"] in ("done", "failed") else 0
        return out

    async def run(self, import_id: str) -> None:
        """Every job ends ``done`` or ``failed``; an unforeseen error fails it with its message.
        Its events record the requester as their actor (also when resumed after a restart)."""
        try:
            await self._run(import_id)
        except asyncio.CancelledError:
            raise  # service stopping: the job is resumed at the next start
        except Exception as exc:
            log.exception("import.crashed", import_id=import_id)
            message = (
                f"the import stopped on an unexpected error ({type(exc).__name__}); the households of "
                "its committed chunks stay registered, and uploading the file again registers the rest"
            )
            await self._finish(import_id, "failed", Rejection([RowError(0, "file", message)]), 0)
        # ended (done or failed): a stop or crash before this line leaves the file to resume from
        await asyncio.to_thread(self._validated(import_id).unlink, True)
        if not self.keep_uploads:
            await asyncio.to_thread((self.files / import_id).unlink, True)

    def _validated(self, import_id: str) -> Path:
        """The rows the validation pass parsed, for registration (same personal data as the upload)."""
        return self.files / f"{import_id}.validated"

    async def _run(self, import_id: str) -> None:
        async with self.runtime.reading() as conn:
            job = await ImportRecords(conn).get(import_id)
        assert job is not None
        context.actor.set(job["requested_by"])
        progress = self.progress.setdefault(import_id, Progress())
        path = self.files / import_id
        scope = ImportScope(bool(job["scope"]["admin"]), tuple(job["scope"]["areas"]))
        await self._set(import_id, status="running", phase="counting")
        progress.phase = "counting"
        try:
            total = await asyncio.to_thread(count_rows, path)
            progress.rows_total = total
            await self._set(import_id, rows_total=total, phase="validating")
            progress.phase = "validating"

            def advance(rows: int) -> None:
                progress.rows_done += rows

            rejection, valid = await asyncio.to_thread(
                validate,
                path,
                job["cohort_year"],
                scope,
                self._validated(import_id),
                workers=self.validation_workers if total >= POOL_MIN_ROWS else 1,
                batch_rows=CHUNK,
                advance=advance,
            )
        except UnreadableFile as exc:
            await self._finish(import_id, "failed", Rejection([RowError(0, "file", str(exc))]), 0)
            return
        if rejection.total:
            await self._finish(import_id, "failed", rejection, 0)
            log.info("import.rejected", import_id=import_id, rows=total, rejected=rejection.rows)
            return
        progress.phase = "registering"
        await self._set(import_id, phase="registering")
        already = await self._register_all(import_id, read_chunks(self._validated(import_id)), progress)
        async with self.runtime.transaction() as conn:
            await ImportRecords(conn).update(
                import_id,
                status="done",
                phase="done",
                rows_accepted=valid,
                rows_rejected=0,
                finished_at=datetime.now(UTC),
            )
        self.progress.pop(import_id, None)
        log.info("import.done", import_id=import_id, rows=total, already_registered=already)

    async def _register_all(
        self, import_id: str, chunks: Iterator[list[RegisterRow]], progress: Progress
    ) -> int:
        """Each chunk in its own transaction with the resume point; the rows a previous run
        committed are skipped. Returns the households found registered already."""
        async with self.runtime.reading() as conn:
            job = await ImportRecords(conn).get(import_id)
        assert job is not None
        done, already = int(job["rows_registered"]), int(job["rows_already_registered"])
        seen = 0
        progress.rows_done = done
        while True:
            chunk = await asyncio.to_thread(next, chunks, None)
            if chunk is None:
                return already
            seen += len(chunk)
            if seen <= done:
                continue  # committed before a stop or crash
            if seen - len(chunk) < done:
                chunk = chunk[done - (seen - len(chunk)) :]
            for attempt in range(3):
                try:
                    async with self.runtime.transaction() as conn:
                        found = await _register_chunk(conn, import_id, chunk)
                        await ImportRecords(conn).update(
                            import_id,
                            rows_registered=seen,
                            rows_already_registered=already + found,
                        )
                    break
                except ConcurrencyError:
                    # another import registered some of these households meanwhile: re-check
                    log.warning("import.concurrent_registration", import_id=import_id, attempt=attempt)
            else:
                raise RuntimeError("concurrent imports kept colliding")
            already += found
            progress.rows_done = seen

    async def _set(self, import_id: str, **values: Any) -> None:
        async with self.runtime.transaction() as conn:
            await ImportRecords(conn).update(import_id, **values)

    async def _finish(self, import_id: str, status: str, rejection: Rejection, accepted: int) -> None:
        await self._set(
            import_id,
            status=status,
            phase=status,
            rows_accepted=accepted,
            rows_rejected=rejection.rows,
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in rejection.kept],
            errors_total=rejection.total,
            finished_at=datetime.now(UTC),
        )
        self.progress.pop(import_id, None)


async def _register_chunk(conn: AsyncConnection, import_id: str, chunk: list[RegisterRow]) -> int:
    stream_ids = [f"{Household.stream_prefix}{r.household_id}" for r in chunk]
    existing = await store.existing_streams(conn, stream_ids)
    streams: list[tuple[str, list[NewEvent]]] = []
    registered: list[Household] = []
    personal: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for row, stream_id in zip(chunk, stream_ids, strict=True):
        if stream_id in existing:
            continue
        household = Household.register(row.household_id, row.registration)
        pending = household.collect_pending()
        household.version = len(pending)
        streams.append((stream_id, pending))
        registered.append(household)
        personal.append(
            {
                "household_id": row.household_id,
                "source_import_id": import_id,
                "updated_at": now,
                # field by field: ``asdict`` deep-copies every value (4% of an import's CPU)
                **{name: getattr(row.personal, name) for name in PERSONAL_FIELDS},
            }
        )
    if streams:
        await store.append_many(conn, streams, metadata={"import_id": import_id})
        await PersonalData(conn).insert_imported(personal)
        await HouseholdIndex(conn).insert_new(registered)
    return len(existing)
