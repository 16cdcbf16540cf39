"""The register import streams the file and commits chunk by chunk: a job cut off mid-way
resumes after its last committed chunk and registers every household exactly once; a
household id repeated in the file is found from digests, never from a digest collision.
On SQLite and on real PostgreSQL, through the migrations."""

from __future__ import annotations

import asyncio
import csv
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from faemban_domain import tpmap_register
from faemban_domain.eventsourcing.broker import LocalBroker
from faemban_domain.eventsourcing.tables import event_store
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.service import ServiceRuntime
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.testing import published_records
from faemban_registry.adapters.event_store import store
from faemban_registry.adapters.tables import household_personal
from faemban_registry.service import SPEC
from faemban_registry.service_layer import import_validation, imports
from faemban_registry.service_layer.imports import ImportJobs

NAMES = [c.name for c in tpmap_register.all_columns()]
OFFICER = Principal(sub="officer-34", roles=frozenset({"province_officer"}), areas=("34",))


def _row(household_id: str, **over: str) -> list[str]:
    cells = {n: "" for n in NAMES}
    cells.update(
        household_id=household_id,
        cohort_year="2019",
        province_code="34",
        district_code="3407",
        subdistrict_code="340701",
        village_no="3",
        members="4",
        welfare_card_holders="2",
        elderly="1",
        disabled="0",
        chronically_ill="0",
        total_income="120000",
    )
    cells.update(over)
    return [cells[n] for n in NAMES]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(NAMES)
        writer.writerows(rows)
    return path


@pytest.fixture
async def jobs(empty_database: str, tmp_path: Path) -> Any:
    runtime = ServiceRuntime(
        SPEC, PlatformSettings(var_dir=tmp_path), empty_database, LocalBroker(tmp_path / "b")
    )
    await runtime.migrate()
    yield ImportJobs(runtime, tmp_path / "uploads")
    await runtime.stop()


async def _submit(jobs: ImportJobs, source: Path) -> str:
    target = jobs.new_upload_path()
    await asyncio.to_thread(shutil.copyfile, source, target)
    accepted = await jobs.submit(OFFICER, "register.csv", target, None)
    return str(accepted["import_id"])


async def _ended(jobs: ImportJobs, import_id: str) -> dict[str, Any]:
    for _ in range(600):
        status = await jobs.status(import_id)
        assert status is not None
        if status["status"] in ("done", "failed"):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not end")


async def test_a_job_cut_off_after_two_chunks_resumes_and_registers_each_household_once(
    jobs: ImportJobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 5)
    ids = [f"TP{i:03d}" for i in range(23)]
    source = _write(tmp_path / "r.csv", [_row(i) for i in ids])
    real_chunk = imports._register_chunk
    calls = 0
    cut = asyncio.Event()

    async def dies_in_the_third(conn: Any, import_id: str, chunk: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            await real_chunk(conn, import_id, chunk)  # written, then the process dies before commit
            cut.set()
            raise asyncio.CancelledError
        return await real_chunk(conn, import_id, chunk)

    monkeypatch.setattr(imports, "_register_chunk", dies_in_the_third)
    import_id = await _submit(jobs, source)
    await asyncio.wait_for(cut.wait(), 30)
    await asyncio.sleep(0.1)
    engine = jobs.runtime.engine
    async with engine.connect() as conn:
        streams = (await conn.execute(sa.select(sa.func.count()).select_from(event_store))).scalar()
        status = await jobs.status(import_id)
    assert streams == 10, "two chunks committed, the third rolled back"
    assert status is not None and status["status"] == "running"

    monkeypatch.setattr(imports, "_register_chunk", real_chunk)
    await jobs.resume_unfinished()
    status = await _ended(jobs, import_id)
    assert status["status"] == "done", status["errors"]
    assert (status["rows_accepted"], status["rows_already_registered"]) == (23, 0)
    async with engine.connect() as conn:
        versions = (await conn.execute(sa.select(event_store.c.stream_id, event_store.c.version))).all()
        personal = (
            await conn.execute(
                sa.select(household_personal.c.household_id, household_personal.c.source_import_id)
            )
        ).all()
    assert sorted(s for s, _ in versions) == sorted(f"household-{i}" for i in ids)
    assert {v for _, v in versions} == {1}
    assert len(await published_records(engine, store)) == 23
    assert sorted(h for h, _ in personal) == ids and {s for _, s in personal} == {import_id}


async def test_a_repeated_household_id_is_named_with_its_first_row_and_nothing_is_registered(
    jobs: ImportJobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every id gets the same digest: only the second read can tell true repeats from collisions
    monkeypatch.setattr(import_validation, "digest", lambda household_id: 7)
    rows = [_row(f"TP{i}") for i in range(1, 6)]
    rows.append(_row("TP2", members="x"))  # row 7: a bad row is no "first appearance"
    rows.append(_row("TP3"))  # row 8 repeats row 4
    rows.append(_row("TP2"))  # row 9 repeats row 3
    import_id = await _submit(jobs, _write(tmp_path / f"{uuid.uuid4().hex}.csv", rows))
    status = await _ended(jobs, import_id)
    assert status["status"] == "failed"
    assert [(e["row"], e["column"], e["message"]) for e in status["errors"]] == [
        (7, "members", status["errors"][0]["message"]),
        (8, "household_id", "already appears in row 4"),
        (9, "household_id", "already appears in row 3"),
    ]
    assert (status["rows_rejected"], status["errors_total"]) == (3, 3)
    async with jobs.runtime.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(event_store))).scalar() == 0


async def test_worker_processes_validate_in_file_order_and_register_what_one_thread_would(
    jobs: ImportJobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool path (a large file's) on a small one: batches of 5 rows parsed by two spawned
    processes report the bad rows of every batch in row order, and a good file is registered
    from the rows they parsed."""
    monkeypatch.setattr(imports, "CHUNK", 5)
    monkeypatch.setattr(imports, "POOL_MIN_ROWS", 0)
    jobs.validation_workers = 2
    bad = [_row(f"TP{i:03d}") for i in range(23)]
    bad[3] = _row("TP003", members="x")  # row 5, first batch
    bad[14] = _row("TP014", elderly="-1")  # row 16, third batch
    bad[21] = _row("TP003")  # row 23 takes bad row 5's id: a bad row is no first appearance
    failed = await _ended(jobs, await _submit(jobs, _write(tmp_path / "bad.csv", bad)))
    assert failed["status"] == "failed"
    assert [(e["row"], e["column"]) for e in failed["errors"]] == [(5, "members"), (16, "elderly")]
    await _cleared(jobs)

    ids = [f"TP{i:03d}" for i in range(23)]
    good = [_row(i, members=str(4 + n % 6)) for n, i in enumerate(ids)]
    done = await _ended(jobs, await _submit(jobs, _write(tmp_path / "good.csv", good)))
    assert done["status"] == "done", done["errors"]
    assert done["rows_accepted"] == 23
    async with jobs.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(event_store.c.stream_id, event_store.c.data))).all()
    assert {stream_id: data["members"] for stream_id, data in rows} == {
        f"household-{i}": 4 + n % 6 for n, i in enumerate(ids)
    }
    await _cleared(jobs)


async def _cleared(jobs: ImportJobs) -> None:
    """The upload and its validated rows are deleted just after the job's end is recorded."""
    for _ in range(100):
        if not list(jobs.files.iterdir()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"left behind: {sorted(p.name for p in jobs.files.iterdir())}")
