"""KPIs and the MPI drill-down from a generated province: every numerator and denominator equals
what this test computes from the generated facts, per district and in total, now and as of a
past moment; a redelivered event changes nothing twice."""

from __future__ import annotations

import io
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pydantic import BaseModel

from faemban_domain import agencies
from faemban_domain.events import contracts as c
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.platform.db import make_engine
from faemban_reporting.adapters import kpi_projection as kp
from faemban_reporting.adapters.exports import monthly_sections, monthly_title, table_xlsx
from faemban_reporting.adapters.pdf import render_pdf, thai_font
from faemban_reporting.adapters.tables import metadata
from faemban_reporting.domain.kpis import DEFAULT_TARGETS, by_lead_agency
from faemban_reporting.service import KPIS
from faemban_reporting.service_layer.queries.kpis import kpis
from faemban_reporting.service_layer.queries.monthly import Month, monthly
from faemban_reporting.service_layer.queries.mpi import mpi

T0 = datetime(2024, 11, 1, 3, tzinfo=UTC)
DISTRICTS = ("3401", "3402")
DIMS = ("health", "living", "education", "income", "access")
FAILABLE = [
    "health.food_safety",
    "living.housing_security",
    "education.compulsory",
    "income.average_income",
    "access.elderly_care",
]


def ev(model: BaseModel, at: datetime, seq: int, subject: str) -> CloudEvent:
    return CloudEvent(
        source="faemban/test",
        type=c.type_of(type(model)),
        subject=subject,
        sequence=str(seq),
        time=at,
        areacode=getattr(model, "area_code", None),
        data=model.model_dump(mode="json"),
    )


def assessed(hid: str, area: str, failing: list[str], outcome: str, level: int) -> c.IndicatorAssessed:
    """v1 for half the households, v2 for the others: a topic holds both until v1 is retired."""
    dims = sorted({f.split(".")[0] for f in failing}, key=DIMS.index)
    v1 = c.IndicatorAssessedV1(
        household_id=hid,
        area_code=area,
        survey_year=2024,
        rules="2024:abc",
        as_of=T0,
        cause="verified",
        indicator_results={},
        failing_indicators=failing,
        applicable_indicators=FAILABLE,
        deprived_dimensions=dims,
        mpi_poor=bool(failing),
        critical=len(dims) >= 3,
        tpmap_poor_latest=False,
        af_score=len(dims) / 5,
        vulnerability_level=level,
        dependants=0,
        vulnerability=c.Vulnerability(
            level=level,
            low_income=level > 0,
            dependants=0,
            dependants_from_members=True,
            housing_problem=False,
            reason="",
        ),
        cdd=c.CddVulnerability(
            vulnerable=False, criteria=[], unknown_criteria=[], burdens=[], unknown_burdens=[]
        ),
        survive=outcome != "none",
        outcome=outcome,
    )
    if sum(map(ord, hid)) % 2:
        return v1
    return c.IndicatorAssessedV2.model_validate(c.IndicatorAssessedV2.from_v1(v1.model_dump(mode="json")))


@dataclass
class House:
    hid: str
    area: str
    members: int
    verified: list[tuple[datetime, str, float]] = field(default_factory=list)  # at, type, average income
    certified_at: datetime | None = None
    plan_at: datetime | None = None
    team: tuple[str, datetime, datetime | None] | None = None
    entries: list[tuple[str, str, datetime, datetime | None]] = field(
        default_factory=list
    )  # agency, problem, at, voided
    resolved: tuple[str, datetime] | None = None  # level, at
    assessment: tuple[list[str], str, int, datetime] | None = None


