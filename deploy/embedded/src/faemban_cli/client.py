"""A small HTTP client for the CLI, the demo loader and the benchmark."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


def import_register(
    url: str,
    token: str,
    path: Path,
    cohort_year: str | None = None,
    *,
    progress: bool = False,
    poll: float = 0.5,
) -> dict[str, Any]:
    """Upload, then follow the import until it is done or failed."""
    headers = {"Authorization": f"Bearer {token}"}
    data = {"cohort_year": cohort_year} if cohort_year else {}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client, path.open("rb") as fh:
        r = client.post("/v1/imports/tpmap-register", files={"file": (path.name, fh)}, data=data)
        if r.status_code != 202:
            raise SystemExit(f"upload refused ({r.status_code}): {r.text}")
        import_id = r.json()["import_id"]
        with _Progress(enabled=progress) as bar:
            while True:
                status: dict[str, Any] = client.get(f"/v1/imports/{import_id}").json()
                bar.show(status)
                if status["status"] in ("done", "failed"):
                    return status
                time.sleep(poll)


class _Progress:
    """A rich progress bar of the import's phase and rows (silent when not wanted)."""

    def __init__(self, *, enabled: bool) -> None:
        self.bar = (
            Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            if enabled
            else None
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("pending", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def show(self, status: dict[str, Any]) -> None:
        if self.bar is None or self.task is None:
            return
        total = status["rows_total"] or None
        self.bar.update(
            self.task,
            description=status["phase"],
            total=total,
            completed=min(status["rows_done"], total or status["rows_done"]),
        )


REPORT_FORMATS = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".pdf": "pdf"}


def fetch_report(url: str, token: str, path: str, params: dict[str, str], out: Path) -> int:
    """GET a report in the format ``out``'s suffix names and write it; returns the bytes written.
    A refusal (problem+json) ends the command with its title and detail."""
    fmt = REPORT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise SystemExit(f"--out must end in one of {', '.join(REPORT_FORMATS)}")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300) as client:
        r = client.get(path, params={**params, "format": fmt})
    if r.status_code != 200:
        try:
            problem = r.json()
            detail = f"{problem.get('title')}: {problem.get('detail')} {problem.get('errors') or ''}"
        except ValueError:
            detail = r.text[:500]
        raise SystemExit(f"report refused ({r.status_code}): {detail}")
    out.write_bytes(r.content)
    return len(r.content)
