"""Bearer JWT (RS256) auth with roles and area scope (docs/domain.md, "Roles").

Claims: ``sub``, ``roles`` (role codes), ``areas`` (DOPA codes), for an agency's
users ``agency`` (its code in ``faemban_domain.agencies``), and for a ``partner`` system
``scope`` (OAuth2's space-separated grants, ``SCOPES``: which APIs it may call). A caller acts
on a household only when its area code lies under one of the caller's areas
(prefix match); ``admin`` covers the whole country. Keys come from a JWKS URL
or a configured public key; in development a key pair is generated on first
use under ``var/dev-keys`` (git-ignored) and ``faemban token`` mints with it.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Request

from faemban_domain import agencies, areas, context
from faemban_domain.errors import NotFound, OutOfScope
from faemban_domain.platform.problems import ProblemError
from faemban_domain.platform.settings import PlatformSettings

DEV_ISSUER = "faemban-dev"

SCOPES = {
    "registry.search": "search the register (DCI sync search): households without personal fields",
    "registry.search.personal": "the search's records with the head's name, citizen id and address "
    "(each record read is in the access log)",
}
"""What a partner (another government system's service account) may be granted."""


FIELD_ROLES = frozenset({"ops_team", "district_officer", "province_officer"})
"""Roles that work with every household of their area by name (docs/domain.md, "Roles")."""
ASSIGNED_ROLES = frozenset({"mentor", "agency"})
"""Roles that see only the households assigned to them. Assignments come with planning;
until a service knows them, these roles see no single household."""
HOUSEHOLD_ROLES = FIELD_ROLES | ASSIGNED_ROLES
"""Roles that may ask for one household at all (analysts and partners: aggregates only)."""
PERSONAL_DATA_ROLES = FIELD_ROLES | {"mentor"}
"""Roles that may read names, ids, pins and photos — within their scope; never admin."""
AGGREGATE_ROLES = (*sorted(HOUSEHOLD_ROLES), "analyst", "partner", "admin")
"""Everyone may read area aggregates of their scope."""
HOUSEHOLD_READERS = (*sorted(HOUSEHOLD_ROLES), "admin")
"""Who may ask for one household (admin without personal fields)."""


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    roles: frozenset[str]
    areas: tuple[str, ...]
    agency: str | None = None
    """The agency an ``agency`` user acts for (what is assigned to it, what it records)."""
    scopes: frozenset[str] = frozenset()
    """A partner's granted APIs (``SCOPES``); other roles act by their role alone."""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def holds(self, area_code: str) -> bool:
        """One of the caller's granted areas holds ``area_code`` (admin's "all" is not a grant)."""
        return any(area_code.startswith(a) for a in self.areas)

    def covers(self, area_code: str) -> bool:
        return self.is_admin or self.holds(area_code)

    def ensure_area(self, area_code: str) -> None:
        """An area the caller named (a filter, a new household's area) must be in scope."""
        if not self.covers(area_code):
            raise OutOfScope(area_code, self.areas)

    def ensure_scope_query(self, area: str) -> None:
        """An area filter must itself lie within the caller's scope."""
        self.ensure_area(area)

    def _works_in(self, area_code: str) -> bool:
        """A field role granted an area holding ``area_code`` (admin's "all" is not field work)."""
        return bool(self.roles & FIELD_ROLES) and self.holds(area_code)

    def sees_household(self, area_code: str, assigned: bool = False) -> bool:
        """May the caller see this household at all (without its personal fields)?"""
        return self.is_admin or self._works_in(area_code) or bool(self.roles & ASSIGNED_ROLES) and assigned

    def reads_personal(self, area_code: str, assigned: bool = False) -> bool:
        """May the caller read the household's personal data (names, ids, pins, photos)?"""
        return self._works_in(area_code) or "mentor" in self.roles and assigned

    def ensure_household(self, household_id: str, area_code: str, assigned: bool = False) -> None:
        """404 for a household the caller may not see: neither its existence nor its area is told."""
        if not self.sees_household(area_code, assigned):
            raise NotFound(f"household {household_id} is not registered")


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
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()
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

    CACHE_SIZE = 10_000
    CACHE_SECONDS = 300.0
    """A verified token is trusted again for at most this long (and never past its ``exp``):
    a key rotated out of the JWKS stops being honoured within five minutes."""

    def verify(self, token: str) -> Principal:
        """The token's principal; a token verified in the last ``CACHE_SECONDS`` is answered from
        the cache (the same bytes, checked with the same key: the RSA check is skipped, not
        weakened)."""
        now = time.time()
        with self._lock:  # JWKS verifications run in worker threads
            hit = self._verified.get(token)
            if hit is not None and now < hit[1]:
                self._verified.move_to_end(token)
                return hit[0]
        principal, expires = self._verify(token)
        with self._lock:
            self._verified[token] = (principal, min(expires, now + self.CACHE_SECONDS))
            if len(self._verified) > self.CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
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
        claimed_areas = claims.get("areas") or []
        if not isinstance(roles, list) or not isinstance(claimed_areas, list):
            raise _unauthorized("claims roles and areas must be lists")
        agency = claims.get("agency")
        if agency is not None and (not isinstance(agency, str) or not agencies.is_known(agency)):
            raise _unauthorized(f"claim agency {agency!r} is not a known agency code")
        scope = claims.get("scope", "")
        if not isinstance(scope, str) or not set(scope.split()) <= SCOPES.keys():
            raise _unauthorized(f"claim scope must name granted scopes of {sorted(SCOPES)}")
        principal = Principal(
            str(claims["sub"]),
            frozenset(map(str, roles)),
            checked_claim_areas(claimed_areas),
            agency,
            frozenset(scope.split()),
        )
        return principal, float(claims["exp"])

    async def verify_async(self, token: str) -> Principal:
        """On the event loop when the key is at hand (an RSA check takes microseconds);
        in a thread when a JWKS document may have to be fetched."""
        hit = self._verified.get(token)
        if self._jwks is not None and (hit is None or time.time() >= hit[1]):
            return await asyncio.to_thread(self.verify, token)
        return self.verify(token)


def checked_claim_areas(claimed: list[Any]) -> tuple[str, ...]:
    """Every area of a grant must be a known DOPA code: an empty or unknown one would
    otherwise match everything (``"".startswith``) or nothing, silently."""
    found: list[str] = []
    for raw in claimed:
        code = raw if isinstance(raw, str) else repr(raw)
        if not isinstance(raw, str) or areas.level_of(code) is None or not areas.is_known(code):
            raise _unauthorized(
                f"claim areas holds {code!r}, which is not a known province/district/subdistrict/village code"
            )
        found.append(code)
    return tuple(found)


async def authenticate(request: Request) -> Principal:
    """Async so that it runs in the request's own context: the actor it sets reaches every
    event the request writes (a sync dependency would run in a worker thread's copy)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("send Authorization: Bearer <token> (see `faemban token`)")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify_async(token.strip())
    context.actor.set(principal.sub)
    return principal


def require_roles(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller must hold one of ``roles``. Admin passes only where listed:
    docs/domain.md, "Roles" gives admin configuration and grants, not field work or personal data."""
    wanted = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if not principal.roles & wanted:
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
    agency: str | None = None,
    scopes: Iterable[str] = (),
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub or f"dev-{uuid.uuid4().hex[:8]}",
        "roles": list(roles),
        "areas": list(areas),
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": issuer,
    }
    if agency is not None:
        claims["agency"] = agency
    if scopes:
        claims["scope"] = " ".join(scopes)
    return jwt.encode(claims, private_pem, algorithm="RS256")
