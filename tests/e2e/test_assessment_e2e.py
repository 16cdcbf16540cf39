"""Assessment end to end: TPMAP import and field verification → registry → Kafka (or the embedded
log) → assessment → its summary, priority list, history and the household's timeline.

Province 46 (Kalasin) holds the imported register; province 47 (Sakon Nakhon) the households
re-assessed under the 2030 rules the e2e stacks configure (a 40,000-baht threshold).
"""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from faemban_cli.demo_data import generate, write_csv
from faemban_domain import indicators
from faemban_domain.testing import eventually

from .conftest import Stack
from .test_platform_e2e import timeline
from .test_register_e2e import run_import

ANALYST_46 = (["analyst"], ["46"])
PROVINCE_46 = (["province_officer"], ["46"])
"""Analysts get aggregates; one household's history and the visit list are the officers'."""
RULES = indicators.rule_set(2019)


def expected_by_district(path: Path) -> dict[str, dict[str, Any]]:
    """District → households, critical and deprived dimensions, straight from the file's flags."""
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"households": 0, "critical": 0, "dimensions": dict.fromkeys(indicators.DIMENSIONS, 0)}
    )
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            dims = {RULES.indicator(c).dimension for c in RULES.codes if row[c] == "1"}
            entry = out[row["district_code"]]
            entry["households"] += 1
            entry["critical"] += len(dims) >= 3
            for d in dims:
                entry["dimensions"][d] += 1
    return dict(out)


