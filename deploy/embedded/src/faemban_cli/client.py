"""A small HTTP client for the CLI, the demo loader and the benchmark."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import httpx


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
        while True:
            status: dict[str, Any] = client.get(f"/v1/imports/{import_id}").json()
            if progress:
                _bar(status)
            if status["status"] in ("done", "failed"):
                if progress:
                    sys.stderr.write("\n")
                return status
            time.sleep(poll)


def _bar(status: dict[str, Any]) -> None:
    total = max(status["rows_total"], 1)
    done = min(status["rows_done"], total)
    width = 40
    filled = int(width * done / total)
    sys.stderr.write(
        f"\r{status['phase']:<12} [{'#' * filled}{'.' * (width - filled)}] "
        f"{done:,}/{status['rows_total']:,} rows"
    )
    sys.stderr.flush()
