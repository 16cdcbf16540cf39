"""The household map end to end (docs/interfaces.md, "Shape 8"): pins from an imported register
with the type the field team verified and assessment's critical flag, each read in the access
log; analysts get one point per village and no household; the /map page draws the markers in
headless Chromium.

Province 55 (Nan): twelve households in village 55010101, two in 55010202.
"""

from __future__ import annotations

import asyncio
import csv
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from faemban_cli.demo_data import generate
from faemban_domain import indicators
from faemban_domain.testing import eventually

from .conftest import Stack
from .test_register_e2e import run_import

FIELD = (["province_officer"], ["55"])
ANALYST = (["analyst"], ["55"])


def _register(path: Path) -> list[dict[str, Any]]:
    rows = list(generate("55", 14, seed=uuid.uuid4().int % 10_000, cohort_year=2024))
    for i, row in enumerate(rows):
        sub, village = ("550101", 1) if i < 12 else ("550102", 2)
        row.update(
            household_id=f"MAP{uuid.uuid4().hex[:12]}",
            district_code=sub[:4],
            subdistrict_code=sub,
            village_no=village,
            lat=18.77 + i * 0.001,
            lon=100.77 + i * 0.001,
        )
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _chromium_dom(url: str) -> str:
    """The page's DOM after its scripts ran (headless Chromium, no sandbox as root)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is installed by deploy/local/report-tools.sh"
    done = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def test_pins_for_field_roles_villages_for_analysts_and_the_page_draws_them(
    stack: Stack, tmp_path: Path
) -> None:
    rows = _register(tmp_path / "nan.csv")
    ids = [r["household_id"] for r in rows]
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, tmp_path / "nan.csv", ["55"])
        assert status["status"] == "done" and status["rows_accepted"] == 14, status
        types = {ids[0]: "develop", ids[1]: "welfare", ids[12]: "develop"}
        codes = set(indicators.latest_rule_set().codes)
        for hid, htype in types.items():
            row = rows[ids.index(hid)]
            body = {
                "survey_year": 2024,
                "field_status": "lives_here",
                "household_type": htype,
                "indicators": {c: "rejected" for c in codes if str(row.get(c)) == "1"},
                "new_failing": [],
                "members": [{"age": 40, "has_occupation": True, "annual_income": 20000}]
                * int(row["members"]),
            }
            r = await client.post(
                f"{stack.url('registry')}/v1/households/{hid}/verification",
                json=body,
                headers=stack.auth(["ops_team"], [row["subdistrict_code"]]),
            )
            assert r.status_code == 200, r.text

        sub = f"map-{uuid.uuid4().hex[:6]}"
        field = {**stack.auth(*FIELD, sub=sub), "X-Purpose": "follow up the families"}
        url = f"{stack.url('registry')}/v1/reports/map"
        r = await client.get(url, params={"area": "55"}, headers=stack.auth(*FIELD))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "X-Purpose"

        # critical comes from assessment's topic: each pin agrees with the household's assessment
        got: dict[str, Any] = {}

        async def agrees() -> bool:
            r = await client.get(url, params={"area": "5501"}, headers=field)
            assert r.status_code == 200, r.text
            got.update({f["properties"]["household_id"]: f for f in r.json()["features"]})
            for hid in ids:
                a = await client.get(
                    f"{stack.url('assessment')}/v1/households/{hid}/assessment",
                    headers=stack.auth(["admin"], []),
                )
                if a.status_code != 200 or hid not in got:
                    return False
                if got[hid]["properties"]["critical"] != a.json()["critical"]:
                    return False
            return True

        await eventually(agrees, timeout=120, what="every pin with assessment's critical flag")
        assert set(got) == set(ids)
        for hid in ids:
            props, point = got[hid]["properties"], got[hid]["geometry"]["coordinates"]
            assert props["household_type"] == types.get(hid)
            row = rows[ids.index(hid)]
            assert point == [pytest.approx(row["lon"]), pytest.approx(row["lat"])]

        # every pin read is in the access log, with the reader and the purpose
        log = await client.get(
            f"{stack.url('registry')}/v1/access-log",
            params={"subject": sub, "limit": 1000},
            headers=stack.auth(["admin"], []),
        )
        assert log.status_code == 200, log.text
        pinned = {e["household_id"] for e in log.json()["entries"] if e["what"] == "map_pin"}
        assert pinned == set(ids)
        assert {e["purpose"] for e in log.json()["entries"]} == {"follow up the families"}

        # analysts: never a household's pin; one point per village, withheld under five households
        r = await client.get(url, params={"area": "55"}, headers={**stack.auth(*ANALYST), "X-Purpose": "x"})
        assert r.status_code == 403
        r = await client.get(
            f"{stack.url('registry')}/v1/reports/map/villages",
            params={"area": "55"},
            headers=stack.auth(*ANALYST),
        )
        assert r.status_code == 200, r.text
        villages = {f["properties"]["area_code"]: f for f in r.json()["features"]}
        assert "household_id" not in r.text
        big, small = villages["55010101"], villages["55010202"]
        assert big["properties"] | {"households": 12, "develop": 1, "welfare": 1} == big["properties"]
        lon, lat = big["geometry"]["coordinates"]
        assert lat == pytest.approx(sum(r["lat"] for r in rows[:12]) / 12, abs=1e-5)
        assert small["geometry"] is None and small["properties"]["households"] == 2

        # the page: the field role's pins, the analyst's village points, drawn by the vendored Leaflet
        for path in ("/map", "/map/vendor/leaflet.js"):
            page = await client.get(f"{stack.url('registry')}{path}")
            assert page.status_code == 200 and "unpkg" not in page.text and "cdn" not in page.text.lower()

    token = stack.token(*FIELD)
    dom = await asyncio.to_thread(
        _chromium_dom, f"{stack.url('registry')}/map#token={token}&area=55010101&purpose=e2e"
    )
    assert 'data-layer="households"' in dom and 'data-markers="12"' in dom, dom[-1500:]
    assert len(re.findall(r'class="pin develop', dom)) == 1
    assert len(re.findall(r'class="pin welfare', dom)) == 1
    assert len(re.findall(r'class="pin unverified', dom)) == 10
    token = stack.token(*ANALYST)
    dom = await asyncio.to_thread(_chromium_dom, f"{stack.url('registry')}/map#token={token}&area=55")
    assert 'data-layer="villages"' in dom and 'data-markers="1"' in dom, dom[-1500:]
