"""ศจพ.2, members, moves, photos and audited personal reads, through the public APIs."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import httpx
from PIL import Image

from faemban_domain.citizen_id import check_digit
from faemban_domain.events.envelope import PERSONAL_KEYS

from .conftest import Stack
from .test_platform_e2e import timeline

SUBDISTRICT = "341201"  # ข้าวปุ้น, Kut Khaopun district, Ubon Ratchathani
TEAM = (["ops_team"], [SUBDISTRICT])
TEAM_NEXT_DOOR = (["ops_team"], ["341202"])
ANALYST = (["analyst"], ["34"])
ADMIN = (["admin"], [])


def new_cid() -> str:
    first = "3" + str(uuid.uuid4().int)[:11]
    return first + str(check_digit(first))


def samorn(**over: Any) -> dict[str, Any]:
    """docs/domain.md, "Cases": Mrs Samorn, 70, on temple land, 700 baht a month; a disabled son without care;
    a 14-year-old grandson out of school; a broken house, an unclean home."""
    body: dict[str, Any] = {
        "household_id": f"S2-{uuid.uuid4().hex[:10]}",
        "area_code": SUBDISTRICT + "01",
        "survey_year": 2567,
        "source": "exclusion_error",
        "household_type": "welfare",
        "members": [
            {
                "relation": "head",
                "title": "นาง",
                "first_name": "สมร",
                "last_name": "ทองดี",
                "citizen_id": new_cid(),
                "sex": "female",
                "date_of_birth": "12/03/2498",  # BE: 1955
                "welfare_card": True,
                "elderly_allowance": True,
                "annual_income": 8400,
            },
            {
                "relation": "child",
                "first_name": "สมศักดิ์",
                "sex": "male",
                "age": 48,
                "physical_status": "disabled",
            },
            {"relation": "grandchild", "first_name": "ต้น", "sex": "male", "age": 14},
        ],
        "indicators": {
            "health.food_safety": "met",
            "health.medicine_use": {"sub_items": [True, True, True, True]},
            "health.exercise": "met",
            "living.housing_security": {"sub_items": [False, False]},
            "living.drinking_water": "met",
            "living.household_water": "met",
            "living.tidy_home": {"sub_items": [False, True, True, False, True, True, False, True]},
            "education.compulsory": "fails",
            "education.literacy": "met",
            "income.working_age_job": "met",
            "income.elderly_income": "met",
            "access.elderly_care": "met",
            "access.disabled_care": "fails",
        },
        "address": {
            "house_no": "99/1",
            "village_name": "บ้านข้าวปุ้น",
            "phone": "0891234567",
            "lat": 15.82,
            "lon": 105.21,
        },
        "land_tenure": "public_land",
        "wish_for_help": "urgent",
        "kinds_of_help": ["utilities", "referral"],
        "skills": ["ทอผ้า"],
    }
    body.update(over)
    return body


async def post(client: httpx.AsyncClient, stack: Stack, path: str, body: Any, who: Any) -> httpx.Response:
    return await client.post(f"{stack.url('registry')}{path}", json=body, headers=stack.auth(*who))


async def test_new_household_preschool_contradiction_is_named(stack: Stack) -> None:
    body = samorn()
    body["indicators"]["education.preschool"] = "fails"
    async with httpx.AsyncClient(timeout=10) as client:
        r = await post(client, stack, "/v1/households/new", body, TEAM)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"] == [
            {
                "field": "indicators.education.preschool",
                "message": "education.preschool cannot fail: no member is aged 3–5",
            }
        ]
        body["members"].append({"relation": "grandchild", "first_name": "น้อง", "age": 4})
        r = await post(client, stack, "/v1/households/new", body, TEAM)
        assert r.status_code == 201, r.text
        assert r.json()["indicator_results"]["education.preschool"] == {
            "result": "fails",
            "established_by": "new",
        }
        # nothing was half written by the refused form: the same citizen id is now taken once
        r = await post(client, stack, "/v1/households/new", {**body, "household_id": None}, TEAM)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "members[0].citizen_id"


async def test_samorn_registered_by_sjp2_fails_four_dimensions_and_publishes_no_name(stack: Stack) -> None:
    body = samorn()
    hid = body["household_id"]
    async with httpx.AsyncClient(timeout=10) as client:
        r = await post(client, stack, "/v1/households/new", body, TEAM)
        assert r.status_code == 201, r.text
        out = r.json()
        failing = sorted(c for c, v in out["indicator_results"].items() if v["result"] == "fails")
        assert failing == [
            "access.disabled_care",
            "education.compulsory",
            "income.average_income",
            "living.housing_security",
            "living.tidy_home",
        ]
        assert {c.split(".")[0] for c in failing} == {"income", "education", "living", "access"}
        assert out["status"] == "verified" and out["source"] == "exclusion_error"
        assert [m["facts"]["age"] for m in out["members"]][1:] == [48, 14]
        assert 70 <= out["members"][0]["facts"]["age"] <= 71  # born 12 March 2498 BE
        events = await timeline(stack, client, hid, 3)
        assert [e["type"].split(".")[-2] for e in events] == ["registered", "details-recorded", "verified"]
        text = json.dumps(events, ensure_ascii=False)
        for personal in (
            "สมร",
            "ทองดี",
            "0891234567",
            "99/1",
            "15.82",
            body["members"][0]["citizen_id"],
            "ทอผ้า",
        ):
            assert personal not in text
        for e in events:
            assert not set(e["data"]) & PERSONAL_KEYS
        verified = events[2]["data"]
        assert verified["average_income"] == 2800 and verified["verification_category"] is None


async def test_personal_data_only_for_field_roles_and_every_read_is_logged(stack: Stack) -> None:
    body = samorn()
    hid = body["household_id"]
    url = f"{stack.url('registry')}/v1/households/{hid}"
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await post(client, stack, "/v1/households/new", body, TEAM)).status_code == 201
        for aggregates_only in (
            ANALYST,
            (["partner"], ["34"]),
        ):  # docs/domain.md, "Roles": no single household
            r = await client.get(url, headers=stack.auth(*aggregates_only))
            assert r.status_code == 403 and "สมร" not in r.text
        r = await client.get(url, headers=stack.auth(["admin"], []))  # the household, never its people
        assert r.status_code == 200 and r.json()["personal"] is None
        assert "สมร" not in r.text and body["members"][0]["citizen_id"] not in r.text
        r = await client.get(url, headers=stack.auth(*TEAM))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "X-Purpose"
        r = await client.get(url, headers={**stack.auth(*TEAM), "X-Purpose": "home visit"})
        personal = r.json()["personal"]
        assert [m["first_name"] for m in personal["members"]] == ["สมร", "สมศักดิ์", "ต้น"]
        assert personal["members"][0]["citizen_id"] == body["members"][0]["citizen_id"]
        assert personal["address"]["phone"] == "0891234567"
        assert (await client.get(url, headers=stack.auth(*TEAM_NEXT_DOOR))).status_code == 404
        r = await client.get(
            f"{stack.url('registry')}/v1/access-log", params={"household_id": hid}, headers=stack.auth(*ADMIN)
        )
        assert r.status_code == 200, r.text
        entries = r.json()["entries"]
        assert [(e["subject"], e["what"], e["purpose"]) for e in entries] == [
            ("e2e", "household", "home visit")
        ]
        assert (
            await client.get(f"{stack.url('registry')}/v1/access-log", headers=stack.auth(*TEAM))
        ).status_code == 403


async def test_members_change_and_the_household_moves_out_of_scope(stack: Stack) -> None:
    body = samorn()
    hid = body["household_id"]
    base = f"/v1/households/{hid}"
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await post(client, stack, "/v1/households/new", body, TEAM)).status_code == 201
        r = await post(
            client,
            stack,
            f"{base}/members",
            {
                "member": {
                    "relation": "grandchild",
                    "first_name": "ใหม่",
                    "age": 0,
                    "born_in_survey_year": True,
                }
            },
            TEAM,
        )
        assert r.status_code == 201, r.text
        assert r.json()["member_id"] == "M4"
        r = await post(client, stack, f"{base}/members/M1/leave", {"reason": "moved_out"}, TEAM)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "new_head_member_id"
        r = await post(client, stack, f"{base}/members/M3/leave", {"reason": "moved_out"}, TEAM)
        assert r.status_code == 200, r.text
        r = await post(client, stack, f"{base}/head-deceased", {"new_head_member_id": "M2"}, TEAM)
        assert r.status_code == 200, r.text
        assert r.json()["head_member_id"] == "M2" and r.json()["field_status"] == "head_deceased"
        r = await post(
            client, stack, f"{base}/move", {"area_code": "34120201", "address": {"house_no": "7"}}, TEAM
        )
        assert r.status_code == 200, r.text
        gone = await client.get(f"{stack.url('registry')}{base}", headers=stack.auth(*TEAM))
        assert gone.status_code == 404 and "34120201" not in gone.text  # nor where it went
        r = await client.get(
            f"{stack.url('registry')}{base}", headers={**stack.auth(*TEAM_NEXT_DOOR), "X-Purpose": "visit"}
        )
        assert r.status_code == 200 and r.json()["area_code"] == "34120201"
        assert [m["member_id"] for m in r.json()["members"]] == ["M2", "M4"]
        events = await timeline(stack, client, hid, 7)
        kinds = [e["type"].split(".")[-2] for e in events][3:]
        assert kinds == ["member-added", "member-left", "head-deceased", "moved"]
        assert events[-1]["data"] == {
            "household_id": hid,
            "from_area_code": SUBDISTRICT + "01",
            "area_code": "34120201",
        }
        assert "ใหม่" not in json.dumps(events, ensure_ascii=False)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 60)).save(buf, format="PNG")
    return buf.getvalue()


async def test_photos_checked_by_content_served_to_scoped_roles_and_logged(stack: Stack) -> None:
    body = samorn()
    hid = body["household_id"]
    url = f"{stack.url('registry')}/v1/households/{hid}/photos"
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await post(client, stack, "/v1/households/new", body, TEAM)).status_code == 201
        r = await client.post(
            url, files={"file": ("house.jpg", b"GIF89a not really", "image/jpeg")}, headers=stack.auth(*TEAM)
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
        r = await client.post(
            url,
            files={"file": ("house.bin", _png(), "application/octet-stream")},
            data={"kind": "house"},
            headers=stack.auth(*TEAM),
        )
        assert r.status_code == 201, r.text
        photo = r.json()
        assert photo["content_type"] == "image/png"
        assert (
            await client.get(f"{url}/{photo['photo_id']}", headers=stack.auth(*ANALYST))
        ).status_code == 403
        assert (
            await client.get(f"{url}/{photo['photo_id']}", headers=stack.auth(["admin"], []))
        ).status_code == 403
        assert (
            await client.get(f"{url}/{photo['photo_id']}", headers=stack.auth(*TEAM_NEXT_DOOR))
        ).status_code == 404
        r = await client.get(f"{url}/{photo['photo_id']}", headers={**stack.auth(*TEAM), "X-Purpose": "plan"})
        assert r.status_code == 200 and r.content == _png() and r.headers["content-type"] == "image/png"
        r = await client.get(
            f"{stack.url('registry')}/v1/access-log", params={"household_id": hid}, headers=stack.auth(*ADMIN)
        )
        assert [e["what"] for e in r.json()["entries"]] == [f"photo:{photo['photo_id']}"]
