"""Idempotency-Key support for creating POSTs (docs/interfaces.md, "API conventions").

The key's stored response is written in the same transaction as the command's
events, so "same key and body → first result" holds across crashes too. Every
creating POST uses ``Idempotency`` the same way: ``replay`` first in its
transaction, ``remember`` last in it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.eventsourcing.tables import idempotency_keys
from faemban_domain.platform.problems import ProblemError


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def lookup(conn: AsyncConnection, scope: str, key: str, body_hash: str) -> StoredResponse | None:
    row = (
        (
            await conn.execute(
                sa.select(idempotency_keys).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    if row["request_hash"] != body_hash:
        raise ProblemError(
            409,
            "Idempotency-Key reused",
            "this Idempotency-Key was used with a different request body",
            type_="https://faemban.th/problems/idempotency-key",
            errors=[{"field": "Idempotency-Key", "message": "reused with a different body"}],
        )
    return StoredResponse(row["status_code"], row["response"])


async def remember(
    conn: AsyncConnection, scope: str, key: str, body_hash: str, status_code: int, body: dict[str, Any]
) -> None:
    await conn.execute(
        idempotency_keys.insert().values(
            scope=scope,
            key=key,
            request_hash=body_hash,
            status_code=status_code,
            response=body,
            created_at=datetime.now(UTC),
        )
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="retry-safe: the same key and body return the first result",
    ),
]


@dataclass(frozen=True)
class Idempotency:
    """One creating request's key, scoped to the caller and the operation."""

    key: str | None
    scope: str
    body_hash: str

    @classmethod
    def of(cls, key: str | None, subject: str, operation: str, *body: Any) -> Idempotency:
        return cls(key, f"{subject}:{operation}"[:200], request_hash(list(body)) if key else "")

    async def replay(self, conn: AsyncConnection) -> JSONResponse | None:
        """The first response to this key and body, or None to carry on."""
        if not self.key:
            return None
        stored = await lookup(conn, self.scope, self.key, self.body_hash)
        if stored is None:
            return None
        return JSONResponse(
            stored.body, status_code=stored.status_code, headers={"Idempotent-Replay": "true"}
        )

    async def remember(
        self, conn: AsyncConnection, status_code: int, body: BaseModel | dict[str, Any]
    ) -> None:
        if not self.key:
            return
        data = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        try:
            async with conn.begin_nested():
                await remember(conn, self.scope, self.key, self.body_hash, status_code, data)
        except IntegrityError:
            # a concurrent request with the same key won the race: this one must not also create
            raise ProblemError(
                409,
                "Idempotency-Key in use",
                "another request with this Idempotency-Key was completed meanwhile; retry to get its result",
                type_="https://faemban.th/problems/idempotency-key",
            ) from None
