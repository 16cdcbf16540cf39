"""Bearer JWT auth: 401 without a valid token, 403 without the role or area."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from faemban_domain import context
from faemban_domain.platform.auth import (
    Principal,
    TokenVerifier,
    ensure_dev_keypair,
    mint_token,
    require_roles,
)
from faemban_domain.platform.problems import install_problem_handlers
from faemban_domain.platform.settings import PlatformSettings


@pytest.fixture()
def keys(tmp_path: Path) -> tuple[str, str]:
    return ensure_dev_keypair(tmp_path)


@pytest.fixture()
def client(tmp_path: Path, keys: tuple[str, str]) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(PlatformSettings(var_dir=tmp_path))

    @app.post("/v1/things/{area}")
    def act(area: str, who: Principal = Depends(require_roles("ops_team"))) -> dict[str, str]:
        who.ensure_area(area)
        return {"sub": who.sub}

    @app.post("/v1/settings/{area}")
    def configure(area: str, who: Principal = Depends(require_roles("admin"))) -> dict[str, str]:
        who.ensure_area(area)
        return {"sub": who.sub}

    @app.get("/v1/actor")
    async def actor(who: Principal = Depends(require_roles("ops_team"))) -> dict[str, str | None]:
        return {"actor": context.actor.get()}

    return TestClient(app)


def test_no_token_is_401_problem_json(client: TestClient) -> None:
    r = client.post("/v1/things/34010101")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Authentication required"


@pytest.mark.parametrize("bad", ["garbage", "Basic abc"])
def test_malformed_or_foreign_token_is_401(client: TestClient, bad: str) -> None:
    r = client.post("/v1/things/34010101", headers={"Authorization": bad})
    assert r.status_code == 401


def test_token_signed_by_another_key_is_401(client: TestClient, tmp_path: Path) -> None:
    other_private, _ = ensure_dev_keypair(tmp_path / "other")
    token = mint_token(other_private, roles=["ops_team"], areas=["34"])
    r = client.post("/v1/things/34010101", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "Signature" in r.json()["detail"]


def test_expired_token_is_401(client: TestClient, keys: tuple[str, str]) -> None:
    token = mint_token(keys[0], roles=["ops_team"], areas=["34"], ttl_seconds=-10)
    assert client.post("/v1/things/34010101", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_missing_role_is_403(client: TestClient, keys: tuple[str, str]) -> None:
    token = mint_token(keys[0], roles=["analyst"], areas=["34"])
    r = client.post("/v1/things/34010101", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and r.json()["type"].endswith("/role")


def test_area_outside_scope_is_403_and_inside_passes(client: TestClient, keys: tuple[str, str]) -> None:
    token = mint_token(keys[0], roles=["ops_team"], areas=["340101"], sub="team-a")
    h = {"Authorization": f"Bearer {token}"}
    r = client.post("/v1/things/34010201", headers=h)
    assert r.status_code == 403 and r.json()["type"].endswith("/area-scope")
    assert client.post("/v1/things/34010105", headers=h).json() == {"sub": "team-a"}


def test_admin_covers_every_area_but_only_where_listed(client: TestClient, keys: tuple[str, str]) -> None:
    """docs/domain.md, "Roles": admin configures and grants; field work is not admin's (403)."""
    h = {"Authorization": f"Bearer {mint_token(keys[0], roles=['admin'], areas=[])}"}
    assert client.post("/v1/settings/50010101", headers=h).status_code == 200
    r = client.post("/v1/things/50010101", headers=h)
    assert r.status_code == 403 and r.json()["type"].endswith("/role")


@pytest.mark.parametrize("areas", [[""], ["99"], ["3401x"], ["๓๔"], [34], ["34", "nationwide"]])
def test_a_grant_of_an_unknown_area_is_refused(
    client: TestClient, keys: tuple[str, str], areas: list[object]
) -> None:
    """An empty area would match every code by prefix: the token is refused, not widened."""
    token = mint_token(keys[0], roles=["ops_team"], areas=areas)  # type: ignore[arg-type]
    r = client.post("/v1/things/34010101", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "area" in r.json()["detail"]


def test_the_actor_reaches_the_request_context(client: TestClient, keys: tuple[str, str]) -> None:
    """Auth runs in the request's own context, so events written by it record the actor."""
    token = mint_token(keys[0], roles=["ops_team"], areas=["34"], sub="team-x")
    assert client.get("/v1/actor", headers={"Authorization": f"Bearer {token}"}).json() == {"actor": "team-x"}


def test_dev_keypair_is_created_once_and_reused(tmp_path: Path) -> None:
    first = ensure_dev_keypair(tmp_path)
    assert ensure_dev_keypair(tmp_path) == first
    assert first[1].startswith("-----BEGIN PUBLIC KEY-----")


def test_a_verified_token_is_answered_from_the_cache_until_it_expires(
    tmp_path: Path, keys: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(PlatformSettings(var_dir=tmp_path))
    token = mint_token(keys[0], roles=["ops_team"], areas=["34"], sub="u1", ttl_seconds=60)
    first = verifier.verify(token)
    checks = 0
    real = verifier._verify

    def counted(t: str) -> tuple[Principal, float]:
        nonlocal checks
        checks += 1
        return real(t)

    monkeypatch.setattr(verifier, "_verify", counted)
    assert verifier.verify(token) == first and checks == 0
    other = mint_token(keys[0], roles=["ops_team"], areas=["34"], sub="u2", ttl_seconds=60)
    assert verifier.verify(other).sub == "u2" and checks == 1
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception, match="invalid token"):
        verifier.verify(tampered)  # a different string is never a cache hit
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)  # past the token's exp: checked again
    verifier.verify(token)
    assert checks == 3


def test_a_partner_token_carries_its_granted_scopes(tmp_path: Path, keys: tuple[str, str]) -> None:
    verifier = TokenVerifier(PlatformSettings(var_dir=tmp_path))
    token = mint_token(keys[0], roles=["partner"], areas=["34"], scopes=["registry.search"])
    assert verifier.verify(token).scopes == frozenset({"registry.search"})
    assert verifier.verify(mint_token(keys[0], roles=["ops_team"], areas=["34"])).scopes == frozenset()


@pytest.mark.parametrize("scope", ["registry.everything", "registry.search admin", 7])
def test_a_token_with_an_unknown_scope_is_refused(
    client: TestClient, keys: tuple[str, str], scope: object
) -> None:
    """A scope no one defined grants nothing; it is refused rather than silently ignored."""
    token = mint_token(keys[0], roles=["ops_team"], areas=["34"])
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "scope": scope}, keys[0], algorithm="RS256")
    r = client.post("/v1/things/34010101", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and "scope" in r.json()["detail"]
