"""Personal data of households and members: the registry's own tables, never events.

Written in the same transaction as the household's events, so a family book
is never half saved; read only through ``personal_view`` by callers that
have already logged the access (``access_log``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.citizen_id import normalise_citizen_id
from faemban_domain.eventsourcing.sql import bulk_insert, upsert
from faemban_registry.adapters.tables import household_details, household_personal, member_personal
from faemban_registry.domain.members import Address, Notes, Person


class PersonalData:
    """Names, ids, address and pin of the households, in the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def insert_imported(self, rows: list[dict[str, Any]]) -> None:
        """The personal part of a register's households, as the import read it (bulk)."""
        await bulk_insert(self.conn, household_personal, rows)

    async def save_member(self, household_id: str, member_id: str, person: Person) -> None:
        row = asdict(person)
        if row["citizen_id"]:
            row["citizen_id"] = normalise_citizen_id(row["citizen_id"])
        values = {
            "household_id": household_id,
            "member_id": member_id,
            "current": True,
            **row,
            "updated_at": _now(),
        }
        await upsert(self.conn, member_personal, values, ["household_id", "member_id"], list(values)[2:])

    async def member_left(self, household_id: str, member_id: str) -> None:
        t = member_personal
        await self.conn.execute(
            t.update()
            .where(t.c.household_id == household_id, t.c.member_id == member_id)
            .values(current=False, updated_at=_now())
        )

    async def save_address(self, household_id: str, address: Address, notes: Notes | None = None) -> None:
        """The address part of ``household_personal`` and the rest in ``household_details``."""
        values = {
            "household_id": household_id,
            "house_no": address.house_no,
            "village_name": address.village_name,
            "lat": address.lat,
            "lon": address.lon,
            "updated_at": _now(),
        }
        await upsert(self.conn, household_personal, values, ["household_id"], list(values)[1:])
        details: dict[str, Any] = {
            "household_id": household_id,
            "near_house_no": address.near_house_no,
            "local_government": address.local_government,
            "phone": address.phone,
            "updated_at": _now(),
        }
        if notes is not None:
            details |= {
                "skills": list(notes.skills),
                "other_problems": list(notes.other_problems),
                "able_to_repay": notes.able_to_repay,
            }
        update = list(details)[1:]
        details.setdefault("skills", [])
        details.setdefault("other_problems", [])
        await upsert(self.conn, household_details, details, ["household_id"], update)

    async def households_with_citizen_ids(
        self, citizen_ids: list[str], other_than: str | None = None
    ) -> dict[str, str]:
        """Citizen id → household where that person is already a current member or the head."""
        ids = [normalise_citizen_id(c) for c in citizen_ids if c]
        if not ids:
            return {}
        m, p = member_personal, household_personal
        found: dict[str, str] = {}
        for cid, hid in (
            await self.conn.execute(
                sa.select(m.c.citizen_id, m.c.household_id).where(
                    m.c.citizen_id.in_(ids), m.c.current.is_(True)
                )
            )
        ).all():
            found[cid] = hid
        for cid, hid in (
            await self.conn.execute(
                sa.select(p.c.head_citizen_id, p.c.household_id).where(p.c.head_citizen_id.in_(ids))
            )
        ).all():
            found.setdefault(cid, hid)
        return {c: h for c, h in found.items() if h != other_than}

    async def personal_view(self, household_id: str) -> dict[str, Any]:
        """Everything personal the registry holds of one household, for a scoped, logged read."""
        p = (
            (
                await self.conn.execute(
                    sa.select(household_personal).where(household_personal.c.household_id == household_id)
                )
            )
            .mappings()
            .first()
        )
        d = (
            (
                await self.conn.execute(
                    sa.select(household_details).where(household_details.c.household_id == household_id)
                )
            )
            .mappings()
            .first()
        )
        members = (
            (
                await self.conn.execute(
                    sa.select(member_personal)
                    .where(member_personal.c.household_id == household_id)
                    .order_by(member_personal.c.updated_at, member_personal.c.member_id)
                )
            )
            .mappings()
            .all()
        )
        head = None
        if p is not None and (p["head_first_name"] or p["head_citizen_id"]):
            head = {
                "title": p["head_title"],
                "first_name": p["head_first_name"],
                "last_name": p["head_last_name"],
                "citizen_id": p["head_citizen_id"],
                "age": p["head_age"],
                "sex": p["head_sex"],
            }
        return {
            "head_as_registered": head,
            "address": {
                "house_no": p["house_no"] if p else None,
                "village_name": p["village_name"] if p else None,
                "near_house_no": d["near_house_no"] if d else None,
                "local_government": d["local_government"] if d else None,
                "phone": d["phone"] if d else None,
                "lat": p["lat"] if p else None,
                "lon": p["lon"] if p else None,
            },
            "finances": {
                "formal_debt": p["formal_debt"] if p else None,
                "informal_debt": p["informal_debt"] if p else None,
                "savings": p["savings"] if p else None,
                "able_to_repay": d["able_to_repay"] if d else None,
            },
            "skills": d["skills"] if d else [],
            "other_problems": d["other_problems"] if d else [],
            "members": [
                {
                    k: (v.isoformat() if k == "date_of_birth" and v is not None else v)
                    for k, v in m.items()
                    if k not in ("household_id", "updated_at")
                }
                for m in members
            ],
        }


def _now() -> datetime:
    return datetime.now(UTC)