async def assessment_summary(stack: Stack, client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    r = await client.get(
        f"{stack.url('assessment')}/v1/assessments/summary",
        params={"area": "46", "level": "district", **params},
        headers=stack.auth(*ANALYST_46),
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def as_expected(got: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        row["area_code"]: {
            "households": row["households"],
            "critical": row["critical"],
            "dimensions": row["dimensions"],
        }
        for row in got["rows"]
    }


async def current_assessment(
    stack: Stack, client: httpx.AsyncClient, hid: str, who: Any, cause: str
) -> dict[str, Any]:
    got: dict[str, Any] = {}

    async def arrived() -> bool:
        r = await client.get(
            f"{stack.url('assessment')}/v1/households/{hid}/assessment", headers=stack.auth(*who)
        )
        if r.status_code == 200:
            got.clear()
            got.update(r.json())
        return got.get("cause") == cause

    await eventually(arrived, what=f"the {cause} assessment of {hid}")
    return got


async def test_import_and_verification_reach_the_assessment_summary_history_and_timeline(
    stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "kalasin.csv"
    rows = list(generate("46", 150, seed=11))
    write_csv(iter(rows), path)
    expected = expected_by_district(path)
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, path, ["46"])
        assert status["status"] == "done", status["errors"][:5]
        got: dict[str, Any] = {}

        async def all_assessed() -> bool:
            got.update(await assessment_summary(stack, client))
            return bool(got["total"]["households"] == 150)

        await eventually(all_assessed, timeout=300, what="150 households in the assessment summary")
        assert as_expected(got) == expected
        assert got["total"]["mpi_poor"] == 150  # a TPMAP target list holds MPI-poor households only
        assert got["total"]["alkire_foster"]["poor"] == 150 and got["total"]["alkire_foster"]["H"] == 1.0
        assert sum(got["total"]["vulnerability_levels"].values()) == 150

        # The field team verifies one household: TPMAP's flags rejected, only the tidy home fails.
        row = rows[0]
        hid, sub = row["household_id"], row["subdistrict_code"]
        flagged = [c for c in RULES.codes if str(row[c]) == "1"]
        team = (["ops_team"], [sub])
        form = {
            "survey_year": 2567,
            "indicators": {c: "confirmed" if c == "living.tidy_home" else "rejected" for c in flagged},
            "new_failing": [] if "living.tidy_home" in flagged else ["living.tidy_home"],
            "field_status": "lives_here",
            "household_type": "develop",
            "members": [{"age": 40, "sex": "female", "has_occupation": True, "annual_income": 60_000}],
        }
        r = await client.post(
            f"{stack.url('registry')}/v1/households/{hid}/verification", json=form, headers=stack.auth(*team)
        )
        assert r.status_code == 200, r.text
        after = await current_assessment(stack, client, hid, team, "verified")
        assert after["failing_indicators"] == ["living.tidy_home"]
        assert after["deprived_dimensions"] == ["living"] and not after["critical"]
        assert after["survey_year"] == 2024
        assert after["vulnerability_level"] == 1  # 60,000 ≤ 100,000 a person: low income, no dependants

        history = await client.get(
            f"{stack.url('assessment')}/v1/households/{hid}/assessments", headers=stack.auth(*team)
        )
        first, second = history.json()["assessments"]
        assert first["cause"] == "registered" and second == after
        as_of = await client.get(
            f"{stack.url('assessment')}/v1/households/{hid}/assessment",
            params={"as_of": first["as_of"]},
            headers=stack.auth(*team),
        )
        assert as_of.json() == first
        before_any = await client.get(
            f"{stack.url('assessment')}/v1/households/{hid}/assessment",
            params={"as_of": "2000-01-01"},
            headers=stack.auth(*team),
        )
        assert before_any.status_code == 404

        events = await timeline(stack, client, hid, 2, who=PROVINCE_46, source="faemban/assessment")
        assert [e["type"] for e in events] == ["th.faemban.indicator.assessed.v2"] * 2
        assert [e["data"]["cause"] for e in events] == ["registered", "verified"]
        whole = await timeline(stack, client, hid, 4, who=PROVINCE_46, source=None)
        assert [e["source"] for e in whole] == [
            "faemban/registry",
            "faemban/assessment",
            "faemban/registry",
            "faemban/assessment",
        ]

        # The summary follows the verification: the household counts in "living" only now.
        district = row["district_code"]
        moved = {**expected[district], "dimensions": dict(expected[district]["dimensions"])}
        old_dims = {RULES.indicator(c).dimension for c in flagged}
        moved["critical"] -= len(old_dims) >= 3
        for d in old_dims:
            moved["dimensions"][d] -= 1
        moved["dimensions"]["living"] += 1

        async def followed() -> bool:
            return as_expected(await assessment_summary(stack, client)).get(district) == moved

        await eventually(followed, what="the summary following the verification")

        # Home visits: level 3 first, then critical, then higher c — and only inside one's area.
        r = await client.get(
            f"{stack.url('assessment')}/v1/assessments/priority",
            params={"area": "46", "limit": 200},
            headers=stack.auth(*PROVINCE_46),
        )
        order = [
            (-h["vulnerability_level"], not h["critical"], -h["af_score"]) for h in r.json()["households"]
        ]
        assert len(order) == 150 and order == sorted(order)
        r = await client.get(
            f"{stack.url('assessment')}/v1/assessments/priority",
            params={"area": "46"},
            headers=stack.auth(["province_officer"], ["47"]),
        )
        assert r.status_code == 403
        r = await client.get(
            f"{stack.url('assessment')}/v1/assessments/priority",
            params={"area": "46"},
            headers=stack.auth(*ANALYST_46),
        )
        assert r.status_code == 403 and r.json()["type"].endswith("/role")  # a list of households


def _household(area: str, total_income: int) -> dict[str, Any]:
    return {
        "household_id": f"AS-{uuid.uuid4().hex[:10]}",
        "area_code": area,
        "cohort_year": 2567,
        "source": "tpmap",
        "members": 1,
        "welfare_card_holders": 0,
        "elderly": 0,
        "total_income": total_income,
        "tpmap_failing_indicators": [],
    }


async def test_a_new_survey_year_reassesses_and_the_old_assessment_stays(stack: Stack) -> None:
    team = (["ops_team"], ["470101"])
    body = _household("47010101", 39_000)
    hid = body["household_id"]
    async with httpx.AsyncClient(timeout=60) as client:
        r = await client.post(f"{stack.url('registry')}/v1/households", json=body, headers=stack.auth(*team))
        assert r.status_code == 201, r.text
        before = await current_assessment(stack, client, hid, team, "registered")
        assert before["indicator_results"]["income.average_income"] == {
            "result": "met",
            "basis": "income_figures",
        }

        url = f"{stack.url('assessment')}/v1/assessments/reassessments"
        province = (["province_officer"], ["47"])
        r = await client.post(url, json={"survey_year": 2573, "area": "470101"}, headers=stack.auth(*team))
        assert r.status_code == 403
        r = await client.post(url, json={"survey_year": 2573}, headers=stack.auth(*province))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "area"
        r = await client.post(
            url,
            json={"survey_year": 2573, "area": "470101"},
            headers=stack.auth(["province_officer"], ["46"]),
        )
        assert r.status_code == 403
        r = await client.post(
            url, json={"survey_year": 2573, "area": "470101"}, headers=stack.auth(*province)
        )
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["survey_year"] == 2030 and report["rules"].startswith("2030:")
        assert report["households"] >= 1 and report["reassessed"] >= 1

        now = await current_assessment(stack, client, hid, team, "reassessed")
        assert now["indicator_results"]["income.average_income"]["result"] == "fails"
        assert now["survey_year"] == 2030 and now["mpi_poor"]
        r = await client.get(
            f"{stack.url('assessment')}/v1/households/{hid}/assessment",
            params={"as_of": before["as_of"]},
            headers=stack.auth(*team),
        )
        assert r.json()["indicator_results"]["income.average_income"]["result"] == "met"
        assert r.json()["survey_year"] == 2024


async def test_an_officer_attests_sufficiency_within_their_area(stack: Stack) -> None:
    team = (["ops_team"], ["470102"])
    body = _household("47010201", 90_000)
    hid = body["household_id"]
    async with httpx.AsyncClient(timeout=60) as client:
        r = await client.post(f"{stack.url('registry')}/v1/households", json=body, headers=stack.auth(*team))
        assert r.status_code == 201, r.text
        assessed = await current_assessment(stack, client, hid, team, "registered")
        assert assessed["survive"] and assessed["outcome"] == "survive"
        url = f"{stack.url('assessment')}/v1/households/{hid}/assessment/sufficiency"
        reason = "ครอบครัวพึ่งตนเองได้ เป็นแบบอย่างให้เพื่อนบ้าน"
        r = await client.post(url, json={"reason": reason}, headers=stack.auth(*team))
        assert r.status_code == 403
        r = await client.post(
            url, json={"reason": reason}, headers=stack.auth(["district_officer"], ["4702"])
        )
        assert r.status_code == 404  # outside the district: as if it did not exist
        r = await client.post(url, json={"reason": ""}, headers=stack.auth(["district_officer"], ["4701"]))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = await client.post(
            url, json={"reason": reason}, headers=stack.auth(["district_officer"], ["4701"])
        )
        assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "sufficient"
        r = await client.post(
            url, json={"reason": reason}, headers=stack.auth(["district_officer"], ["4701"])
        )
        assert r.status_code == 409
        events = await timeline(
            stack, client, hid, 2, who=(["province_officer"], ["47"]), source="faemban/assessment"
        )
        assert events[-1]["data"]["outcome"] == "sufficient"
        assert all(reason not in str(e["data"]) for e in events)