def generate(seed: int) -> list[House]:
    rnd = random.Random(seed)
    houses = []
    for i in range(40):
        district = DISTRICTS[i % 2]
        h = House(f"K{i:03d}", f"{district}{rnd.choice(['01', '02'])}01", rnd.randint(1, 6))
        at = T0 + timedelta(days=rnd.randint(1, 80))  # the 2024 deadline is 31 Dec (Bangkok)
        if rnd.random() < 0.85:
            first = rnd.choice([20000.0, 30000.0, 45000.0])
            h.verified.append((at, rnd.choice(["develop", "develop", "welfare"]), first))
            if rnd.random() < 0.5:
                h.verified.append(
                    (at + timedelta(days=60), h.verified[0][1], first + rnd.choice([-5000, 10000, 20000]))
                )
            if rnd.random() < 0.7:
                h.certified_at = at + timedelta(days=3)
                if rnd.random() < 0.6:
                    h.plan_at = at + timedelta(days=10)
            if rnd.random() < 0.6:
                h.team = (
                    f"T{rnd.randint(1, 4)}{district}",
                    at + timedelta(days=5),
                    (at + timedelta(days=50)) if rnd.random() < 0.2 else None,
                )
            for _ in range(rnd.randint(0, 5)):
                problem = rnd.choice(["living.housing_security", "income", "health", "other"])
                agency = rnd.choice(
                    [agencies.default_lead(problem), "moph.vhv", "msdhs"]
                    if problem != "health"
                    else ["moph", "moi.local"]
                )
                when = at + timedelta(days=rnd.randint(1, 90))
                voided = when + timedelta(days=2) if rnd.random() < 0.2 else None
                h.entries.append((agency, problem, when, voided))
            if rnd.random() < 0.3:
                h.resolved = (rnd.choice(["subdistrict", "district", "province"]), at + timedelta(days=40))
            failing = rnd.sample(FAILABLE, rnd.randint(0, 4))
            h.assessment = (
                failing,
                rnd.choice(["none", "survive", "sufficient"]),
                rnd.randint(0, 3),
                at + timedelta(minutes=1),
            )
        houses.append(h)
    return houses


def events_of(houses: list[House]) -> Iterator[CloudEvent]:
    for h in houses:
        seq = 1
        yield ev(
            c.HouseholdRegisteredV1(
                household_id=h.hid,
                area_code=h.area,
                cohort_year=2024,
                source="tpmap",
                members=h.members,
                welfare_card_holders=0,
                elderly=0,
                disabled=0,
                chronically_ill=0,
            ),
            T0,
            seq,
            h.hid,
        )
        for at, htype, income in h.verified:
            seq += 1
            members = [c.MemberFacts(age=30, annual_income=income)] * h.members
            yield ev(
                c.HouseholdVerifiedV1(
                    household_id=h.hid,
                    area_code=h.area,
                    survey_year=2024,
                    indicator_results={},
                    verification_category="all_correct",
                    field_status="lives_here",
                    household_type=htype,
                    members=members,
                    total_income=income * h.members,
                    average_income=income,
                    verified_at=at,
                ),
                at,
                seq,
                h.hid,
            )
        if h.certified_at:
            seq += 1
            yield ev(
                c.HouseholdCertifiedV1(
                    household_id=h.hid,
                    area_code=h.area,
                    survey_year=2024,
                    certified_at=h.certified_at,
                    due=date(2025, 1, 10),
                    late=False,
                ),
                h.certified_at,
                seq,
                h.hid,
            )
        if h.assessment:
            failing, outcome, level, at = h.assessment
            yield ev(assessed(h.hid, h.area, failing, outcome, level), at, 1, h.hid)
        if h.plan_at:
            yield ev(
                c.PlanCreatedV1(
                    plan_id=f"P{h.hid}", household_id=h.hid, area_code=h.area, mentor_team_id="T", items=[]
                ),
                h.plan_at,
                1,
                f"P{h.hid}",
            )
        if h.team:
            team, at, released = h.team
            yield ev(
                c.MentorHouseholdAssignedV1(
                    household_id=h.hid,
                    area_code=h.area,
                    team_id=team,
                    uncovered_dimensions=[],
                    mentor_subjects=[],
                    assigned_at=at,
                ),
                at,
                1,
                team,
            )
            if released:
                yield ev(
                    c.MentorHouseholdReleasedV1(
                        household_id=h.hid,
                        area_code=h.area,
                        team_id=team,
                        cause="leader_transferred",
                        released_at=released,
                    ),
                    released,
                    2,
                    team,
                )
        for n, (agency, problem, at, voided) in enumerate(h.entries):
            eid = f"E{h.hid}{n}"
            yield ev(
                c.AssistanceLoggedV1(
                    entry_id=eid,
                    household_id=h.hid,
                    area_code=h.area,
                    problem=problem,
                    agency=agency,
                    giver_kind="state",
                    kind="service",
                    given_on=at.date(),
                ),
                at,
                1,
                eid,
            )
            if voided:
                yield ev(
                    c.AssistanceVoidedV1(entry_id=eid, household_id=h.hid, area_code=h.area, reason_ref="R1"),
                    voided,
                    2,
                    eid,
                )
        if h.resolved:
            level, at = h.resolved
            cid = f"C{h.hid}"
            yield ev(
                c.CaseOpenedV1(
                    case_id=cid,
                    household_id=h.hid,
                    area_code=h.area,
                    level="subdistrict",
                    problems=["health"],
                    reason_ref="R",
                    opened_at=at - timedelta(days=5),
                ),
                at - timedelta(days=5),
                1,
                cid,
            )
            yield ev(
                c.CaseResolvedV1(
                    case_id=cid,
                    household_id=h.hid,
                    area_code=h.area,
                    level=level,
                    assistance_ids=["E1"],
                    resolved_at=at,
                ),
                at,
                2,
                cid,
            )


