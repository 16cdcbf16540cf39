"""Idempotency-Key support for creating POSTs (ARCHITECTURE.md API conventions).

The key's stored response is written in the same transaction as the command's
events, so "same key and body → first result" holds across crashes too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
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
            422,
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
