"""A province's reports end to end (docs/domain.md, "KPIs"; docs/interfaces.md, "Shape 8"):
KPIs from known verifications, assistance, plans, teams and cases — now and as the record
stood at a past moment — and the MPI drill-down equal to assessment's own summary.

Province 53 (Uttaradit): district 5301 (subdistrict 530101) and district 5302 (530201) for the
KPIs; province 54 (Phrae) for the MPI drill-down; province 56 (Phayao) for the monthly report.
"""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from faemban_domain.campaign import BANGKOK
from faemban_domain.testing import eventually

from .conftest import Stack
from .test_help_loop_e2e import DAM_MEMBERS, DAM_MEMBERS_LATER, Api, Who, _district, _ops, log, team_for
from .test_platform_e2e import household

PROVINCE: Who = (["province_officer"], ["53"])
ANALYST: Who = (["analyst"], ["53"])
S1, S2 = "530101", "530201"
FLAGS = ["income.average_income", "living.housing_security"]
MARKS = {"income.average_income": "confirmed", "living.housing_security": "confirmed"}


def _verification(household_type: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "survey_year": 2567,
        "indicators": MARKS,
        "field_status": "lives_here",
        "household_type": household_type,
        "members": members,
    }


async def _kpis(api: Api, **params: str) -> dict[str, Any]:
    r = await api.client.get(
        f"{api.stack.url('reporting')}/v1/reports/kpis",
        params={"area": "53", "level": "district", "survey_year": "2024", **params},
        headers=api.headers(ANALYST),
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _shares(report: dict[str, Any]) -> dict[str, dict[str, tuple[int, int]]]:
    names = (
        "verified_by_deadline",
        "assisted",
        "lead_agency_thrice",
        "income_rose_and_passes",
        "plan_coverage",
        "cases_resolved_locally",
    )
    rows = {r["area_code"]: r for r in report["rows"]} | {"total": report["total"]}
    return {
        code: {n: (row[n]["numerator"], row[n]["denominator"]) for n in names} for code, row in rows.items()
    }


async def _until_shares(api: Api, want: dict[str, dict[str, tuple[int, int]]], **params: str) -> None:
    seen: list[Any] = []

    async def arrived() -> bool:
        seen[:] = [_shares(await _kpis(api, **params))]
        return all(seen[0].get(code) == shares for code, shares in want.items())

    try:
        await eventually(arrived, timeout=180, what="the KPIs of the generated facts")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: got {seen[0]}, want {want}") from None


def _expected(
    registered: dict[str, int],
    verified: dict[str, int],
    assisted: dict[str, int],
    lead: dict[str, int],
    develop: dict[str, int],
    rose: dict[str, int],
    certified: dict[str, int],
    planned: dict[str, int],
    resolved: dict[str, int],
    local: dict[str, int],
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per district and in total, each share as (numerator, denominator)."""
    out = {}
    for code in ("5301", "5302", "total"):

        def g(d: dict[str, int], code: str = code) -> int:
            return sum(d.values()) if code == "total" else d.get(code, 0)

        out[code] = {
            "verified_by_deadline": (g(verified), g(registered)),
            "assisted": (g(assisted), g(verified)),
            "lead_agency_thrice": (g(lead), g(verified)),
            "income_rose_and_passes": (g(rose), g(develop)),
            "plan_coverage": (g(planned), g(certified)),
            "cases_resolved_locally": (g(local), g(resolved)),
        }
    return out


async def _plan(api: Api, hid: str, mentor: str, sub: str) -> None:
    body = {
        "method": "4T",
        "items": [
            {
                "problem": {"indicator": "income.average_income"},
                "activity": "ฝึกอาชีพ",
                "horizon": "short",
                "due_on": (date.today() + timedelta(days=30)).isoformat(),
            }
        ],
    }
    await api.post_until(
        "planning", f"/v1/households/{hid}/plans", (["mentor"], [sub]), body, 201, sub=mentor
    )


async def test_kpis_now_and_as_of_a_past_moment_equal_the_generated_facts(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=120) as client:
        api = Api(stack, client)
        ids = {name: f"RP-{name}-{uuid.uuid4().hex[:8]}" for name in ("h1", "h2", "h3", "h4", "h5", "h6")}
        subs = {"h1": S1, "h2": S1, "h3": S1, "h4": S2, "h5": S2, "h6": S2}
        types = {"h1": "develop", "h2": "develop", "h3": "welfare", "h4": "develop", "h5": "welfare"}
        for name, hid in ids.items():
            body = household(
                household_id=hid,
                area_code=f"{subs[name]}01",
                cohort_year=2567,
                members=len(DAM_MEMBERS),
                tpmap_failing_indicators=FLAGS,
            )
            await api.call("POST", "registry", "/v1/households", _ops(subs[name]), body, expect=201)
        for name, htype in types.items():  # h6 is never verified
            await api.call(
                "POST",
                "registry",
                f"/v1/households/{ids[name]}/verification",
                _ops(subs[name]),
                _verification(htype, DAM_MEMBERS),
            )
        for sub in (S1, S2):
            await api.call(
                "POST",
                "registry",
                "/v1/certifications/district",
                _district(sub),
                {"subdistrict_code": sub, "survey_year": 2024},
            )
            await api.call(
                "POST",
                "registry",
                "/v1/certifications/province",
                PROVINCE,
                {"district_code": sub[:4], "survey_year": 2024},
            )
        await team_for(api, S1, ids["h1"], mentor="m-h1", skills=["income", "living"])
        await team_for(api, S2, ids["h4"], mentor="m-h4", skills=["income", "living"])
        await _plan(api, ids["h1"], "m-h1", S1)

        def entry(name: str, n: int, agency: str) -> Any:
            return log(
                api,
                _ops(subs[name]),
                ids[name],
                key=f"{ids[name]}-{n}",
                problem={"dimension": "income"},
                agency=agency,
                giver_kind="state",
                kind="training",
            )

        for n in range(3):
            await entry("h1", n, "moi.cdd")  # the lead agency of income
        h2_entry = await entry("h2", 0, "moph")  # not a lead agency of income
        h4_entries = [await entry("h4", n, "mol") for n in range(3)]

        phase_one = _expected(
            registered={"5301": 3, "5302": 3},
            verified={"5301": 3, "5302": 2},
            assisted={"5301": 2, "5302": 1},
            lead={"5301": 1, "5302": 1},
            develop={"5301": 2, "5302": 1},
            rose={},
            certified={"5301": 3, "5302": 2},
            planned={"5301": 1},
            resolved={},
            local={},
        )
        await _until_shares(api, phase_one)
        moment = datetime.now(UTC).isoformat()

        # Later: one of h4's entries voided, h1 re-verified with its new incomes (36,800 → 55,200
        # baht a person: rose and passes), h4's plan, h2's case resolved at the subdistrict.
        await api.call(
            "POST",
            "assistance-log",
            f"/v1/assistance/{h4_entries[0]['assistance_id']}/void",
            _ops(S2),
            {"reason": "บันทึกซ้ำ"},
        )
        await api.call(
            "POST",
            "registry",
            f"/v1/households/{ids['h1']}/verification",
            _ops(S1),
            _verification("develop", DAM_MEMBERS_LATER),
        )
        await _plan(api, ids["h4"], "m-h4", S2)
        case = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(S1),
            {"household_id": ids["h2"], "problems": [{"dimension": "income"}], "reason": "ต้องการอาชีพ"},
            expect=201,
        )
        await api.post_until(
            "planning",
            f"/v1/cases/{case['case_id']}/resolve",
            _ops(S1),
            {"assistance_ids": [h2_entry["assistance_id"]], "note": "ได้งานแล้ว"},
        )

        now = _expected(
            registered={"5301": 3, "5302": 3},
            verified={"5301": 3, "5302": 2},
            assisted={"5301": 2, "5302": 1},
            lead={"5301": 1},
            develop={"5301": 2, "5302": 1},
            rose={"5301": 1},
            certified={"5301": 3, "5302": 2},
            planned={"5301": 1, "5302": 1},
            resolved={"5301": 1},
            local={"5301": 1},
        )
        await _until_shares(api, now)
        past = _shares(await _kpis(api, as_of=moment))
        assert past == {code: phase_one[code] for code in past} and set(past) == set(phase_one)

        report = await _kpis(api)
        rows = {r["area_code"]: r for r in report["rows"]}
        assert rows["5301"]["mentor_team_load"]["households"] == 1
        assert (
            rows["5301"]["income_rose_and_passes"] | {"target": 80.0}
            == rows["5301"]["income_rose_and_passes"]
        )
        assert report["total"]["plan_coverage"]["percentage"] == 40.0
        assert report["total"]["plan_coverage"]["met"] is False

        # the same report as XLSX: one line per KPI and area, Thai headers, numbers as numbers
        r = await client.get(
            f"{stack.url('reporting')}/v1/reports/kpis",
            params={"area": "53", "level": "district", "survey_year": "2567", "format": "xlsx"},
            headers=api.headers(ANALYST),
        )
        assert r.status_code == 200, r.text
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None
        lines = list(sheet.iter_rows(values_only=True))
        assert lines[0][:4] == ("อำเภอ", "รหัสพื้นที่", "ตัวชี้วัด", "KPI")
        plan_total = next(line for line in lines if line[0] == "รวม" and line[3] == "plan_coverage")
        assert plan_total[4:6] == (2, 5)


async def test_mpi_drill_down_equals_the_assessment_summary_at_every_level(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=120) as client:
        api = Api(stack, client)
        analyst: Who = (["analyst"], ["54"])
        for n, sub in enumerate(("540101", "540101", "540201")):
            body = household(
                household_id=f"MP-{uuid.uuid4().hex[:8]}",
                area_code=f"{sub}0{n % 2 + 1}",
                cohort_year=2567,
                members=2 + n,
                total_income=20000,  # under 38,000 a person: income fails for all three
                tpmap_failing_indicators=FLAGS[: n % 2 + 1],
            )
            await api.call("POST", "registry", "/v1/households", _ops(sub), body, expect=201)

        async def reports(level: str) -> tuple[dict[str, Any], dict[str, Any]]:
            params = {"area": "54", "level": level}
            a = await client.get(
                f"{stack.url('assessment')}/v1/assessments/summary",
                params=params,
                headers=api.headers(analyst),
            )
            m = await client.get(
                f"{stack.url('reporting')}/v1/reports/mpi", params=params, headers=api.headers(analyst)
            )
            assert a.status_code == 200 and m.status_code == 200, (a.text, m.text)
            return a.json(), m.json()

        def same(a: dict[str, Any], m: dict[str, Any]) -> bool:
            if a["households"] != m["households"]:
                return False
            return (
                a["mpi_poor"] == m["mpi_poor"]["households"]
                and a["critical"] == m["critical"]["households"]
                and all(a["dimensions"][d] == m["dimensions"][d]["households"] for d in a["dimensions"])
                and all(a["indicators"][c] == m["indicators"][c]["households"] for c in a["indicators"])
                and a["alkire_foster"] == m["alkire_foster"]
            )

        got: list[Any] = []
        for level in ("district", "subdistrict", "village"):

            async def agree(level: str = level) -> bool:
                got[:] = list(await reports(level))
                a, m = got
                rows_a = {r["area_code"]: r for r in a["rows"]}
                rows_m = {r["area_code"]: r for r in m["rows"]}
                # both sides may agree on a stretch of the log before its end: wait for all three
                return (
                    a["total"]["households"] == 3
                    and set(rows_a) == set(rows_m)
                    and all(same(rows_a[c], rows_m[c]) for c in rows_a)
                    and same(a["total"], m["total"])
                )

            await eventually(agree, what=f"MPI drill-down equal to the assessment summary by {level}")
        # persons come from members: 2, 3 and 4 people; only the 3-person household fails housing
        total = got[1]["total"]
        assert (total["households"], total["persons"]) == (3, 9)
        assert total["indicators"]["income.average_income"] == {"households": 3, "persons": 9}
        assert total["indicators"]["living.housing_security"] == {"households": 1, "persons": 3}
        assert total["dimensions"]["living"] == {"households": 1, "persons": 3}


def _pdf_text_and_pages(pdf: Path) -> tuple[str, int]:
    """The PDF's text as pdftotext reads it (whitespace dropped: it spaces out shaped Thai
    clusters) and how many pages pdftoppm drew."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(prefix)], capture_output=True, check=True)
    return "".join(text.split()), len(list(pdf.parent.glob(f"{prefix.name}*.png")))


def _faemban(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("faemban")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)


async def test_the_monthly_report_written_by_the_command_as_xlsx_and_pdf(
    stack: Stack, tmp_path: Path
) -> None:
    """Province 56 (Phayao), this month: three households, two verified, one plan, three logbook
    entries (one voided), one case opened at the subdistrict, escalated and resolved at the district."""
    sub = "560101"
    month = datetime.now(BANGKOK).strftime("%Y-%m")
    async with httpx.AsyncClient(timeout=120) as client:
        api = Api(stack, client)
        ids = [f"MR-{uuid.uuid4().hex[:8]}" for _ in range(3)]
        for hid in ids:
            body = household(
                household_id=hid,
                area_code=f"{sub}01",
                cohort_year=2567,
                members=5,
                tpmap_failing_indicators=FLAGS,
            )
            await api.call("POST", "registry", "/v1/households", _ops(sub), body, expect=201)
        for hid in ids[:2]:
            await api.call(
                "POST",
                "registry",
                f"/v1/households/{hid}/verification",
                _ops(sub),
                _verification("develop", DAM_MEMBERS),
            )
        await api.call(
            "POST",
            "registry",
            "/v1/certifications/district",
            _district(sub),
            {"subdistrict_code": sub, "survey_year": 2024},
        )
        await api.call(
            "POST",
            "registry",
            "/v1/certifications/province",
            (["province_officer"], ["56"]),
            {"district_code": sub[:4], "survey_year": 2024},
        )
        await team_for(api, sub, ids[0], mentor="m-mr", skills=["income", "living"])
        await _plan(api, ids[0], "m-mr", sub)
        entries = []
        for n, (agency, kind, amount) in enumerate(
            (("moi.cdd", "training", "100.50"), ("moi.cdd", "training", "200"), ("moph", "goods", "50"))
        ):
            entries.append(
                await log(
                    api,
                    _ops(sub),
                    ids[1 if n == 2 else 0],
                    key=f"mr-{ids[0]}-{n}",
                    problem={"dimension": "income"},
                    agency=agency,
                    giver_kind="state",
                    kind=kind,
                    amount_baht=amount,
                )
            )
        await api.call(
            "POST",
            "assistance-log",
            f"/v1/assistance/{entries[1]['assistance_id']}/void",
            _ops(sub),
            {"reason": "ซ้ำ"},
        )
        case = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(sub),
            {"household_id": ids[1], "problems": [{"dimension": "income"}], "reason": "เกินศักยภาพตำบล"},
            expect=201,
        )
        await api.call(
            "POST", "planning", f"/v1/cases/{case['case_id']}/escalate", _ops(sub), {"reason": "ส่งอำเภอ"}
        )
        await api.post_until(
            "planning",
            f"/v1/cases/{case['case_id']}/resolve",
            _district(sub),
            {"assistance_ids": [entries[2]["assistance_id"]], "note": "ช่วยแล้ว"},
        )

        async def complete() -> bool:
            r = await client.get(
                f"{stack.url('reporting')}/v1/reports/monthly",
                params={"area": "56", "month": month},
                headers=api.headers((["analyst"], ["56"])),
            )
            assert r.status_code == 200, r.text
            got = r.json()
            return (
                got["verification"]["month"]["verified"] == 2
                and got["plans"]["month"]["made"] == 1
                and got["assistance"]["total"]["month"]["entries"] == 2
                and sum(c["month"]["resolved"] for c in got["cases"]) == 1
            )

        await eventually(complete, timeout=180, what="this month's facts in the monthly report")

    token = stack.token(["province_officer"], ["56"])
    xlsx = tmp_path / "report.xlsx"
    done = _faemban(
        "report", "monthly", "--area", "56", "--month", month, "--out", str(xlsx),
        "--url", stack.url("reporting"), "--token", token,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = load_workbook(xlsx)
    assert book.sheetnames == ["การตรวจสอบและแผน", "การให้ความช่วยเหลือ", "เรื่องส่งต่อ", "ตัวชี้วัด"]
    checks = {row[0]: row[1:] for row in book["การตรวจสอบและแผน"].iter_rows(values_only=True)}
    assert checks["ครัวเรือนที่ตรวจสอบแล้ว"] == (2, 2) and checks["แผนพัฒนาครัวเรือนที่จัดทำ"] == (1, 1)
    assert checks["ครัวเรือนเป้าหมาย"] == (None, 3)
    help_rows = list(book["การให้ความช่วยเหลือ"].iter_rows(values_only=True))
    by_agency = {(r[1], r[2]): r[3:] for r in help_rows[1:-1]}
    assert by_agency == {("moi.cdd", "ฝึกอบรม"): (1, 100.5, 1, 100.5), ("moph", "สิ่งของ"): (1, 50.0, 1, 50.0)}
    assert help_rows[-1][0] == "รวม" and help_rows[-1][3:] == (2, 150.5, 2, 150.5)
    case_rows = {r[0]: r[1:] for r in book["เรื่องส่งต่อ"].iter_rows(values_only=True)}
    assert case_rows["ตำบล"][:3] == (1, 0, 0) and case_rows["อำเภอ"][:3] == (0, 1, 1)

    pdf = tmp_path / "report.pdf"
    done = _faemban(
        "report", "monthly", "--area", "56", "--month", month, "--out", str(pdf),
        "--url", stack.url("reporting"), "--token", token,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text, pages = _pdf_text_and_pages(pdf)
    for words in ("รายงานความก้าวหน้าประจำเดือน", "พะเยา", "การให้ความช่วยเหลือ", "เรื่องส่งต่อ", "ตัวชี้วัด"):
        assert words in text, words
    assert pages >= 1