def expected(houses: list[House], t: datetime, team_max: int = 15) -> dict[str, dict[str, Any]]:
    """The KPIs computed straight from the generated facts (no read model)."""
    deadline = datetime(2024, 12, 31, 17, tzinfo=UTC)  # 1 January 00:00 in Bangkok
    out: dict[str, dict[str, Any]] = {}
    for key in (*DISTRICTS, "total"):
        mine = [h for h in houses if key == "total" or h.area.startswith(key)]

        def standing(h: House) -> list[tuple[str, str, datetime, datetime | None]]:
            return [e for e in h.entries if e[2] <= t and (e[3] is None or e[3] > t)]

        verified = [h for h in mine if any(at <= t for at, _, _ in h.verified)]
        current = {h.hid: [v for v in h.verified if v[0] <= t][-1] for h in verified}
        develop = [h for h in verified if current[h.hid][1] == "develop"]
        rose = [
            h
            for h in develop
            if len([v for v in h.verified if v[0] <= t]) > 1
            and current[h.hid][2] > h.verified[0][2]
            and current[h.hid][2] >= 38000
        ]
        certified = [h for h in mine if h.certified_at and h.certified_at <= t]
        resolved = [h for h in mine if h.resolved and h.resolved[1] <= t]
        teams: dict[str, int] = {}
        for h in mine:
            if h.team and h.team[1] <= t and (h.team[2] is None or h.team[2] > t):
                teams[h.team[0]] = teams.get(h.team[0], 0) + 1
        lead = [h for h in verified if sum(1 for a, p, _, _ in standing(h) if by_lead_agency(a, p)) >= 3]
        out[key] = {
            "households": len(mine),
            "verified_by_deadline": (
                sum(1 for h in mine if any(at <= min(t, deadline) for at, _, _ in h.verified)),
                len(mine),
            ),
            "assisted": (sum(1 for h in verified if standing(h)), len(verified)),
            "lead_agency_thrice": (len(lead), len(verified)),
            "income_rose_and_passes": (len(rose), len(develop)),
            "plan_coverage": (sum(1 for h in certified if h.plan_at and h.plan_at <= t), len(certified)),
            "cases_resolved_locally": (
                sum(1 for h in resolved if h.resolved and h.resolved[0] in ("subdistrict", "district")),
                len(resolved),
            ),
            "teams": sorted(teams.values()),
        }
    return out


