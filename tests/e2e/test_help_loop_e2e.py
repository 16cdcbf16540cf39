"""The help loop end to end (docs/domain.md, "Plans", "Cases", "Logbook"): the worked examples of
Mr Dam (develop type) and Mrs Samorn (welfare type) from verification to a resolved case,
a closed plan and the outcome ladder — and the refusals on the way.

Province 48 (Nakhon Phanom): Mr Dam in subdistrict 480101, Mrs Samorn in 480201, the
refusals in 480301. Planning and the logbook learn of approvals, assessments and
assistance from the topics, so a step that depends on another service's event waits for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx

from faemban_domain.testing import eventually

from .conftest import Stack
from .test_platform_e2e import household, timeline

Who = tuple[list[str], list[str]]
PROVINCE: Who = (["province_officer"], ["48"])
ADMIN: Who = (["admin"], [])


def _ops(sub: str) -> Who:
    return (["ops_team"], [sub])


def _district(sub: str) -> Who:
    return (["district_officer"], [sub[:4]])


class Api:
    """Calls of one test: each names who calls, and what status it expects."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient) -> None:
        self.stack, self.client = stack, client

    def headers(self, who: Who, sub: str = "e2e", agency: str | None = None, **extra: str) -> dict[str, str]:
        from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

        private, _ = ensure_dev_keypair(self.stack.var_dir)
        token = mint_token(private, roles=who[0], areas=who[1], sub=sub, agency=agency)
        return {"Authorization": f"Bearer {token}", **extra}

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        who: Who,
        body: Any = None,
        expect: int = 200,
        sub: str = "e2e",
        agency: str | None = None,
        **headers: str,
    ) -> Any:
        r = await self.client.request(
            method,
            f"{self.stack.url(service)}{path}",
            json=body,
            headers=self.headers(who, sub, agency, **headers),
        )
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    async def until(self, attempt: Callable[[], Awaitable[httpx.Response]], expect: int, what: str) -> Any:
        """Retry a call refused while another service's event is on its way (a refused command
        writes nothing, so a retry is safe)."""
        got: list[httpx.Response] = []

        async def answered() -> bool:
            got[:] = [await attempt()]
            return got[0].status_code == expect

        try:
            await eventually(answered, what=what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last answer {got[0].status_code} {got[0].text[:600]}") from None
        return got[0].json()

    async def post_until(
        self,
        service: str,
        path: str,
        who: Who,
        body: Any,
        expect: int = 200,
        sub: str = "e2e",
        agency: str | None = None,
    ) -> Any:
        url = f"{self.stack.url(service)}{path}"
        return await self.until(
            lambda: self.client.post(url, json=body, headers=self.headers(who, sub, agency)),
            expect,
            f"POST {path} → {expect}",
        )


def _verification(survey_year: int, members: list[dict[str, Any]], **marks: str) -> dict[str, Any]:
    return {
        "survey_year": survey_year,
        "indicators": marks,
        "field_status": "lives_here",
        "household_type": "develop",
        "members": members,
    }


DAM_MEMBERS = [
    {"age": 45, "sex": "male", "has_occupation": True, "annual_income": 118560},  # driver, 380 baht a day
    {
        "age": 42,
        "sex": "female",
        "has_occupation": True,
        "annual_income": 55440,
        "physical_status": "chronically_ill",
    },
    {"age": 18, "sex": "male", "has_occupation": True, "annual_income": 10000},
    {"age": 14, "sex": "male", "studying": True},
    {"age": 10, "sex": "male", "studying": True},
]
"""Seed 002's worked example: five people, 184,000 baht a year, 36,800 a person."""
DAM_MEMBERS_LATER = [
    {**DAM_MEMBERS[0], "annual_income": 120000},
    {**DAM_MEMBERS[1], "annual_income": 60000},
    {**DAM_MEMBERS[2], "annual_income": 96000},  # the eldest son, trained and hired
    DAM_MEMBERS[3],
    DAM_MEMBERS[4],
]


async def approved_household(
    api: Api, sub: str, flags: list[str], members: list[dict[str, Any]], **marks: str
) -> str:
    """Registered from TPMAP, verified by the subdistrict, certified by the district, approved by
    the province (survey year 2024 of the e2e stacks)."""
    hid = f"HL-{uuid.uuid4().hex[:10]}"
    body = household(
        household_id=hid,
        area_code=f"{sub}01",
        cohort_year=2567,
        members=len(members),
        tpmap_failing_indicators=flags,
    )
    await api.call("POST", "registry", "/v1/households", _ops(sub), body, expect=201)
    await api.call(
        "POST",
        "registry",
        f"/v1/households/{hid}/verification",
        _ops(sub),
        _verification(2567, members, **marks),
    )
    await api.call(
        "POST",
        "registry",
        "/v1/certifications/district",
        _district(sub),
        {"subdistrict_code": sub, "survey_year": 2024},
    )
    got = await api.call(
        "POST",
        "registry",
        "/v1/certifications/province",
        PROVINCE,
        {"district_code": sub[:4], "survey_year": 2024},
    )
    assert hid in got["approved"]
    return hid


async def team_for(api: Api, sub: str, hid: str, mentor: str, skills: list[str]) -> dict[str, Any]:
    team = await api.call(
        "POST",
        "planning",
        "/v1/mentor-teams",
        _district(sub),
        {
            "district_code": sub[:4],
            "name": f"ทีมพี่เลี้ยง {sub}",
            "members": [
                {
                    "name": "นายสมชาย ใจดี",
                    "agency": "moi.cdd",
                    "skills": skills,
                    "civil_servant": True,
                    "leader": True,
                },
                {"name": "นางสาวมาลี", "agency": "moph.vhv", "skills": ["health"], "user_id": mentor},
                {"name": "นายบุญมี", "agency": "moi.local", "skills": ["living"]},
            ],
        },
        expect=201,
    )
    assignment = await api.post_until(
        "planning", f"/v1/mentor-teams/{team['team_id']}/households", _district(sub), {"household_id": hid}
    )
    return {**team, "assignment": assignment}


def _due(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def log(
    api: Api, who: Who, hid: str, key: str, agency_claim: str | None = None, **entry: Any
) -> dict[str, Any]:
    """One logbook entry, sent with an Idempotency-Key (the logbook learns of the household from
    the registry's topic: a 404 before then writes nothing, so the resend is safe)."""
    body = {"household_id": hid, "given_on": date.today().isoformat(), "note": "", **entry}
    url = f"{api.stack.url('assistance-log')}/v1/assistance"
    headers = api.headers(who, agency=agency_claim, **{"Idempotency-Key": key})
    return await api.until(  # type: ignore[no-any-return]
        lambda: api.client.post(url, json=body, headers=headers), 201, f"assistance {key} recorded"
    )


async def test_mr_dam_from_verification_to_a_sustainable_household(stack: Stack) -> None:
    sub = "480101"
    async with httpx.AsyncClient(timeout=20) as client:
        api = Api(stack, client)
        hid = await approved_household(
            api,
            sub,
            ["income.average_income", "living.housing_security"],
            DAM_MEMBERS,
            **{"income.average_income": "confirmed", "living.housing_security": "confirmed"},
        )
        # the district's mentor team: community development leads; nobody covers education (not deprived)
        team = await team_for(api, sub, hid, mentor="mentor-dam", skills=["income", "access"])
        assert team["assignment"]["uncovered_dimensions"] == []

        suggestions = await api.until(
            lambda: client.get(
                f"{stack.url('planning')}/v1/households/{hid}/plan-suggestions",
                headers=api.headers((["mentor"], [sub]), "mentor-dam"),
            ),
            200,
            "plan suggestions from the household's assessment",
        )
        suggested = {s["problem"]["indicator"]: s for s in suggestions["items"]}
        assert set(suggested) == {"income.average_income", "living.housing_security"}
        assert suggested["income.average_income"]["lead_agency"] == "moi.cdd"
        assert suggested["living.housing_security"]["lead_agency"] == "msdhs"

        mentor = (["mentor"], [sub])
        plan = await api.call(
            "POST",
            "planning",
            f"/v1/households/{hid}/plans",
            mentor,
            {
                "method": "4T",
                "attitude": "ครอบครัวอยากพึ่งตนเอง",
                "skills": "ลูกชายคนโตสนใจงานช่าง",
                "resources": "ที่ดินหลังบ้านปลูกผักได้",
                "way_out": "ฝึกอาชีพช่าง ซ่อมบ้าน ส่งต่อการรักษา",
                "items": [
                    {
                        "problem": {"indicator": "income.average_income"},
                        "activity": "เมล็ดพันธุ์ผัก และฝึกอาชีพช่างให้ลูกชายคนโต",
                        "horizon": "medium",
                        "due_on": _due(150),
                    },
                    {
                        "problem": {"indicator": "living.housing_security"},
                        "activity": "ซ่อมสร้างบ้านและห้องน้ำ",
                        "horizon": "long",
                        "due_on": _due(300),
                    },
                    {
                        "problem": {"other": "ภรรยาป่วยเป็นมะเร็ง"},
                        "activity": "ส่งต่อการรักษา",
                        "lead_agency": "moph",
                        "horizon": "short",
                        "due_on": _due(60),
                    },
                ],
            },
            expect=201,
            sub="mentor-dam",
        )
        items = {i["problem"].get("indicator") or "other": i for i in plan["items"]}
        assert items["income.average_income"]["lead_agency"] == "moi.cdd"  # default by dimension
        assert items["other"]["lead_agency"] == "moph" and all(
            i["status"] == "planned" for i in plan["items"]
        )

        # the subdistrict gives vegetable seeds (income)
        seeds = await log(
            api,
            _ops(sub),
            hid,
            key=f"seeds-{hid}",
            problem={"dimension": "income"},
            agency="subdistrict_team",
            giver_kind="state",
            kind="goods",
            amount_baht="450.50",
            plan_item_id=items["income.average_income"]["item_id"],
            note="เมล็ดพันธุ์ผัก 5 ซอง",
        )
        assert seeds["amount_baht"] == 450.5 and seeds["voided"] is False

        # living and health are beyond the subdistrict: a case climbs to the district, then the province
        case = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(sub),
            {
                "household_id": hid,
                "problems": [{"indicator": "living.housing_security"}, {"other": "ภรรยาป่วยเป็นมะเร็ง"}],
                "reason": "ตำบลไม่มีงบซ่อมบ้านและการรักษา",
            },
            expect=201,
        )
        assert case["level"] == "subdistrict" and case["state"] == "open"
        cid = case["case_id"]
        up = await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", _ops(sub), {"reason": "เกินศักยภาพตำบล"}
        )
        assert up["level"] == "district" and up["state"] == "open"
        await api.call("POST", "planning", f"/v1/cases/{cid}/accept", _district(sub), {})
        up = await api.call(
            "POST",
            "planning",
            f"/v1/cases/{cid}/escalate",
            _district(sub),
            {"reason": "พชอ. เห็นว่าเกินความสามารถอำเภอ"},
        )
        assert up["level"] == "province"
        queue = await api.call("GET", "planning", "/v1/cases?area=48&level=province&state=open", PROVINCE)
        assert cid in [c["case_id"] for c in queue["cases"]]
        await api.call("POST", "planning", f"/v1/cases/{cid}/accept", PROVINCE, {})

        # the province calls on its partners; the Red Cross records its own help
        given = [
            await log(
                api,
                (["agency"], ["48"]),
                hid,
                key=f"redcross-{hid}",
                agency_claim="redcross",
                problem={"indicator": "living.housing_security"},
                agency="redcross",
                giver_kind="civil_society",
                kind="housing_repair",
                amount_baht=85000,
                case_id=cid,
            ),
            await log(
                api,
                PROVINCE,
                hid,
                key=f"health-{hid}",
                problem={"other": "ภรรยาป่วยเป็นมะเร็ง"},
                agency="moph.provincial_health",
                giver_kind="state",
                kind="referral",
                case_id=cid,
            ),
            await log(
                api,
                PROVINCE,
                hid,
                key=f"training-{hid}",
                problem={"indicator": "income.average_income"},
                agency="mol.skills_institute",
                giver_kind="state",
                kind="training",
                member_id="M3",
            ),
            await log(
                api,
                PROVINCE,
                hid,
                key=f"job-{hid}",
                problem={"indicator": "income.average_income"},
                agency="private",
                giver_kind="private",
                kind="job_placement",
                member_id="M3",
            ),
            await log(
                api,
                PROVINCE,
                hid,
                key=f"sidecar-{hid}",
                problem={"indicator": "income.average_income"},
                agency="private",
                giver_kind="private",
                kind="goods",
                amount_baht=25000,
            ),
        ]
        resolved = await api.post_until(
            "planning",
            f"/v1/cases/{cid}/resolve",
            PROVINCE,
            {"assistance_ids": [g["assistance_id"] for g in given[:2]], "note": "บ้านเสร็จ ส่งต่อการรักษาแล้ว"},
        )
        assert resolved["state"] == "resolved" and resolved["level"] == "province"
        full = await api.call("GET", "planning", f"/v1/cases/{cid}", PROVINCE)
        assert [(h["action"], h["from_level"], h["to_level"]) for h in full["history"]] == [
            ("open", None, "subdistrict"),
            ("escalate", "subdistrict", "district"),
            ("accept", "district", "district"),
            ("escalate", "district", "province"),
            ("accept", "province", "province"),
            ("resolve", "province", "province"),
        ]
        assert full["history"][1]["reason"] == "เกินศักยภาพตำบล" and all(
            h["actor"] == "e2e" for h in full["history"]
        )

        book = await api.call("GET", "assistance-log", f"/v1/households/{hid}/assistance", _ops(sub))
        assert len(book["entries"]) == 6 and not any(e["voided"] for e in book["entries"])

        # the timeline: every step in order, across the four services, and no personal words
        events = await timeline(stack, client, hid, 15, source=None)
        kinds = [e["type"].removeprefix("th.faemban.") for e in events]
        wanted = [
            "household.registered.v1",
            "household.verified.v1",
            "household.certified.v1",
            "household.approved.v1",
            "mentor.household-assigned.v1",
            "plan.created.v1",
            "assistance.logged.v1",
            "case.opened.v1",
            "case.escalated.v1",
            "case.accepted.v1",
            "case.escalated.v1",
            "case.accepted.v1",
            "case.resolved.v1",
        ]
        at = -1
        for k in wanted:  # each step after the one before it
            assert k in kinds[at + 1 :], f"{k} missing after position {at}: {kinds}"
            at = kinds.index(k, at + 1)
        assert kinds.count("assistance.logged.v1") == 6
        text = str(events)
        assert "มะเร็ง" not in text and "ตำบลไม่มีงบ" not in text and "เมล็ดพันธุ์" not in text

        # a year on: re-verified with the new incomes and a repaired house → surviving
        await api.call(
            "POST",
            "registry",
            f"/v1/households/{hid}/verification",
            _ops(sub),
            _verification(
                2568,
                DAM_MEMBERS_LATER,
                **{"income.average_income": "rejected", "living.housing_security": "rejected"},
            ),
        )
        await outcome(api, hid, sub, "survive")

        # every item done → the plan closes; two yearly assessments surviving after it → sustainable
        plan_id = plan["plan_id"]
        for item in plan["items"]:
            for status in ("in_progress", "done"):
                await api.call(
                    "POST",
                    "planning",
                    f"/v1/plans/{plan_id}/items/{item['item_id']}/status",
                    mentor,
                    {"status": status},
                    sub="mentor-dam",
                )
        closed = await api.call("GET", "planning", f"/v1/plans/{plan_id}", _ops(sub))
        assert closed["state"] == "closed"
        for year in (2569, 2570):
            await api.call(
                "POST",
                "registry",
                f"/v1/households/{hid}/verification",
                _ops(sub),
                _verification(
                    year,
                    DAM_MEMBERS_LATER,
                    **{"income.average_income": "rejected", "living.housing_security": "rejected"},
                ),
            )
            await outcome(api, hid, sub, "survive" if year == 2569 else "sustainable", year - 543)


async def outcome(api: Api, hid: str, sub: str, expected: str, survey_year: int | None = None) -> None:
    async def reached() -> bool:
        r = await api.client.get(
            f"{api.stack.url('assessment')}/v1/households/{hid}/assessment", headers=api.headers(_ops(sub))
        )
        body = r.json() if r.status_code == 200 else {}
        return body.get("outcome") == expected and (
            survey_year is None or body.get("survey_year") == survey_year
        )

    await eventually(reached, what=f"{hid} assessed {expected}")
