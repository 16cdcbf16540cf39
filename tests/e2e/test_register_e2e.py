"""TPMAP register → registry → Kafka (or the embedded log) → reporting's summary.

Each test uses a province of its own so the tests stay independent on the
shared session stacks. Expected numbers are computed here from the file with
the csv module, not with the code under test.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from faemban_cli.demo_data import generate, write_csv
from faemban_domain.testing import eventually

from .conftest import Stack
from .test_platform_e2e import timeline

IMPORTER = ["province_officer"]


def expected_summary(path: Path, encoding: str = "utf-8") -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """District → measures, computed straight from the file."""
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with path.open(encoding=encoding) as fh:
        for r in csv.DictReader(fh):
            d = per[r["district_code"]]
            flags = {k.split(".")[0] for k, v in r.items() if "." in k and v.strip() == "1"}
            d["target_households"] += 1
            d["welfare_card_holders"] += int(r["welfare_card_holders"])
            d["members"] += int(r["members"])
            for dim in ("health", "living", "education", "income", "access"):
                d[dim] += dim in flags
            d["target_poor_persons"] += int(r["welfare_card_holders"]) if flags else 0
    total: dict[str, int] = defaultdict(int)
    for measures in per.values():
        for k, v in measures.items():
            total[k] += v
    return {k: dict(v) for k, v in per.items()}, dict(total)


def flat(entry: dict[str, Any]) -> dict[str, int]:
    return {
        "target_households": entry["target_households"],
        "welfare_card_holders": entry["welfare_card_holders"],
        "members": entry["members"],
        **entry["dimension_households"],
        "target_poor_persons": entry["target_poor_persons"],
    }


async def run_import(
    stack: Stack, client: httpx.AsyncClient, path: Path, areas: list[str], **form: str
) -> dict[str, Any]:
    with path.open("rb") as fh:
        r = await client.post(
            f"{stack.url('registry')}/v1/imports/tpmap-register",
            files={"file": (path.name, fh, "text/csv")},
            data=form,
            headers=stack.auth(IMPORTER, areas),
        )
    assert r.status_code == 202, r.text
    import_id = r.json()["import_id"]
    status: dict[str, Any] = {}

    async def finished() -> bool:
        got = await client.get(
            f"{stack.url('registry')}/v1/imports/{import_id}", headers=stack.auth(IMPORTER, areas)
        )
        assert got.status_code == 200, got.text
        status.update(got.json())
        return status["status"] in ("done", "failed")

    await eventually(finished, timeout=300, what=f"import {import_id} finished")
    return status


async def summary(
    stack: Stack, client: httpx.AsyncClient, area: str, scope: list[str], **params: str
) -> httpx.Response:
    return await client.get(
        f"{stack.url('reporting')}/v1/reports/register-summary",
        params={"area": area, "level": "district", **params},
        headers=stack.auth(["analyst"], scope),
    )


async def summary_reaches(
    stack: Stack, client: httpx.AsyncClient, area: str, households: int
) -> dict[str, Any]:
    got: dict[str, Any] = {}

    async def reached() -> bool:
        r = await summary(stack, client, area, [area])
        assert r.status_code == 200, r.text
        got.update(r.json())
        return bool(got["total"]["target_households"] == households)

    await eventually(reached, timeout=300, what=f"summary of {area} reaching {households} households")
    return got


async def test_a_20000_household_register_reaches_the_summary_exactly(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "ubon.csv"
    write_csv(generate("40", 20_000, seed=11), path)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, path, ["40"])
        assert status["status"] == "done", status["errors"][:5]
        assert (status["rows_total"], status["rows_accepted"], status["rows_rejected"]) == (20_000, 20_000, 0)
        got = await summary_reaches(stack, client, "40", 20_000)
        took = time.monotonic() - started
        print(f"\n[e2e:{stack.kind}] 20,000 households imported and summarised in {took:.1f}s")
        per_district, total = expected_summary(path)
        assert {r["area_code"]: flat(r) for r in got["rows"]} == per_district
        assert flat(got["total"]) == total
        counts = [r["target_households"] for r in got["rows"]]
        assert counts == sorted(counts, reverse=True)
        assert all(r["area_name_th"] for r in got["rows"])

        names = {r["area_name_th"]: flat(r) for r in got["rows"]}
        csv_text = (await summary(stack, client, "40", ["40"], format="csv")).content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(csv_text)))
        assert table[0][:3] == ["ที่", "อำเภอ", "จำนวนครัวเรือนเป้าหมาย (ครัวเรือน)"]
        assert table[0][-1] == "จำนวนคนจนเป้าหมาย TPMAP (คน)"
        assert_table_matches(table, names, total)

        from openpyxl import load_workbook

        xlsx = (await summary(stack, client, "40", ["40"], format="xlsx")).content
        sheet = load_workbook(io.BytesIO(xlsx)).active
        assert_table_matches(
            [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)], names, total
        )

        # every household also reaches the KPI read model and the MPI drill-down (the
        # households TPMAP flagged), per district as in the register: the whole stack digests
        # the import before the next test
        async def kpis_and_mpi_complete() -> bool:
            analyst = stack.auth(["analyst"], ["40"])
            params = {"area": "40", "level": "district"}
            kpis = await client.get(
                f"{stack.url('reporting')}/v1/reports/kpis", params=params, headers=analyst
            )
            mpi = await client.get(f"{stack.url('reporting')}/v1/reports/mpi", params=params, headers=analyst)
            assert kpis.status_code == 200 and mpi.status_code == 200, (kpis.text, mpi.text)
            by_district = {r["area_code"]: r["households"] for r in kpis.json()["rows"]}
            return by_district == {code: m["target_households"] for code, m in per_district.items()} and (
                mpi.json()["total"]["households"] == 20_000
            )

        await eventually(kpis_and_mpi_complete, timeout=300, what="20,000 households in the KPIs and MPI")


def assert_table_matches(
    table: list[list[str]], names: dict[str, dict[str, int]], total: dict[str, int]
) -> None:
    order = [
        "target_households",
        "welfare_card_holders",
        "members",
        "health",
        "living",
        "education",
        "income",
        "access",
        "target_poor_persons",
    ]
    body, last = table[1:-1], table[-1]
    assert len(body) == len(names)
    for cells in body:
        assert [int(c) for c in cells[2:]] == [names[cells[1]][k] for k in order]
    assert last[1] == "รวม" and [int(c) for c in last[2:]] == [total[k] for k in order]


async def test_an_analyst_sees_only_their_own_district(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        await summary_reaches(stack, client, "40", 20_000)
        whole = {r["area_code"]: r for r in (await summary(stack, client, "40", ["40"])).json()["rows"]}
        district = next(iter(whole))
        mine = await summary(stack, client, "40", [district])
        assert mine.status_code == 200
        assert [r["area_code"] for r in mine.json()["rows"]] == [district]
        assert flat(mine.json()["total"]) == flat(whole[district])
        elsewhere = await summary(stack, client, "40", ["35"])
        assert (
            elsewhere.status_code == 403 and elsewhere.headers["content-type"] == "application/problem+json"
        )
        assert (
            await client.get(f"{stack.url('reporting')}/v1/reports/register-summary", params={"area": "40"})
        ).status_code == 401


async def test_a_file_with_three_bad_rows_registers_nothing(stack: Stack, tmp_path: Path) -> None:
    rows = list(generate("41", 1000, seed=3))
    twelve = rows[99]["head_citizen_id"][:12]
    rows[99]["head_citizen_id"] = twelve + str((int(rows[99]["head_citizen_id"][12]) + 1) % 10)
    rows[499]["subdistrict_code"] = rows[499]["district_code"] + "99"
    rows[799]["members"] = "สี่"
    path = tmp_path / "bad.csv"
    write_csv(iter(rows), path)
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, path, ["41"])
        assert status["status"] == "failed"
        assert status["rows_total"] == 1000 and status["rows_rejected"] == 3 and status["rows_accepted"] == 0
        assert [(e["row"], e["column"]) for e in status["errors"]] == [
            (101, "head_citizen_id"),
            (501, "subdistrict_code"),
            (801, "members"),
        ]
        some = rows[0]["household_id"]
        r = await client.get(
            f"{stack.url('registry')}/v1/households/{some}", headers=stack.auth(["ops_team"], ["41"])
        )
        assert r.status_code == 404
        empty = (await summary(stack, client, "41", ["41"])).json()
        assert empty["rows"] == [] and empty["total"]["target_households"] == 0


async def test_a_tis620_file_with_thai_headers_digits_and_buddhist_years(
    stack: Stack, tmp_path: Path
) -> None:
    thai_digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    rows = list(generate("42", 200, seed=5))
    for r in rows:
        for column in ("cohort_year", "members", "village_no", "welfare_card_holders", "total_income"):
            r[column] = str(r[column]).translate(thai_digits)
    path = tmp_path / "thai.csv"
    write_csv(iter(rows), path, thai_headers=True, encoding="cp874")
    assert path.read_bytes().decode("cp874").startswith("รหัสบ้าน,ปี,")
    plain = tmp_path / "plain.csv"
    write_csv(generate("42", 200, seed=5), plain)
    _, total = expected_summary(plain)
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, path, ["42"])
        assert status["status"] == "done", status["errors"][:5]
        got = await summary_reaches(stack, client, "42", 200)
        assert flat(got["total"]) == total
        one = rows[0]["household_id"]
        household = await client.get(
            f"{stack.url('registry')}/v1/households/{one}",
            params={"personal": "false"},
            headers=stack.auth(["ops_team"], ["42"]),
        )
        assert household.json()["cohort_year"] == 2019  # BE ๒๕๖๒


async def test_importing_the_same_file_twice_registers_each_household_once(
    stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "twice.csv"
    write_csv(generate("43", 300, seed=9), path)
    async with httpx.AsyncClient(timeout=60) as client:
        first = await run_import(stack, client, path, ["43"])
        assert first["status"] == "done" and first["rows_already_registered"] == 0
        await summary_reaches(stack, client, "43", 300)
        second = await run_import(stack, client, path, ["43"])
        assert second["status"] == "done" and second["rows_already_registered"] == 300
        hid = next(generate("43", 1, seed=9))["household_id"]
        # the timeline is its own consumer: wait for it, then the second import must have added nothing
        events = await timeline(stack, client, hid, 1, who=(["province_officer"], ["43"]))
        assert len(events) == 1
        assert (await summary(stack, client, "43", ["43"])).json()["total"]["target_households"] == 300


@pytest.mark.parametrize("role", ["ops_team", "analyst"])
async def test_only_district_and_province_officers_import(stack: Stack, tmp_path: Path, role: str) -> None:
    path = tmp_path / "small.csv"
    write_csv(generate("44", 5, seed=1), path)
    async with httpx.AsyncClient(timeout=60) as client:
        r = await client.post(
            f"{stack.url('registry')}/v1/imports/tpmap-register",
            files={"file": ("small.csv", path.read_bytes(), "text/csv")},
            headers=stack.auth([role], ["44"]),
        )
    assert r.status_code == 403


async def test_rows_outside_the_importers_area_fail_the_file(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.csv"
    write_csv(generate("44", 20, seed=2), path)
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, path, ["45"])
    assert status["status"] == "failed" and status["rows_rejected"] == 20
    assert {e["column"] for e in status["errors"]} == {"subdistrict_code"}


async def test_an_unreadable_upload_fails_with_a_clear_message(stack: Stack, tmp_path: Path) -> None:
    junk = tmp_path / "photo.csv"
    junk.write_bytes(bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0xDB]) * 200)
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, junk, ["44"])
        assert status["status"] == "failed"
        assert status["errors"][0]["column"] == "file" and "UTF-8" in status["errors"][0]["message"]
        empty = await client.post(
            f"{stack.url('registry')}/v1/imports/tpmap-register",
            files={"file": ("empty.csv", b"", "text/csv")},
            headers=stack.auth(IMPORTER, ["44"]),
        )
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
