"""``make run DEMO=1``'s loader: a generated register imported by the province, then the help
loop driven through the API, so queues, plans, logbooks and reports are filled. Province 52
(Lampang), counted by no other test; the embedded stack only (it is what ``make run`` starts)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import httpx

from faemban_cli.client import import_register
from faemban_cli.demo_data import generate, write_csv
from faemban_cli.demo_help import load_help_loop
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

from .conftest import Stack


def test_the_demo_fills_teams_plans_cases_at_every_level_and_the_logbook(
    embedded_stack: Stack, tmp_path: Path
) -> None:
    stack = embedded_stack
    path = tmp_path / "demo.csv"
    write_csv(generate("52", 600, seed=7), path)
    private, _ = ensure_dev_keypair(stack.var_dir)
    token = mint_token(private, roles=["province_officer"], areas=["52"], sub="demo-loader")
    status = import_register(stack.url("registry"), token, path)
    assert status["status"] == "done" and status["rows_accepted"] == 600
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    said: list[str] = []
    done = load_help_loop(stack.url("registry"), private, rows, say=said.append)
    busiest = Counter(r["subdistrict_code"] for r in rows).most_common(1)[0][1]
    assert done["approved"] == min(24, busiest) and done["mentor teams"] == 2 and done["plans"] >= 12
    assert all(
        done[f"cases at {level}"] == 3 for level in ("subdistrict", "district", "province", "national")
    )
    assert done["cases resolved"] == 3 and done["assistance entries"] >= done["plans"] + 3
    queue = httpx.get(
        f"{stack.url('planning')}/v1/cases",
        params={"area": "52"},
        headers=stack.auth(["province_officer"], ["52"]),
    ).json()["cases"]
    assert {c["level"] for c in queue} == {"subdistrict", "district", "province", "national"}
    # started again on the same data, the loader leaves what is there
    assert load_help_loop(stack.url("registry"), private, rows, say=said.append) == {}
