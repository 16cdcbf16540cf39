"""The register search (DCI-style sync search) for other government systems: scopes,
areas, personal fields and the access log, on both stacks. Expected records come from
the imported file with the csv module."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from faemban_cli.demo_data import generate, write_csv
from faemban_domain.events.envelope import PERSONAL_KEYS
from faemban_domain.platform.auth import ensure_dev_keypair, mint_token
from faemban_domain.testing import eventually

from .conftest import Stack
from .test_register_e2e import run_import

PROVINCE = "61"  # Uthai Thani: no other end-to-end test uses it
HOUSEHOLDS = 24


def envelope(*criteria: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "header": {
            "version": "1.0.0",
            "message_id": uuid.uuid4().hex,
            "message_ts": now,
            "action": "search",
            "sender_id": "dsr.go.th",
            "total_count": len(criteria),
        },
        "message": {
            "transaction_id": uuid.uuid4().hex,
            "search_request": [
                {"reference_id": f"r{i}", "timestamp": now, "search_criteria": c}
                for i, c in enumerate(criteria)
            ],
        },
    }


def criteria(area: str = PROVINCE, *more: tuple[str, str, Any], **extra: Any) -> dict[str, Any]:
    query = [
        {
            "seq_num": 1,
            "expression1": {"attribute_name": "area_code", "operator": "eq", "attribute_value": area},
        }
    ]
    for n, (name, op, value) in enumerate(more, start=2):
        query.append(
            {"seq_num": n, "expression1": {"attribute_name": name, "operator": op, "attribute_value": value}}
        )
    return {"query_type": "predicate", "query": query, **extra}


def partner(stack: Stack, *scopes: str, areas: tuple[str, ...] = (PROVINCE,)) -> dict[str, str]:
    private, _ = ensure_dev_keypair(stack.var_dir)
    token = mint_token(private, roles=["partner"], areas=list(areas), sub="dsr-system", scopes=scopes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def register(stack: Stack, tmp_path: Path) -> list[dict[str, str]]:
    """A small register of the province, imported once per stack (the search reads the index)."""
    path = tmp_path / "search.csv"
    write_csv(generate(PROVINCE, HOUSEHOLDS, seed=3), path)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    async with httpx.AsyncClient(timeout=60) as client:
        probe = await client.post(
            f"{stack.url('registry')}/v1/registry/sync/search",
            json=envelope(criteria()),
            headers=partner(stack, "registry.search"),
        )
        assert probe.status_code == 200, probe.text
        if probe.json()["message"]["search_response"][0]["pagination"]["total_count"] == 0:
            await run_import(stack, client, path, [PROVINCE])
    return rows


async def search(stack: Stack, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=60) as client:
        return await client.post(
            f"{stack.url('registry')}/v1/registry/sync/search", json=body, headers=headers
        )


async def test_a_partner_searches_its_area_without_personal_fields(
    stack: Stack, register: list[dict[str, str]]
) -> None:
    r = await search(
        stack, envelope(criteria(pagination={"page_size": 10})), partner(stack, "registry.search")
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["header"]["action"] == "on-search" and answer["header"]["receiver_id"] == "dsr.go.th"
    found = answer["message"]["search_response"][0]
    assert found["pagination"] == {"page_size": 10, "page_number": 1, "total_count": HOUSEHOLDS}
    records = found["data"]["reg_records"]
    assert len(records) == 10 and records == sorted(records, key=lambda r: r["household_id"])
    expected = {r["household_id"]: r for r in register}
    for record in records:
        row = expected[record["household_id"]]
        assert record["failing_indicators"] == sorted(k for k, v in row.items() if "." in k and v == "1")
        assert record["area_code"].startswith(row["subdistrict_code"]) and "head" not in record
        assert not set(record) & PERSONAL_KEYS and row["head_last_name"] not in r.text
    # the last page, and a filter computed from the file
    last = await search(
        stack,
        envelope(criteria(pagination={"page_size": 10, "page_number": 3})),
        partner(stack, "registry.search"),
    )
    assert len(last.json()["message"]["search_response"][0]["data"]["reg_records"]) == HOUSEHOLDS - 20
    code = "income.average_income"
    both = await search(
        stack,
        envelope(criteria(PROVINCE, ("failing_indicator", "eq", code), pagination={"page_size": 100})),
        partner(stack, "registry.search"),
    )
    got = {r["household_id"] for r in both.json()["message"]["search_response"][0]["data"]["reg_records"]}
    assert got == {r["household_id"] for r in register if r[code] == "1"}


async def test_personal_fields_need_their_scope_and_a_purpose_and_are_logged(
    stack: Stack, register: list[dict[str, str]]
) -> None:
    body = envelope(criteria(include_personal=True, pagination={"page_size": 3}))
    r = await search(stack, body, {**partner(stack, "registry.search"), "X-Purpose": "benefit check"})
    assert r.status_code == 403 and r.json()["type"].endswith("/role"), r.text
    granted = partner(stack, "registry.search", "registry.search.personal")
    r = await search(stack, body, granted)
    assert r.status_code == 422 and "X-Purpose" in r.text
    r = await search(stack, body, {**granted, "X-Purpose": "benefit check"})
    assert r.status_code == 200, r.text
    records = r.json()["message"]["search_response"][0]["data"]["reg_records"]
    by_id = {row["household_id"]: row for row in register}
    for record in records:
        row = by_id[record["household_id"]]
        assert record["head"]["citizen_id"] == row["head_citizen_id"]
        assert record["head"]["last_name"] == row["head_last_name"]
    admin = stack.auth(["admin"], [])

    async def logged() -> bool:
        async with httpx.AsyncClient(timeout=30) as client:
            for record in records:
                log = await client.get(
                    f"{stack.url('registry')}/v1/access-log",
                    params={"household_id": record["household_id"], "subject": "dsr-system"},
                    headers=admin,
                )
                entries = log.json()["entries"]
                if not any(
                    e["what"] == "registry.search" and e["purpose"] == "benefit check" for e in entries
                ):
                    return False
        return True

    await eventually(logged, what="each personal record read in the access log")


@pytest.mark.parametrize(
    "who, area, status, problem",
    [
        ((["partner"], [PROVINCE], ()), "34", 403, "/area-scope"),
        ((["partner"], [PROVINCE], ()), PROVINCE, 403, "/role"),  # no scope granted
        ((["analyst"], [PROVINCE], ()), PROVINCE, 403, "/role"),
        ((["province_officer"], [PROVINCE], ()), PROVINCE, 403, "/role"),
        ((["partner"], ["6104"], ("registry.search",)), PROVINCE, 403, "/area-scope"),
    ],
    ids=["other province", "no scope", "analyst", "province officer", "district grant, province search"],
)
async def test_the_scope_matrix(
    stack: Stack, register: list[dict[str, str]], who: Any, area: str, status: int, problem: str
) -> None:
    roles, areas, scopes = who
    if roles == ["partner"]:
        private, _ = ensure_dev_keypair(stack.var_dir)
        grant = scopes if scopes or problem != "/area-scope" else ("registry.search",)
        headers = {"Authorization": f"Bearer {mint_token(private, roles=roles, areas=areas, scopes=grant)}"}
    else:
        headers = stack.auth(roles, areas)
    r = await search(stack, envelope(criteria(area)), headers)
    assert r.status_code == status and r.json()["type"].endswith(problem), r.text


async def test_a_district_grant_sees_only_its_district(stack: Stack, register: list[dict[str, str]]) -> None:
    district = register[0]["district_code"]
    r = await search(
        stack,
        envelope(criteria(district, pagination={"page_size": 100})),
        partner(stack, "registry.search", areas=(district,)),
    )
    records = r.json()["message"]["search_response"][0]["data"]["reg_records"]
    assert {x["household_id"] for x in records} == {
        row["household_id"] for row in register if row["district_code"] == district
    }


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda b: b["header"].update(total_count=2), "total_count"),
        (lambda b: b["message"]["search_request"][0]["search_criteria"]["query"].pop(0), "area_code"),
        (
            lambda b: b["message"]["search_request"][0]["search_criteria"].update(
                pagination={"page_size": 1000}
            ),
            "page_size",
        ),
        (lambda b: b["header"].update(message_id="x y"), "message_id"),
    ],
    ids=["count", "no area", "page too big", "bad id"],
)
async def test_a_bad_envelope_is_a_422_naming_the_field(
    stack: Stack, register: list[dict[str, str]], mutate: Any, field: str
) -> None:
    body = envelope(criteria(PROVINCE, ("critical", "eq", True)))
    mutate(body)
    r = await search(stack, body, partner(stack, "registry.search"))
    assert r.status_code == 422 and field in r.text, r.text