@pytest.fixture
async def loaded(empty_database: str) -> Any:
    engine = make_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    houses = generate(7)
    events = list(events_of(houses))
    async with engine.begin() as conn:
        await kp.project_kpis_batch(conn, events[: len(events) // 2], KPIS.tables)
        for e in events[len(events) // 2 :]:
            await kp.project_kpis(conn, e, KPIS.tables)
        for e in events[::3]:  # redelivered: nothing changes twice
            await kp.project_kpis(conn, e, KPIS.tables)
    yield engine, houses
    await engine.dispose()


@pytest.mark.parametrize(
    "moment",
    [
        None,  # now: the running totals
        T0 + timedelta(days=45),  # inside a day: that day's memberships added exactly
        T0 + timedelta(days=20, hours=10),
        datetime(2024, 12, 31, 16, 59, 59, 999999, tzinfo=UTC),  # the end of 31 December in Bangkok
        datetime(2025, 1, 15, 16, 59, 59, 999999, tzinfo=UTC),
    ],
)
async def test_every_kpi_equals_the_count_from_the_generated_facts(
    loaded: Any, moment: datetime | None
) -> None:
    engine, houses = loaded
    t = moment or datetime(2100, 1, 1, tzinfo=UTC)
    async with engine.connect() as conn:
        got = await kpis(conn, "34", "district", None, 2024, moment, DEFAULT_TARGETS, 15)
    want = expected(houses, t)
    rows = {r["area_code"]: r for r in got["rows"]}
    for key in (*DISTRICTS, "total"):
        row = got["total"] if key == "total" else rows[key]
        w = want[key]
        assert row["households"] == w["households"], key
        for name in (
            "verified_by_deadline",
            "assisted",
            "lead_agency_thrice",
            "income_rose_and_passes",
            "plan_coverage",
            "cases_resolved_locally",
        ):
            assert (row[name]["numerator"], row[name]["denominator"]) == w[name], (key, name, moment)
        load = row["mentor_team_load"]
        assert load["teams"] == len(w["teams"]) and load["households"] == sum(w["teams"]), key
        if w["teams"]:
            assert (load["min"], load["max"]) == (w["teams"][0], w["teams"][-1])
    assert got["total"]["income_rose_and_passes"]["target"] == 80.0
    assert got["total"]["assisted"]["met"] is (got["total"]["assisted"]["percentage"] == 100.0)


async def test_a_moment_before_any_fact_counts_nothing(loaded: Any) -> None:
    engine, _ = loaded
    async with engine.connect() as conn:
        got = await kpis(conn, "34", "district", None, 2024, T0 - timedelta(seconds=1), DEFAULT_TARGETS, 15)
    assert got["rows"] == [] and got["total"]["households"] == 0
    assert (
        got["total"]["verified_by_deadline"]["percentage"] is None
        and got["total"]["verified_by_deadline"]["met"] is None
    )


async def test_mpi_drill_down_counts_households_and_persons_per_indicator(loaded: Any) -> None:
    engine, houses = loaded
    async with engine.connect() as conn:
        got = await mpi(conn, "34", "subdistrict", None, None)
    assessed_houses = [h for h in houses if h.assessment]
    for sub in {h.area[:6] for h in assessed_houses}:
        mine = [h for h in assessed_houses if h.area.startswith(sub)]
        row = next(r for r in got["rows"] if r["area_code"] == sub)
        assert (row["households"], row["persons"]) == (len(mine), sum(h.members for h in mine))
        for code in FAILABLE:
            failing = [h for h in mine if h.assessment and code in h.assessment[0]]
            assert row["indicators"][code] == {
                "households": len(failing),
                "persons": sum(h.members for h in failing),
            }
        poor = [h for h in mine if h.assessment and h.assessment[0]]
        assert row["mpi_poor"] == {"households": len(poor), "persons": sum(h.members for h in poor)}
        assert row["alkire_foster"]["poor"] == len(poor)
    assert got["total"]["households"] == len(assessed_houses)


async def test_monthly_report_counts_the_month_and_up_to_its_end(loaded: Any) -> None:
    engine, houses = loaded
    month = Month(2024, 12)
    now = datetime(2025, 6, 1, tzinfo=UTC)
    async with engine.connect() as conn:
        got = await monthly(conn, "34", "district", None, month, now, 2024, DEFAULT_TARGETS, 15)
    start, end = month.start, month.end
    assert start == datetime(2024, 11, 30, 17, tzinfo=UTC)  # 1 December 00:00 in Bangkok
    firsts = [h.verified[0][0] for h in houses if h.verified]
    assert got["verification"]["month"]["verified"] == sum(1 for t in firsts if start <= t < end)
    assert got["verification"]["cumulative"]["verified"] == sum(1 for t in firsts if t < end)
    plans = [h.plan_at for h in houses if h.plan_at]
    assert got["plans"]["month"]["made"] == sum(1 for t in plans if start <= t < end)
    entries = [e for h in houses for e in h.entries if e[2] < end and (e[3] is None or e[3] >= end)]
    assert got["assistance"]["total"]["cumulative"]["entries"] == len(entries)
    assert got["assistance"]["total"]["month"]["entries"] == sum(1 for e in entries if e[2] >= start)
    resolved = [h.resolved for h in houses if h.resolved and h.resolved[1] < end]
    by_level = {c["level"]: c for c in got["cases"]}
    for level in ("subdistrict", "district", "province"):
        assert by_level[level]["cumulative"]["resolved"] == sum(1 for r in resolved if r and r[0] == level)
    assert got["kpis"]["as_of"] == end - timedelta(microseconds=1)

    sections = monthly_sections(got)
    assert list(sections) == ["การตรวจสอบและแผน", "การให้ความช่วยเหลือ", "เรื่องส่งต่อ", "ตัวชี้วัด"]
    book = load_workbook(io.BytesIO(table_xlsx(sections)))
    assert book.sheetnames == list(sections)
    assert book["การให้ความช่วยเหลือ"].cell(book["การให้ความช่วยเหลือ"].max_row, 6).value == len(entries)


def test_the_monthly_pdf_embeds_a_thai_font_and_its_text_reads_back(tmp_path: Path) -> None:
    """pdftotext finds the Thai headers (so the glyphs map back to Thai characters) and pdftoppm
    draws the page."""
    report = {
        "verification": {"households": 3, "month": {"verified": 1}, "cumulative": {"verified": 2}},
        "plans": {"month": {"made": 0}, "cumulative": {"made": 1}},
        "assistance": {
            "rows": [
                {
                    "agency": "moi.cdd",
                    "agency_name_th": "กรมการพัฒนาชุมชน (พช.)",
                    "kind": "training",
                    "month": {"entries": 2, "amount_baht": 450.5},
                    "cumulative": {"entries": 3, "amount_baht": 900.0},
                }
            ],
            "total": {
                "month": {"entries": 2, "amount_baht": 450.5},
                "cumulative": {"entries": 3, "amount_baht": 900.0},
            },
        },
        "cases": [
            {
                "level": lvl,
                "month": dict.fromkeys(("opened", "escalated", "resolved"), 0),
                "cumulative": dict.fromkeys(("opened", "escalated", "resolved"), 1),
            }
            for lvl in ("subdistrict", "district", "province", "national")
        ],
        "kpis": {"level": "district", "area": "34", "rows": [], "total": _empty_kpis()},
        "month": "2021-03",
        "area": "34",
        "area_name_th": "อุบลราชธานี",
    }
    pdf = render_pdf(monthly_title(report), "ข้อมูล ณ สิ้นเดือน", monthly_sections(report), thai_font(None))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "monthly.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    text = "".join(text.split())  # pdftotext spaces out shaped clusters; the characters stay in order
    for words in ("รายงานความก้าวหน้าประจำเดือน", "อุบลราชธานี", "การให้ความช่วยเหลือ", "กรมการพัฒนาชุมชน", "ตัวชี้วัด"):
        assert words in text, words
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(png) as image:
        colours = image.convert("L").getextrema()
    assert colours[0] < 100 < colours[1]  # ink on paper, not a blank page


def _empty_kpis() -> dict[str, Any]:
    share = {"numerator": 0, "denominator": 0, "percentage": None, "target": None, "met": None}
    return {
        **dict.fromkeys(
            (
                "verified_by_deadline",
                "assisted",
                "lead_agency_thrice",
                "income_rose_and_passes",
                "plan_coverage",
                "cases_resolved_locally",
            ),
            share,
        ),
        "mentor_team_load": {
            "teams": 0,
            "households": 0,
            "min": None,
            "median": None,
            "max": None,
            "teams_over_max": 0,
            "max_per_team": 15,
        },
        "outcomes": {"survive": 0, "sufficient": 0, "sustainable": 0},
        "vulnerability_levels": {"0": 0, "1": 0, "2": 0, "3": 0},
    }
