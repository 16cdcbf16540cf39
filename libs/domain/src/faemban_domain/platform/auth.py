"""Bearer JWT (RS256) auth with roles and area scope (DOMAIN.md §2).

Claims: ``sub``, ``roles`` (role codes), ``areas`` (DOPA codes). A caller acts
on a household only when its area code lies under one of the caller's areas
(prefix match); ``admin`` covers the whole country. Keys come from a JWKS URL
or a configured public key; in development a key pair is generated on first
use under ``var/dev-keys`` (git-ignored) and ``faemban token`` mints with it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Request

from faemban_domain import context
from faemban_domain.platform.problems import ProblemError
from faemban_domain.platform.settings import PlatformSettings

ROLES = (
    "ops_team",
    "mentor",
    "district_officer",
    "province_officer",
    "agency",
    "analyst",
    "partner",
    "admin",
)
DEV_ISSUER = "faemban-dev"


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    roles: frozenset[str]
    areas: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def covers(self, area_code: str) -> bool:
        return self.is_admin or any(area_code.startswith(a) for a in self.areas)

    def ensure_area(self, area_code: str) -> None:
        if not self.covers(area_code):
            raise ProblemError(
                403,
                "Outside your area",
                f"area {area_code} is not within your areas {list(self.areas)}",
                type_="https://faemban.th/problems/area-scope",
            )

    def ensure_scope_query(self, area: str) -> None:
        """An area filter must itself lie within the caller's scope."""
        self.ensure_area(area)


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "Authentication required",
        detail,
        type_="https://faemban.th/problems/unauthenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


class TokenVerifier:
    def __init__(self, settings: PlatformSettings) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self._jwks: jwt.PyJWKClient | None = None
        self._key: Any = None
        if settings.jwt_jwks_url:
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)
        elif settings.jwt_public_key:
            self._key = settings.jwt_public_key
        elif settings.jwt_public_key_file:
            self._key = settings.jwt_public_key_file.read_text()
        elif settings.env == "development":
            self._key = ensure_dev_keypair(settings.var_dir)[1]
            self.issuer = self.issuer or DEV_ISSUER
        else:
            raise RuntimeError("set FAEMBAN_JWT_JWKS_URL or FAEMBAN_JWT_PUBLIC_KEY in production")

    def verify(self, token: str) -> Principal:
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._key
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["sub", "exp"], "verify_aud": self.audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise _unauthorized(f"invalid token: {exc}") from exc
        roles = claims.get("roles") or []
        areas = claims.get("areas") or []
        if not isinstance(roles, list) or not isinstance(areas, list):
            raise _unauthorized("claims roles and areas must be lists")
        return Principal(str(claims["sub"]), frozenset(map(str, roles)), tuple(map(str, areas)))


def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("send Authorization: Bearer <token> (see `faemban token`)")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(token.strip())
    context.actor.set(principal.sub)
    return principal


def require_roles(*roles: str) -> Callable[[Request], Principal]:
    """A dependency: the caller must hold one of ``roles`` (admin always passes)."""
    wanted = frozenset(roles)

    def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if not (principal.roles & wanted) and not principal.is_admin:
            raise ProblemError(
                403,
                "Role not permitted",
                f"this action needs one of the roles {sorted(wanted)}",
                type_="https://faemban.th/problems/role",
            )
        return principal

    return dependency


def ensure_dev_keypair(var_dir: Path) -> tuple[str, str]:
    """(private PEM, public PEM) of the development key, generated on first use.

    Several processes may start at once (``make run-distributed``): the key is
    written to a temporary file and hard-linked into place, which succeeds for
    exactly one of them; every process then reads the winner's key.
    """
    key_dir = var_dir / "dev-keys"
    private_path = key_dir / "jwt-private.pem"
    if not private_path.exists():
        key_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tmp = key_dir / f".jwt-private.{os.getpid()}.{uuid.uuid4().hex}"
        tmp.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        tmp.chmod(0o600)
        try:
            os.link(tmp, private_path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    private_pem = private_path.read_text()
    loaded = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_pem = loaded.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (key_dir / "jwt-public.pem").write_bytes(public_pem)
    return private_pem, public_pem.decode()


def mint_token(
    private_pem: str,
    *,
    roles: Iterable[str],
    areas: Iterable[str],
    sub: str | None = None,
    ttl_seconds: int = 12 * 3600,
    issuer: str = DEV_ISSUER,
) -> str:
    now = int(time.time())
    claims = {
        "sub": sub or f"dev-{uuid.uuid4().hex[:8]}",
        "roles": list(roles),
        "areas": list(areas),
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": issuer,
    }
    return jwt.encode(claims, private_pem, algorithm="RS256")
