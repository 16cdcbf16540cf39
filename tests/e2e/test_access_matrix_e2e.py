"""Role × area × operation, for every operation the OpenAPI lists, against docs/domain.md, "Roles".

The table below is DOMAIN's role table written out per operation, on purpose apart from
the code's own constants: an operation added without a row here fails the test, and a
policy that drifts from the table fails it too. For each operation: no token and four
kinds of forged token → 401; each of the eight roles in its area and outside it →
403 (role) when the table says no, 404 for a household it may not see (mentors and
agencies see only assigned households: none yet), 403 (area) for an area filter outside
its scope, and past the door otherwise.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from faemban_domain.testing import eventually

from .conftest import Stack

FIELD = {"ops_team", "district_officer", "province_officer"}
HOUSEHOLD_READERS = FIELD | {"mentor", "agency", "admin"}
PERSONAL = FIELD | {"mentor"}
PLAN_READERS = FIELD | {"mentor", "admin"}
EVERYONE = {
    "ops_team",
    "mentor",
    "district_officer",
    "province_officer",
    "agency",
    "analyst",
    "partner",
    "admin",
}
ROLES = sorted(EVERYONE)

# (method, path) → (roles allowed, kind): "household" = one household's resource,
# "area" = an area-filtered aggregate or list, "own" = scoped otherwise (its own rules).
TABLE: dict[tuple[str, str], tuple[set[str], str]] = {
    ("POST", "/v1/households"): (FIELD, "own"),
    ("POST", "/v1/households/new"): (FIELD, "own"),
    ("GET", "/v1/households/{household_id}"): (HOUSEHOLD_READERS, "household"),
    ("PUT", "/v1/households/{household_id}/details"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/members"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/members/{member_id}/leave"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/head-deceased"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/move"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/field-status"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/verification"): (FIELD, "household"),
    ("POST", "/v1/households/{household_id}/photos"): (FIELD, "household"),
    ("GET", "/v1/households/{household_id}/photos"): (PERSONAL, "household"),
    ("GET", "/v1/households/{household_id}/photos/{photo_id}"): (PERSONAL, "household"),
    ("DELETE", "/v1/households/{household_id}/photos/{photo_id}"): (FIELD, "household"),
    ("POST", "/v1/imports/tpmap-register"): ({"district_officer", "province_officer"}, "own"),
    ("GET", "/v1/imports/{import_id}"): ({"district_officer", "province_officer"}, "own"),
    ("POST", "/v1/certifications/district"): ({"district_officer"}, "own"),
    ("POST", "/v1/certifications/province"): ({"province_officer"}, "own"),
    ("GET", "/v1/access-log"): ({"admin"}, "own"),
    # other government systems: partner accounts by their granted scope (the matrix grants
    # registry.search; test_register_search_e2e holds the scope matrix), admins
    ("POST", "/v1/registry/sync/search"): ({"partner", "admin"}, "area"),
    ("GET", "/v1/households/{household_id}/assessment"): (HOUSEHOLD_READERS, "household"),
    ("GET", "/v1/households/{household_id}/assessments"): (HOUSEHOLD_READERS, "household"),
    ("POST", "/v1/households/{household_id}/assessment/sufficiency"): (
        {"district_officer", "province_officer"},
        "household",
    ),
    ("POST", "/v1/assessments/reassessments"): ({"province_officer", "admin"}, "own"),
    ("GET", "/v1/assessments/summary"): (EVERYONE, "area"),
    ("GET", "/v1/assessments/priority"): (FIELD | {"admin"}, "area"),
    ("GET", "/v1/households/{household_id}/timeline"): (HOUSEHOLD_READERS, "household"),
    ("GET", "/v1/reports/register-summary"): (EVERYONE, "area"),
    ("GET", "/v1/reports/household-counts"): (EVERYONE, "area"),
    ("GET", "/v1/reports/verification-progress"): (EVERYONE, "area"),
    ("GET", "/v1/reports/escalations"): (EVERYONE, "area"),
    ("GET", "/v1/reports/kpis"): (EVERYONE, "area"),
    ("GET", "/v1/reports/mpi"): (EVERYONE, "area"),
    ("GET", "/v1/reports/monthly"): (EVERYONE, "area"),
    ("GET", "/v1/reports/map"): (PERSONAL, "area"),
    ("GET", "/v1/reports/map/villages"): (EVERYONE, "area"),
    # planning: the district appoints teams and decides budgets; mentors plan for their own households
    ("POST", "/v1/mentor-teams"): ({"district_officer"}, "own"),
    ("GET", "/v1/mentor-teams"): (FIELD | {"admin"}, "area"),
    ("GET", "/v1/mentor-teams/{team_id}"): (FIELD | {"admin"}, "own"),
    ("POST", "/v1/mentor-teams/{team_id}/households"): ({"district_officer"}, "own"),
    ("POST", "/v1/mentor-teams/{team_id}/households/{household_id}/release"): ({"district_officer"}, "own"),
    ("POST", "/v1/mentor-teams/{team_id}/leader-transfer"): ({"district_officer"}, "own"),
    ("GET", "/v1/unassigned-households"): (FIELD | {"admin"}, "area"),
    ("POST", "/v1/households/{household_id}/plans"): ({"mentor", "ops_team"}, "household"),
    ("GET", "/v1/households/{household_id}/plans"): (PLAN_READERS, "household"),
    ("GET", "/v1/households/{household_id}/plan-suggestions"): (PLAN_READERS, "household"),
    ("GET", "/v1/plans/{plan_id}"): (PLAN_READERS, "own"),
    ("POST", "/v1/plans/{plan_id}/items/{item_id}/status"): ({"mentor", "ops_team"}, "own"),
    ("POST", "/v1/plans/{plan_id}/items/{item_id}/budget"): ({"district_officer"}, "own"),
    ("POST", "/v1/cases"): ({"ops_team"}, "own"),
    ("GET", "/v1/cases"): (FIELD | {"admin"}, "area"),
    ("GET", "/v1/cases/{case_id}"): (FIELD | {"admin"}, "own"),
    ("POST", "/v1/cases/{case_id}/escalate"): (FIELD | {"admin"}, "own"),
    ("POST", "/v1/cases/{case_id}/accept"): (FIELD | {"admin"}, "own"),
    ("POST", "/v1/cases/{case_id}/return"): (FIELD | {"admin"}, "own"),
    ("POST", "/v1/cases/{case_id}/resolve"): (FIELD | {"admin"}, "own"),
    # the logbook: field roles, the household's mentors and agencies record; analysts and partners never
    ("POST", "/v1/assistance"): (FIELD | {"mentor", "agency"}, "own"),
    ("GET", "/v1/assistance/{assistance_id}"): (HOUSEHOLD_READERS, "own"),
    ("POST", "/v1/assistance/{assistance_id}/void"): (FIELD | {"mentor", "agency"}, "own"),
    ("GET", "/v1/households/{household_id}/assistance"): (HOUSEHOLD_READERS, "household"),
    ("POST", "/v1/assistance/{assistance_id}/photos"): (FIELD | {"mentor", "agency"}, "own"),
    ("GET", "/v1/assistance/{assistance_id}/photos"): (HOUSEHOLD_READERS, "own"),
    ("GET", "/v1/assistance/{assistance_id}/photos/{photo_id}"): (HOUSEHOLD_READERS, "own"),
}
AREA_LISTS = ("/v1/mentor-teams", "/v1/unassigned-households", "/v1/cases")
AREA_IN, AREA_OUT = "34", "46"
VILLAGE = "34070102"


def _forged(stack: Stack) -> dict[str, str]:
    """Tokens that must all be refused: another key, no signature, expired, HS256 with the public key."""
    claims = {"sub": "mallory", "roles": ["admin"], "areas": [], "iss": "faemban-dev"}
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps({**claims, "exp": time.time() + 600}).encode())
    public = (stack.var_dir / "dev-keys" / "jwt-public.pem").read_text()
    return {
        "other key": jwt.encode({**claims, "exp": int(time.time()) + 600}, other, algorithm="RS256"),
        "alg none": f"{header}.{body.rstrip(b'=').decode()}.",
        "expired": _expired(stack),
        "hs256 with the public key": _hs256(claims, public),
    }


def _expired(stack: Stack) -> str:
    from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

    private, _ = ensure_dev_keypair(stack.var_dir)
    return mint_token(private, roles=["admin"], areas=[], ttl_seconds=-60)


def _hs256(claims: dict[str, Any], secret: str) -> str:
    import hashlib
    import hmac

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({**claims, "exp": time.time() + 600}).encode())
    signing = f"{head}.{payload}"
    signature = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{b64(signature)}"


def _request(method: str, path: str, hid: str, area: str) -> dict[str, Any]:
    ids = {
        k: str(uuid.uuid4())
        for k in ("photo_id", "import_id", "team_id", "plan_id", "case_id", "assistance_id")
    }
    url = path.format(household_id=hid, member_id="M1", item_id="1", **ids)
    params: dict[str, Any] = {}
    if path.startswith(("/v1/assessments/summary", "/v1/reports/")):
        params = {"area": area, "level": "district"}
        if path.endswith("/monthly"):
            params["month"] = date.today().strftime("%Y-%m")
    elif path in ("/v1/assessments/priority", *AREA_LISTS):
        params = {"area": area}
    body: Any = {} if method in ("POST", "PUT") else None
    for suffix, valid in BODIES.items():
        if path.endswith(suffix):
            body = valid
    files = {"file": ("h.png", _PNG, "image/png")} if method == "POST" and path.endswith("/photos") else None
    return {"method": method, "url": url, "params": params, "json": None if files else body, "files": files}


# Valid bodies for the writes on one household, so that the area scope (after validation) is reached.
BODIES: dict[str, Any] = {
    "/field-status": {"field_status": "lives_here"},
    "/details": {"khok_nong_na": True},
    "/sufficiency": {"reason": "matrix"},
    "/head-deceased": {"new_head_member_id": "M2"},
    "/members": {"member": {"relation": "child", "first_name": "ทดสอบ", "age": 5}},
    "/leave": {"reason": "moved_out"},
    "/move": {"area_code": VILLAGE},
    "/plans": {
        "items": [
            {
                "problem": {"indicator": "income.average_income"},
                "activity": "matrix",
                "horizon": "short",
                "due_on": (date.today() + timedelta(days=30)).isoformat(),
            }
        ]
    },
    "/sync/search": {
        "header": {
            "message_id": "matrix",
            "message_ts": "2026-01-01T00:00:00Z",
            "action": "search",
            "sender_id": "matrix",
            "total_count": 1,
        },
        "message": {
            "transaction_id": "matrix",
            "search_request": [
                {
                    "reference_id": "r1",
                    "timestamp": "2026-01-01T00:00:00Z",
                    "search_criteria": {
                        "query_type": "predicate",
                        "query": [
                            {
                                "seq_num": 1,
                                "expression1": {
                                    "attribute_name": "area_code",
                                    "operator": "eq",
                                    "attribute_value": AREA_IN,
                                },
                            }
                        ],
                    },
                }
            ],
        },
    },
    "/verification": {
        "survey_year": 2024,
        "field_status": "lives_here",
        "household_type": "develop",
        "indicators": {"income.average_income": "confirmed"},
    },
}


def _png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


_PNG = _png_bytes()


@pytest.fixture()
async def household(stack: Stack) -> str:
    """One registered household of village 34070102, its assessment and timeline arrived."""
    hid = f"MX-{uuid.uuid4().hex[:10]}"
    body = {
        "household_id": hid,
        "area_code": VILLAGE,
        "cohort_year": 2024,
        "source": "tpmap",
        "members": 3,
        "tpmap_failing_indicators": ["income.average_income"],
    }
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(
            f"{stack.url('registry')}/v1/households", json=body, headers=stack.auth(["ops_team"], ["340701"])
        )
        assert r.status_code == 201, r.text
        admin = stack.auth(["admin"], [])

        async def arrived() -> bool:
            urls = [
                f"{stack.url('assessment')}/v1/households/{hid}/assessment",
                f"{stack.url('reporting')}/v1/households/{hid}/timeline",
                f"{stack.url('planning')}/v1/households/{hid}/plan-suggestions",
                f"{stack.url('assistance-log')}/v1/households/{hid}/assistance",
            ]
            return [(await client.get(u, headers=admin)).status_code for u in urls] == [200] * len(urls)

        await eventually(arrived, what="the household's assessment, timeline, plan suggestions and logbook")
    return hid


def _service_of(path: str) -> str:
    if path.startswith(("/v1/assessments", "/v1/households/{household_id}/assessment")):
        return "assessment"
    if path.startswith(("/v1/mentor-teams", "/v1/unassigned", "/v1/plans", "/v1/cases")) or path.endswith(
        ("/plans", "/plan-suggestions")
    ):
        return "planning"
    if path.startswith("/v1/assistance") or path.endswith("/assistance"):
        return "assistance-log"
    if path.startswith("/v1/reports/map"):
        return "registry"  # the pins' holder serves the map
    if path.startswith(("/v1/reports", "/v1/households/{household_id}/timeline")):
        return "reporting"
    return "registry"


async def test_every_operation_follows_the_role_table(stack: Stack, household: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        spec = (await client.get(f"{stack.url('registry')}/openapi.json")).json()
        if stack.kind == "distributed":  # each service documents its own operations
            for service in ("assessment", "reporting", "planning", "assistance-log"):
                spec["paths"].update((await client.get(f"{stack.url(service)}/openapi.json")).json()["paths"])
        operations = {
            (method.upper(), path)
            for path, item in spec["paths"].items()
            if path.startswith("/v1/")
            for method in item
        }
        assert operations == set(TABLE), "an operation without a row in DOMAIN's table (or a stale row)"
        forged = _forged(stack)
        failures: list[str] = []
        for (method, path), (allowed, kind) in sorted(TABLE.items()):
            base = stack.url(_service_of(path))

            async def call(
                headers: dict[str, str], method: str = method, path: str = path, base: str = base
            ) -> httpx.Response:
                req = _request(method, path, household, AREA_IN)
                return await client.request(
                    req["method"],
                    base + req["url"],
                    params=req["params"],
                    json=req["json"],
                    files=req["files"],
                    headers=headers,
                )

            r = await call({})
            if r.status_code != 401:
                failures.append(f"{method} {path} without a token → {r.status_code}")
            for what, token in forged.items():
                r = await call({"Authorization": f"Bearer {token}"})
                if r.status_code != 401:
                    failures.append(f"{method} {path} with a forged token ({what}) → {r.status_code}")
            for role in ROLES:
                for inside in (True, False):
                    areas = [] if role == "admin" else [AREA_IN if inside else AREA_OUT]
                    scopes = ["registry.search"] if role == "partner" else []
                    headers = {**stack.auth([role], areas, scopes=scopes), "X-Purpose": "access matrix"}
                    r = await call(headers)
                    got = r.status_code
                    problem = r.json().get("type", "") if got >= 400 and r.content else ""
                    where = f"{method} {path} as {role} {'inside' if inside else 'outside'} → {got}"
                    if role not in allowed:
                        if got != 403 or not problem.endswith("/role"):
                            failures.append(f"{where}: expected 403 (role)")
                        continue
                    sees = role == "admin" or (inside and role in FIELD)
                    if kind == "household" and not sees:
                        if got != 404 or VILLAGE in r.text:
                            failures.append(f"{where}: expected 404 without the household's area")
                    elif kind == "area" and not inside and role != "admin":
                        if got != 403 or not problem.endswith("/area-scope"):
                            failures.append(f"{where}: expected 403 (area)")
                    elif got in (401, 403) or got >= 500:
                        failures.append(f"{where}: expected past the door")
                    elif method == "GET" and kind == "household" and "photos/" not in path and got != 200:
                        failures.append(f"{where}: expected 200")
    assert failures == [], "\n".join(failures)
