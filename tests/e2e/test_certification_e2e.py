"""Certification: district certifies, province approves; returns go back to "to verify"."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from faemban_domain.testing import eventually

from .conftest import Stack
from .test_platform_e2e import household, timeline

DISTRICT_CODE = "3411"  # ตระการพืชผล, Ubon Ratchathani
SUBDISTRICT = "341101"
TEAM = (["ops_team"], [SUBDISTRICT])
DISTRICT = (["district_officer"], [DISTRICT_CODE])
PROVINCE = (["province_officer"], ["34"])
# The e2e stacks configure survey year 2024 (BE 2567): district on time, province late.
VERIFICATION = {
    "survey_year": 2567,
    "indicators": {"income.average_income": "confirmed", "living.housing_security": "rejected"},
    "field_status": "lives_here",
    "household_type": "develop",
    "members": [{"age": 41, "has_occupation": True, "annual_income": 30000}, {"age": 12, "studying": True}],
}


async def test_certify_approve_and_return_with_reason(stack: Stack) -> None:
    reg, rep = stack.url("registry"), stack.url("reporting")
    ids = [f"C-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    async with httpx.AsyncClient(timeout=15) as client:
        for hid in ids:
            body = household(household_id=hid, area_code=SUBDISTRICT + "01", cohort_year=2567)
            assert (
                await client.post(f"{reg}/v1/households", json=body, headers=stack.auth(*TEAM))
            ).status_code == 201
        for hid in ids[:2]:
            r = await client.post(
                f"{reg}/v1/households/{hid}/verification", json=VERIFICATION, headers=stack.auth(*TEAM)
            )
            assert r.status_code == 200, r.text
        # an ops team cannot certify, a district outside the area neither
        r = await client.post(
            f"{reg}/v1/certifications/district",
            json={"subdistrict_code": SUBDISTRICT},
            headers=stack.auth(*TEAM),
        )
        assert r.status_code == 403
        r = await client.post(
            f"{reg}/v1/certifications/district",
            json={"subdistrict_code": SUBDISTRICT},
            headers=stack.auth(["district_officer"], ["3412"]),
        )
        assert r.status_code == 403
        # the unverified third household cannot be returned by the district: it is not on the list
        r = await client.post(
            f"{reg}/v1/certifications/district",
            json={"subdistrict_code": SUBDISTRICT, "returns": [{"household_id": ids[2], "reason": "x"}]},
            headers=stack.auth(*DISTRICT),
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"returns.{ids[2]}"
        r = await client.post(
            f"{reg}/v1/certifications/district",
            json={
                "subdistrict_code": SUBDISTRICT,
                "survey_year": 2567,
                "returns": [{"household_id": ids[1], "reason": "ไม่ได้ปักหมุด (no map pin)"}],
            },
            headers=stack.auth(*DISTRICT),
        )
        assert r.status_code == 200, r.text
        assert r.json() == {
            "area_code": SUBDISTRICT,
            "certified": [ids[0]],
            "approved": [],
            "returned": [ids[1]],
            "late": False,
        }
        team = {**stack.auth(*TEAM), "X-Purpose": "follow the certification"}
        first = (await client.get(f"{reg}/v1/households/{ids[0]}", headers=team)).json()
        assert first["status"] == "certified"  # certified is not yet approved
        returned = (await client.get(f"{reg}/v1/households/{ids[1]}", headers=team)).json()
        assert returned["status"] == "to_verify"
        assert returned["last_return"]["reason"] == "ไม่ได้ปักหมุด (no map pin)"
        r = await client.post(
            f"{reg}/v1/certifications/province",
            json={"district_code": DISTRICT_CODE},
            headers=stack.auth(*DISTRICT),
        )
        assert r.status_code == 403
        r = await client.post(
            f"{reg}/v1/certifications/province",
            json={"district_code": DISTRICT_CODE, "survey_year": 2024},
            headers=stack.auth(*PROVINCE),
        )
        assert r.status_code == 200, r.text
        assert r.json()["approved"] == [ids[0]] and r.json()["late"] is True
        assert (await client.get(f"{reg}/v1/households/{ids[0]}", headers=team)).json()[
            "status"
        ] == "approved"

        events = await timeline(stack, client, ids[1], 3)
        back = events[-1]
        # the district's words stay in the registry; the event names them by reference
        assert back["type"] == "th.faemban.household.certification-returned.v2"
        assert back["data"]["level"] == "district" and back["data"]["reason_ref"]
        assert "reason" not in back["data"] and "ปักหมุด" not in str(events)
        events = await timeline(stack, client, ids[0], 4)
        assert [e["type"].split(".")[-2] for e in events][-2:] == ["certified", "approved"]
        assert events[-1]["data"]["late"] is True and events[-1]["data"]["due"] == "2000-01-15"

        progress: dict[str, Any] = {}

        async def counted() -> bool:
            r = await client.get(
                f"{rep}/v1/reports/verification-progress",
                params={"area": DISTRICT_CODE, "level": "subdistrict", "survey_year": 2567},
                headers=stack.auth(["analyst"], ["34"]),
            )
            assert r.status_code == 200, r.text
            progress.update(r.json())
            rows = {row["area_code"]: row for row in progress["rows"]}
            return (
                SUBDISTRICT in rows
                and rows[SUBDISTRICT]["approved"] == 1
                and rows[SUBDISTRICT]["returned"] == 1
            )

        await eventually(counted, what="verification progress of the subdistrict")
        row = next(r for r in progress["rows"] if r["area_code"] == SUBDISTRICT)
        assert row["households"] == 3 and row["to_verify"] == 2 and row["returned"] == 1
        assert row["verified"] == 1 and row["by_category"]["partly_correct"] == 1
        assert row["certified"] == 1 and row["approved"] == 1 and row["late"]["approved"] == 1
        assert progress["campaign"]["province_by"] == "2000-01-15"
        assert row["overdue"] == {"verify": 0, "district": 0, "province": 0}
