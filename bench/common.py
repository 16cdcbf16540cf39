"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url


async def fresh_db(base: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``base``; return its URL."""
    u = make_url(base + "/postgres")
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"
