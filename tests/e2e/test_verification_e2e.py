"""Field verification (ศจพ.1) end to end: registry → Kafka → the household's timeline."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from faemban_domain.events.envelope import PERSONAL_KEYS

from .conftest import Stack
from .test_platform_e2e import TEAM, household, timeline

ELDER = {"age": 70, "sex": "female", "welfare_card": True, "elderly_allowance": True, "annual_income": 8400}
SON = {"age": 48, "sex": "male", "physical_status": "disabled", "annual_income": 0}
GRANDSON = {"age": 14, "sex": "male"}


def form(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "survey_year": 2565,
        "indicators": {"income.average_income": "confirmed", "living.housing_security": "rejected"},
        "new_failing": ["education.compulsory", "access.disabled_care"],
        "field_status": "lives_here",
        "household_type": "welfare",
        "members": [ELDER, SON, GRANDSON],
    }
    body.update(over)
    return body


async def test_verification_is_derived_published_and_in_the_timeline(stack: Stack) -> None:
    body = household(household_id=f"V-{uuid.uuid4().hex[:10]}", members=3)
    hid = body["household_id"]
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{stack.url('registry')}/v1/households", json=body, headers=stack.auth(*TEAM))
        assert r.status_code == 201, r.text
        r = await client.post(
            f"{stack.url('registry')}/v1/households/{hid}/verification",
            json=form(),
            headers=stack.auth(*TEAM),
        )
        assert r.status_code == 200, r.text
        assert r.json()["verification_category"] == "partly_correct" and r.json()["version"] == 2
        events = await timeline(stack, client, hid, 2)
        verified = events[1]
        assert verified["type"] == "th.faemban.household.verified.v1"
        data = verified["data"]
        assert data["verification_category"] == "partly_correct" and data["survey_year"] == 2022
        assert data["indicator_results"]["education.compulsory"] == {
            "result": "fails",
            "established_by": "new",
        }
        assert data["indicator_results"]["living.housing_security"]["established_by"] == "tpmap_rejected"
        assert data["indicator_results"]["education.preschool"]["result"] == "not_applicable"
        assert data["average_income"] == 2800
        assert not set(data) & PERSONAL_KEYS
        assert all(not set(m) & PERSONAL_KEYS for m in data["members"])


async def test_verification_refuses_impossible_answers_and_other_areas(stack: Stack) -> None:
    body = household(household_id=f"V-{uuid.uuid4().hex[:10]}")
    hid = body["household_id"]
    url = f"{stack.url('registry')}/v1/households/{hid}/verification"
    async with httpx.AsyncClient(timeout=10) as client:
        assert (
            await client.post(f"{stack.url('registry')}/v1/households", json=body, headers=stack.auth(*TEAM))
        ).status_code == 201
        r = await client.post(url, json=form(new_failing=["education.preschool"]), headers=stack.auth(*TEAM))
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"] == [
            {"field": "new_failing[0]", "message": "education.preschool cannot fail: no member is aged 3–5"}
        ]
        r = await client.post(url, json=form(indicators={}), headers=stack.auth(*TEAM))
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {
            "indicators.income.average_income",
            "indicators.living.housing_security",
        }
        other_team = stack.auth(["ops_team"], ["340702"])
        assert (await client.post(url, json=form(), headers=other_team)).status_code == 404
        assert (
            await client.post(url, json=form(), headers=stack.auth(["analyst"], ["34"]))
        ).status_code == 403
