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


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


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
        # the registry lets the team's mentor read the household (its personal data with a purpose,
        # logged) once planning's assignment has arrived; another mentor of the area sees nothing
        mentor_read = await api.until(
            lambda: client.get(
                f"{stack.url('registry')}/v1/households/{hid}",
                headers=api.headers(
                    (["mentor"], [sub]), "mentor-dam", **{"X-Purpose": "plan with the family"}
                ),
            ),
            200,
            "the mentor's read of its household",
        )
        assert mentor_read["household_id"] == hid
        r = await client.get(
            f"{stack.url('registry')}/v1/households/{hid}",
            headers=api.headers((["mentor"], [sub]), "mentor-dam"),
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "X-Purpose"
        r = await client.get(
            f"{stack.url('registry')}/v1/households/{hid}",
            headers=api.headers((["mentor"], [sub]), "mentor-other", **{"X-Purpose": "curious"}),
        )
        assert r.status_code == 404
        # so do assessment and the timeline, from the same assignment
        for service, path in (("assessment", "assessment"), ("reporting", "timeline")):
            await api.until(
                lambda service=service, path=path: client.get(
                    f"{stack.url(service)}/v1/households/{hid}/{path}",
                    headers=api.headers((["mentor"], [sub]), "mentor-dam"),
                ),
                200,
                f"the mentor's {path}",
            )
            r = await client.get(
                f"{stack.url(service)}/v1/households/{hid}/{path}",
                headers=api.headers((["mentor"], [sub]), "mentor-other"),
            )
            assert r.status_code == 404

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

        def kinds_of(events: list[dict[str, Any]]) -> list[str]:
            return [e["type"].removeprefix("th.faemban.") for e in events]

        def all_arrived(events: list[dict[str, Any]]) -> bool:
            kinds = kinds_of(events)
            return set(wanted) <= set(kinds) and kinds.count("assistance.logged.v1") >= 6

        events = await timeline(stack, client, hid, len(wanted), source=None, until=all_arrived)
        kinds = kinds_of(events)
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


SAMORN_MEMBERS = [
    {
        "age": 70,
        "sex": "female",
        "physical_status": "chronically_ill",
        "elderly_allowance": True,
        "annual_income": 8400,
    },
    {"age": 48, "sex": "male", "physical_status": "disabled"},  # no disability allowance yet
    {"age": 14, "sex": "male"},  # left school to work
]
SAMORN_FLAGS = [
    "income.average_income",
    "education.compulsory",
    "living.housing_security",
    "access.disabled_care",
]


async def test_mrs_samorn_a_welfare_household_helped_through_the_province(stack: Stack) -> None:
    sub = "480201"
    async with httpx.AsyncClient(timeout=20) as client:
        api = Api(stack, client)
        hid = await approved_household(
            api, sub, SAMORN_FLAGS, SAMORN_MEMBERS, **dict.fromkeys(SAMORN_FLAGS, "confirmed")
        )

        # the approval (registry's topic) may reach planning before the verified assessment
        # (assessment's topic; the registration's said income passes): wait for the latter
        async def assessed_as_verified() -> bool:
            r = await client.get(
                f"{stack.url('planning')}/v1/households/{hid}/plan-suggestions",
                headers=api.headers(_district(sub)),
            )
            return r.status_code == 200 and {s["problem"]["indicator"] for s in r.json()["items"]} == set(
                SAMORN_FLAGS
            )

        await eventually(assessed_as_verified, what="planning holding the verified assessment")
        # a team of education and living skills: income and access are not covered (a warning only)
        team = await team_for(api, sub, hid, mentor="mentor-samorn", skills=["education", "living"])
        assignment = team["assignment"]
        assert set(assignment["uncovered_dimensions"]) == {"income", "access"}
        assert len(assignment["warnings"]) == 2
        mentor = (["mentor"], [sub])
        suggestions = await api.until(
            lambda: client.get(
                f"{stack.url('planning')}/v1/households/{hid}/plan-suggestions",
                headers=api.headers(mentor, "mentor-samorn"),
            ),
            200,
            "plan suggestions",
        )
        assert {s["problem"]["indicator"] for s in suggestions["items"]} == set(SAMORN_FLAGS)
        plan = await api.call(
            "POST",
            "planning",
            f"/v1/households/{hid}/plans",
            mentor,
            {
                "items": [
                    {
                        "problem": s["problem"],
                        "activity": f"ตามแผน: {s['problem']['indicator']}",
                        "horizon": s["horizon"],
                        "due_on": s["due_on"],
                    }
                    for s in suggestions["items"]
                ]
            },
            expect=201,
            sub="mentor-samorn",
        )
        leads = {i["problem"]["indicator"]: i["lead_agency"] for i in plan["items"]}
        assert leads["education.compulsory"] == "moe" and leads["access.disabled_care"] == "moi.admin"

        # the subdistrict's first help: non-formal education for the grandson, a clean house
        nfe = await log(
            api,
            _ops(sub),
            hid,
            key=f"nfe-{hid}",
            problem={"indicator": "education.compulsory"},
            agency="moe.nfe",
            giver_kind="state",
            kind="referral",
            member_id="M3",
        )
        await log(
            api,
            _ops(sub),
            hid,
            key=f"clean-{hid}",
            problem={"dimension": "living"},
            agency="moph.vhv",
            giver_kind="volunteer",
            kind="service",
        )
        # the district budgets the house repair beyond its means: a case opens at the province
        housing = next(i for i in plan["items"] if i["problem"]["indicator"] == "living.housing_security")
        decided = await api.call(
            "POST",
            "planning",
            f"/v1/plans/{plan['plan_id']}/items/{housing['item_id']}/budget",
            _district(sub),
            {"decision": "beyond_district", "justification": "งบซ่อมบ้านเกินกำลังอำเภอ"},
        )
        budget = next(i for i in decided["items"] if i["item_id"] == housing["item_id"])["budget"]
        assert budget["decision"] == "beyond_district" and budget["case_id"]
        disabled = next(i for i in plan["items"] if i["problem"]["indicator"] == "access.disabled_care")
        extended = await api.call(
            "POST",
            "planning",
            f"/v1/plans/{plan['plan_id']}/items/{disabled['item_id']}/budget",
            _district(sub),
            {"decision": "beyond_district", "justification": "เบี้ยคนพิการต้องขึ้นทะเบียนที่จังหวัด"},
        )
        assert (
            next(i for i in extended["items"] if i["item_id"] == disabled["item_id"])["budget"]["case_id"]
            == (budget["case_id"])
        )  # the second item joins the open province case
        cid = budget["case_id"]
        case = await api.call("GET", "planning", f"/v1/cases/{cid}", PROVINCE)
        assert case["level"] == "province" and [p["indicator"] for p in case["problems"]] == [
            "living.housing_security",
            "access.disabled_care",
        ]
        this_year = next(i for i in plan["items"] if i["problem"]["indicator"] == "income.average_income")
        await api.call(
            "POST",
            "planning",
            f"/v1/plans/{plan['plan_id']}/items/{this_year['item_id']}/budget",
            _district(sub),
            {"decision": "next_year", "agency": "msdhs"},
        )
        await api.call("POST", "planning", f"/v1/cases/{cid}/accept", PROVINCE, {})
        given = [
            await log(
                api,
                PROVINCE,
                hid,
                key=f"{kind}-{hid}",
                problem=problem,
                agency=agency,
                giver_kind=giver,
                kind=kind,
                case_id=cid,
                **extra,
            )
            for kind, problem, agency, giver, extra in (
                ("housing_repair", {"indicator": "living.housing_security"}, "redcross", "civil_society", {}),
                ("service", {"dimension": "health"}, "moph.provincial_health", "state", {"member_id": "M1"}),
                (
                    "welfare_registration",
                    {"indicator": "access.disabled_care"},
                    "msdhs",
                    "state",
                    {"member_id": "M2"},
                ),
            )
        ]
        resolved = await api.post_until(
            "planning",
            f"/v1/cases/{cid}/resolve",
            PROVINCE,
            {
                "assistance_ids": [g["assistance_id"] for g in given],
                "note": "ซ่อมบ้าน ติดตามสุขภาพ ขึ้นทะเบียนเบี้ยคนพิการ",
            },
        )
        assert resolved["state"] == "resolved" and sorted(resolved["assistance_ids"]) == sorted(
            g["assistance_id"] for g in given
        )
        book = await api.call("GET", "assistance-log", f"/v1/households/{hid}/assistance", _ops(sub))
        assert len(book["entries"]) == 5 and {nfe["assistance_id"], *(g["assistance_id"] for g in given)} <= {
            e["assistance_id"] for e in book["entries"]
        }
        report = await api.until(
            lambda: client.get(
                f"{stack.url('reporting')}/v1/reports/escalations",
                params={"area": "4802", "level": "subdistrict"},
                headers=api.headers((["analyst"], ["48"])),
            ),
            200,
            "escalations report",
        )
        wanted = {"th.faemban.plan.item-budgeted.v1", "th.faemban.case.extended.v1"}
        events = await timeline(
            stack, client, hid, 1, source=None, until=lambda got: wanted <= {e["type"] for e in got}
        )
        assert "งบซ่อมบ้าน" not in str(events)
        assert report["area"] == "4802"
        exported = await client.get(
            f"{stack.url('reporting')}/v1/reports/escalations",
            params={"area": "4802", "level": "subdistrict", "format": "csv"},
            headers=api.headers((["analyst"], ["48"])),
        )
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert "ระดับจังหวัด: แก้ไขแล้ว" in exported.content.decode("utf-8-sig")
        workbook = await client.get(
            f"{stack.url('reporting')}/v1/reports/escalations",
            params={"area": "4802", "level": "subdistrict", "format": "xlsx"},
            headers=api.headers((["analyst"], ["48"])),
        )
        assert workbook.status_code == 200 and workbook.content[:2] == b"PK"


async def test_the_help_loop_refuses_what_the_rules_forbid(stack: Stack) -> None:
    sub = "480301"
    async with httpx.AsyncClient(timeout=20) as client:
        api = Api(stack, client)
        # 16 approved households: one team takes 15 at most (configuration), the 16th is refused
        hids = [f"HR-{uuid.uuid4().hex[:10]}" for _ in range(16)]
        for hid in hids:
            body = household(household_id=hid, area_code=f"{sub}01", cohort_year=2567, members=2)
            await api.call("POST", "registry", "/v1/households", _ops(sub), body, expect=201)
            members = [
                {"age": 40, "has_occupation": True, "annual_income": 30000},
                {"age": 12, "studying": True},
            ]
            await api.call(
                "POST",
                "registry",
                f"/v1/households/{hid}/verification",
                _ops(sub),
                _verification(
                    2567,
                    members,
                    **{"income.average_income": "confirmed", "living.housing_security": "confirmed"},
                ),
            )
        unapproved = f"HU-{uuid.uuid4().hex[:10]}"
        body = household(household_id=unapproved, area_code=f"{sub}02", cohort_year=2567, members=2)
        await api.call("POST", "registry", "/v1/households", _ops(sub), body, expect=201)
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
        team = await team_for(api, sub, hids[0], mentor="mentor-r", skills=["income", "living"])
        for hid in hids[1:15]:
            await api.post_until(
                "planning",
                f"/v1/mentor-teams/{team['team_id']}/households",
                _district(sub),
                {"household_id": hid},
            )
        refused = await api.post_until(
            "planning",
            f"/v1/mentor-teams/{team['team_id']}/households",
            _district(sub),
            {"household_id": hids[15]},
            409,
        )
        assert refused["errors"][0]["field"] == "household_id" and "15" in refused["errors"][0]["message"]

        item = {"problem": {"indicator": "income.average_income"}, "activity": "ฝึกอาชีพ", "horizon": "short"}
        # a plan for a household the province has not approved → 409
        got = await api.post_until(
            "planning",
            f"/v1/households/{unapproved}/plans",
            _ops(sub),
            {"items": [{**item, "due_on": _due(30)}]},
            409,
        )
        assert "approv" in got["errors"][0]["message"]
        # a due date that does not fit its horizon → 422 naming the field
        got = await api.call(
            "POST",
            "planning",
            f"/v1/households/{hids[0]}/plans",
            (["mentor"], [sub]),
            {"items": [{**item, "due_on": _due(30)}, {**item, "horizon": "medium", "due_on": _due(300)}]},
            expect=422,
            sub="mentor-r",
        )
        assert [e["field"] for e in got["errors"]] == ["items[1].due_on"]

        case = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(sub),
            {"household_id": hids[1], "problems": [{"dimension": "living"}], "reason": "ไม่มีงบ"},
            expect=201,
        )
        cid = case["case_id"]
        # escalating needs a reason; only the level's own centre, inside its area, may act
        got = await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", _ops(sub), {"reason": "  "}, expect=422
        )
        assert got["errors"][0]["field"] == "reason"
        await api.call("POST", "planning", f"/v1/cases/{cid}/escalate", _ops(sub), {}, expect=422)
        await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", _district(sub), {"reason": "x"}, expect=403
        )
        await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", _ops("480302"), {"reason": "x"}, expect=403
        )
        await api.call("POST", "planning", f"/v1/cases/{cid}/return", _ops(sub), {"reason": "x"}, expect=409)
        # resolving needs recorded, unvoided help of this household
        await api.call(
            "POST", "planning", f"/v1/cases/{cid}/resolve", _ops(sub), {"assistance_ids": []}, expect=409
        )
        voided = await log(
            api,
            _ops(sub),
            hids[1],
            key=f"v-{hids[1]}",
            problem={"dimension": "living"},
            agency="moi.local",
            giver_kind="local_government",
            kind="goods",
            amount_baht=100,
        )
        again = await api.call(
            "POST",
            "assistance-log",
            f"/v1/assistance/{voided['assistance_id']}/void",
            _ops(sub),
            {"reason": "ผิดครัวเรือน"},
        )
        assert again["voided"] is True and again["void_reason"] == "ผิดครัวเรือน"
        await api.call(
            "POST",
            "assistance-log",
            f"/v1/assistance/{voided['assistance_id']}/void",
            _ops(sub),
            {"reason": "x"},
            expect=409,
        )
        good = await log(
            api,
            _ops(sub),
            hids[1],
            key=f"g-{hids[1]}",
            problem={"dimension": "living"},
            agency="moi.local",
            giver_kind="local_government",
            kind="housing_repair",
        )
        # a second case of the household proves planning has seen the good entry (same partition,
        # after the void): the voided one is then refused for what it is
        other = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(sub),
            {"household_id": hids[1], "problems": [{"other": "หนี้นอกระบบ"}], "reason": "ต้องการที่ปรึกษา"},
            expect=201,
        )
        await api.post_until(
            "planning",
            f"/v1/cases/{other['case_id']}/resolve",
            _ops(sub),
            {"assistance_ids": [good["assistance_id"]]},
        )
        got = await api.call(
            "POST",
            "planning",
            f"/v1/cases/{cid}/resolve",
            _ops(sub),
            {"assistance_ids": [voided["assistance_id"]]},
            expect=409,
        )
        assert voided["assistance_id"] in got["errors"][0]["message"]
        # up to national, and no further
        await api.call("POST", "planning", f"/v1/cases/{cid}/escalate", _ops(sub), {"reason": "เกินตำบล"})
        await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", _district(sub), {"reason": "เกินอำเภอ"}
        )
        national = await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", PROVINCE, {"reason": "ขอปรับ TPMAP"}
        )
        assert national["level"] == "national"
        await api.call("POST", "planning", f"/v1/cases/{cid}/escalate", PROVINCE, {"reason": "x"}, expect=403)
        got = await api.call(
            "POST", "planning", f"/v1/cases/{cid}/escalate", ADMIN, {"reason": "x"}, expect=409
        )
        assert "national" in got["errors"][0]["message"]

        # the logbook: a resend records once; the same key with another body is a conflict
        entry = {
            "household_id": hids[2],
            "problem": {"indicator": "income.average_income"},
            "agency": "moi.cdd",
            "giver_kind": "state",
            "kind": "training",
            "given_on": date.today().isoformat(),
            "note": "อบรมอาชีพ",
        }
        first = await log(
            api,
            _ops(sub),
            hids[2],
            key=f"k-{hids[2]}",
            **{k: v for k, v in entry.items() if k != "household_id"},
        )
        resend = await api.call(
            "POST",
            "assistance-log",
            "/v1/assistance",
            _ops(sub),
            entry,
            expect=201,
            **{"Idempotency-Key": f"k-{hids[2]}"},
        )
        assert resend["assistance_id"] == first["assistance_id"]
        got = await api.call(
            "POST",
            "assistance-log",
            "/v1/assistance",
            _ops(sub),
            {**entry, "kind": "money"},
            expect=409,
            **{"Idempotency-Key": f"k-{hids[2]}"},
        )
        assert got["errors"][0]["field"] == "Idempotency-Key"
        book = await api.call("GET", "assistance-log", f"/v1/households/{hids[2]}/assistance", _ops(sub))
        assert len(book["entries"]) == 1
        # evidence photos: checked by content, kept by the logbook, for those who read the entry's words
        photos = f"{stack.url('assistance-log')}/v1/assistance/{first['assistance_id']}/photos"
        r = await client.post(
            photos, files={"file": ("p.png", _png(), "image/png")}, headers=api.headers(_ops(sub))
        )
        assert r.status_code == 201, r.text
        photo = r.json()
        assert photo["content_type"] == "image/png"
        r = await client.post(
            photos, files={"file": ("p.png", b"not an image", "image/png")}, headers=api.headers(_ops(sub))
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
        listed = await api.call(
            "GET", "assistance-log", f"/v1/assistance/{first['assistance_id']}/photos", _ops(sub)
        )
        assert [p["photo_id"] for p in listed] == [photo["photo_id"]]
        r = await client.get(f"{photos}/{photo['photo_id']}", headers=api.headers(_ops(sub)))
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
        await api.call(
            "GET", "assistance-log", f"/v1/assistance/{first['assistance_id']}/photos", ADMIN, expect=404
        )

        # the leader is transferred: the team's households go back to the district's queue
        moved = await api.call(
            "POST", "planning", f"/v1/mentor-teams/{team['team_id']}/leader-transfer", _district(sub), {}
        )
        assert moved["households"] == [] and moved["has_leader"] is False
        queue = await api.call("GET", "planning", f"/v1/unassigned-households?area={sub}", _district(sub))
        released = {h["household_id"]: h["released"] for h in queue["households"]}
        assert set(hids) <= set(released)
        assert {released[h]["cause"] for h in hids[:15]} == {"leader_transferred"} and released[
            hids[15]
        ] is None
        await api.call(
            "POST",
            "planning",
            f"/v1/mentor-teams/{team['team_id']}/households",
            _district(sub),
            {"household_id": hids[0]},
            expect=409,
        )  # no leader, no new households
        # an agency records only its own help, inside its jurisdiction; analysts never read one household
        await api.call(
            "POST",
            "assistance-log",
            "/v1/assistance",
            (["agency"], ["4801"]),
            {**entry, "agency": "redcross"},
            expect=403,
            agency="redcross",
        )
        got = await api.call(
            "POST",
            "assistance-log",
            "/v1/assistance",
            (["agency"], ["48"]),
            {**entry, "agency": "moph"},
            expect=422,
            agency="redcross",
        )
        assert got["errors"][0]["field"] == "agency"
        await api.call(
            "GET", "assistance-log", f"/v1/households/{hids[2]}/assistance", (["analyst"], ["48"]), expect=403
        )
        # dates in the future and amounts finer than a satang are typing errors
        got = await api.call(
            "POST",
            "assistance-log",
            "/v1/assistance",
            _ops(sub),
            {**entry, "given_on": _due(3), "amount_baht": "10.005"},
            expect=422,
        )
        assert {e["field"] for e in got["errors"]} >= {"amount_baht"}


async def _redeliver(stack: Stack, topics: list[str], key: str) -> int:
    """Publish again every record of ``topics`` keyed by ``key``, as a relay that crashed before
    storing its position would (same ids, same order)."""
    from faemban_domain.eventsourcing.broker import Broker, KafkaBroker, LocalBroker, OutgoingRecord
    from faemban_domain.platform.wiring import kafka_credentials

    broker: Broker = (
        KafkaBroker(stack.env["KAFKA_BOOTSTRAP_SERVERS"], credentials=kafka_credentials())
        if stack.kind == "distributed"
        else LocalBroker(stack.var_dir / "bus.sqlite")
    )
    reader = broker.reader(topics)
    ends = await reader.open()
    seen = dict.fromkeys(ends, 0)
    records = []
    try:
        while any(seen[tp] < end for tp, end in ends.items()):
            for tp, batch in (await reader.fetch(timeout=1, max_records=5000)).items():
                seen[tp] = batch[-1].offset + 1
                records += [r for r in batch if r.key == key]
    finally:
        await reader.close()
    publisher = broker.publisher()
    await publisher.start()
    try:
        await publisher.publish([OutgoingRecord(r.topic, key, r.value, r.headers) for r in records])
    finally:
        await publisher.stop()
        await broker.close()
    return len(records)


async def test_help_loop_events_delivered_twice_or_after_a_restart_change_nothing_twice(stack: Stack) -> None:
    sub = "480401"
    async with httpx.AsyncClient(timeout=20) as client:
        api = Api(stack, client)
        hid = await approved_household(
            api,
            sub,
            ["income.average_income"],
            [{"age": 50, "has_occupation": True, "annual_income": 20000}, {"age": 45}],
            **{"income.average_income": "confirmed"},
        )
        await team_for(api, sub, hid, mentor="mentor-d", skills=["income"])
        case = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(sub),
            {"household_id": hid, "problems": [{"dimension": "income"}], "reason": "ไม่มีงบ"},
            expect=201,
        )
        cid = case["case_id"]
        await api.call("POST", "planning", f"/v1/cases/{cid}/escalate", _ops(sub), {"reason": "เกินตำบล"})
        entry = {
            "problem": {"dimension": "income"},
            "agency": "moi.cdd",
            "giver_kind": "state",
            "kind": "training",
        }
        wrong = await log(api, _ops(sub), hid, key=f"w-{hid}", **entry)
        await api.call(
            "POST",
            "assistance-log",
            f"/v1/assistance/{wrong['assistance_id']}/void",
            _ops(sub),
            {"reason": "ซ้ำ"},
        )
        analyst = api.headers((["analyst"], ["48"]))

        async def answers() -> dict[str, Any]:
            report = (
                await client.get(
                    f"{stack.url('reporting')}/v1/reports/escalations",
                    params={"area": "4804", "level": "subdistrict"},
                    headers=analyst,
                )
            ).json()
            report.pop("as_of", None)
            queue = await api.call("GET", "planning", "/v1/cases?area=4804", (["district_officer"], ["4804"]))
            for c in queue["cases"]:
                c.pop("age_days")
            tl = await api.call("GET", "reporting", f"/v1/households/{hid}/timeline", ADMIN)
            return {"report": report, "queue": queue, "timeline": [e["event_id"] for e in tl["events"]]}

        async def settled(n_planning: int) -> dict[str, Any]:
            got: dict[str, Any] = {}

            async def arrived() -> bool:
                got.update(await answers())
                total = got["report"]["total"]
                return total["cases"] == n_planning and len(got["timeline"]) >= 1

            await eventually(arrived, what=f"{n_planning} cases in the escalation report")
            return got

        await timeline(stack, client, hid, 1, source="faemban/assistance-log")
        await timeline(stack, client, hid, 2, source="faemban/assistance-log")
        before = await settled(1)
        assert before["report"]["total"]["case_levels"]["district"]["open"] == 1

        # every planning and logbook event of the household delivered again, then one new of each
        again = await _redeliver(stack, ["faemban.planning.v1", "faemban.assistance.v1"], hid)
        assert again == 5  # assigned, opened, escalated; logged, voided
        sentinel = await api.call(
            "POST",
            "planning",
            "/v1/cases",
            _ops(sub),
            {"household_id": hid, "problems": [{"dimension": "living"}], "reason": "อีกเรื่อง"},
            expect=201,
        )
        good = await log(api, _ops(sub), hid, key=f"g-{hid}", **entry)
        after = await settled(2)
        await timeline(stack, client, hid, 3, source="faemban/assistance-log")
        after = await answers()
        assert after["report"]["total"]["case_levels"]["subdistrict"]["open"] == 1
        assert (
            after["report"]["total"]["case_levels"]["district"]
            == before["report"]["total"]["case_levels"]["district"]
        )
        new_ids = set(after["timeline"]) - set(before["timeline"])
        assert len(after["timeline"]) == len(before["timeline"]) + len(new_ids) == len(set(after["timeline"]))
        assert [c["case_id"] for c in after["queue"]["cases"]] == [cid, sentinel["case_id"]]
        # the voided entry is still voided for planning: it cannot resolve the case; the good one can
        await api.call(
            "POST",
            "planning",
            f"/v1/cases/{sentinel['case_id']}/resolve",
            _ops(sub),
            {"assistance_ids": [wrong["assistance_id"]]},
            expect=409,
        )

        # planning and reporting stopped while help is logged: nothing is lost when they return
        stack.stop("planning")
        stack.stop("reporting")
        if stack.kind == "embedded":
            stack.start()
        late = await log(api, _ops(sub), hid, key=f"l-{hid}", **entry)
        if stack.kind == "distributed":
            stack.start("planning")
            stack.start("reporting")
        await api.call("POST", "planning", f"/v1/cases/{cid}/accept", _district(sub), {})
        await api.post_until(
            "planning",
            f"/v1/cases/{cid}/resolve",
            _district(sub),
            {"assistance_ids": [good["assistance_id"], late["assistance_id"]]},
        )
        resolved = await settled(2)

        async def one_resolved() -> bool:
            resolved.update(await answers())
            return resolved["report"]["total"]["resolved"] == 1

        await eventually(one_resolved, what="the resolution in the escalation report")
        assert resolved["report"]["total"]["share_resolved_locally"] == 1.0

    # the escalation queues rebuilt from offset 0 answer the same
    stack.stop("reporting")
    out = stack.cli("rebuild", "reporting", "reporting.escalations")
    assert '"projection": "reporting.escalations"' in out
    stack.start("reporting")
    async with httpx.AsyncClient(timeout=20) as client:
        api = Api(stack, client)
        rebuilt = await answers()
    assert rebuilt["report"] == resolved["report"]
