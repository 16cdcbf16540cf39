"""Registry use cases: plain async functions, dependencies as parameters."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain import areas
from faemban_domain.campaign import CampaignCalendar
from faemban_domain.citizen_id import normalise_citizen_id
from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.events.contracts import CertificationLevel, FieldStatus, LeaveReason
from faemban_domain.eventsourcing.repository import Repository
from faemban_domain.eventsourcing.store import ConcurrencyError
from faemban_domain.platform.auth import Principal
from faemban_registry.adapters import access_log, household_index, personal
from faemban_registry.adapters.blobs import BlobStore
from faemban_registry.adapters.tables import photos
from faemban_registry.domain import photos as photo_rules
from faemban_registry.domain.household import FieldVerification, Household, NewHouseholdForm, Registration
from faemban_registry.domain.members import HouseholdDetails, MemberEntry


async def register_household(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    registration: Registration,
    household_id: str | None = None,
) -> Household:
    principal.ensure_area(registration.area_code)
    hid = household_id or f"HH-{uuid.uuid4().hex[:16].upper()}"
    if household_id and await repo.get(conn, hid) is not None:
        raise InvalidInput([FieldError("household_id", f"household {hid} is already registered")])
    household = Household.register(hid, registration)
    await _save(conn, repo, household)
    return household


async def _save(conn: AsyncConnection, repo: Repository[Household], household: Household) -> None:
    """The household's new events and its index row, in the caller's transaction."""
    await repo.save(conn, household)
    await household_index.save(conn, household)


async def load_household(
    conn: AsyncConnection, repo: Repository[Household], principal: Principal, household_id: str
) -> Household:
    household = await repo.get(conn, household_id)
    if household is None:
        raise NotFound(f"household {household_id} is not registered")
    principal.ensure_household(household_id, household.area_code)
    return household


async def _load_at(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    expected_version: int | None,
) -> Household:
    """Load for a change; a client that says which version it saw gets 409 if it moved on."""
    household = await load_household(conn, repo, principal, household_id)
    if expected_version is not None and expected_version != household.version:
        raise ConcurrencyError(household.stream_id, expected_version)
    return household


async def record_field_status(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    status: FieldStatus,
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    household.record_field_status(status)
    await _save(conn, repo, household)
    return household


async def verify_household(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    verification: FieldVerification,
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    household.verify(verification, datetime.now(UTC).isoformat())
    await _save(conn, repo, household)
    return household


async def _refuse_known_people(
    conn: AsyncConnection, members: Sequence[MemberEntry], household_id: str | None, where: str = "members"
) -> None:
    """A person belongs to one household: an exclusion error already registered is not a new one."""
    known = await personal.households_with_citizen_ids(
        conn, [m.person.citizen_id for m in members if m.person.citizen_id], other_than=household_id
    )
    errors = [
        FieldError(f"{where}[{i}].citizen_id", "already a member of another registered household")
        for i, m in enumerate(members)
        if m.person.citizen_id and normalise_citizen_id(m.person.citizen_id) in known
    ]
    if errors:
        raise InvalidInput(errors)


async def register_new_household(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    form: NewHouseholdForm,
    members: Sequence[MemberEntry],
    details: HouseholdDetails,
    household_id: str | None = None,
) -> Household:
    """Form ศจพ.2: the household, its members' personal data and its answers, all or nothing."""
    principal.ensure_area(form.area_code)
    hid = household_id or f"HH-{uuid.uuid4().hex[:16].upper()}"
    if household_id and await repo.get(conn, hid) is not None:
        raise InvalidInput([FieldError("household_id", f"household {hid} is already registered")])
    await _refuse_known_people(conn, members, None)
    household = Household.register_new(hid, form, datetime.now(UTC).isoformat())
    await _save(conn, repo, household)
    for member_id, entry in zip(sorted(household.roster, key=lambda m: int(m[1:])), members, strict=True):
        await personal.save_member(conn, hid, member_id, entry.person)
    await personal.save_address(conn, hid, details.address, details.notes)
    return household


async def record_details(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    details: HouseholdDetails,
    members: Sequence[MemberEntry],
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    await _refuse_known_people(conn, members, household_id)
    ids = household.record_details(
        details.address, details.circumstances, [(m.relation, m.facts) for m in members]
    )
    await _save(conn, repo, household)
    for member_id, entry in zip(ids, members, strict=True):
        await personal.save_member(conn, household_id, member_id, entry.person)
    await personal.save_address(conn, household_id, details.address, details.notes)
    return household


async def add_member(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    entry: MemberEntry,
    expected_version: int | None = None,
) -> tuple[Household, str]:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    await _refuse_known_people(conn, [entry], household_id, where="member")
    member_id = household.add_member(entry.relation, entry.facts)
    await _save(conn, repo, household)
    await personal.save_member(conn, household_id, member_id, entry.person)
    return household, member_id


async def member_left(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    member_id: str,
    reason: LeaveReason,
    new_head_member_id: str | None = None,
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    household.member_left(member_id, reason, new_head_member_id)
    await _save(conn, repo, household)
    await personal.member_left(conn, household_id, member_id)
    return household


async def head_deceased(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    new_head_member_id: str,
    expected_version: int | None = None,
) -> Household:
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    former = household.head_member_id
    household.head_deceased(new_head_member_id)
    await _save(conn, repo, household)
    if former:
        await personal.member_left(conn, household_id, former)
    return household


async def move_household(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    to_area_code: str,
    details: HouseholdDetails,
    expected_version: int | None = None,
) -> Household:
    """The team of the area it leaves records the move; the new area's team takes over."""
    household = await _load_at(conn, repo, principal, household_id, expected_version)
    household.move(to_area_code)
    await _save(conn, repo, household)
    await personal.save_address(conn, household_id, details.address)
    return household


@dataclass(frozen=True)
class CertificationResult:
    area_code: str
    certified: list[str]
    approved: list[str]
    returned: list[str]
    late: bool


async def _decide(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    area_code: str,
    level: CertificationLevel,
    survey_year: int | None,
    returns: Mapping[str, str],
    campaign: Callable[[int], CampaignCalendar],
    accept_all: bool,
    return_all_reason: str | None = None,
) -> CertificationResult:
    """One district or province decision over an area's list, in one transaction."""
    principal.ensure_area(area_code)
    now = datetime.now(UTC)
    pending = "verified" if level == "district" else "certified"
    listed = await household_index.ids_in(conn, area_code, pending, survey_year)
    errors: list[FieldError] = []
    for hid in returns:
        if hid not in listed:
            errors.append(FieldError(f"returns.{hid}", f"is not a {pending} household of {area_code}"))
    if errors:
        raise InvalidInput(errors)
    if not listed:
        raise NotFound(
            f"no {pending} households in {area_code}" + (f" for {survey_year}" if survey_year else "")
        )
    accepted: list[str] = []
    returned: list[str] = []
    late = False
    for hid in listed:
        household = await repo.get(conn, hid)
        assert household is not None
        calendar = campaign(household.survey_year)
        reason = returns.get(hid) or return_all_reason
        if reason is not None:
            household.return_for_verification(level, reason, now, calendar)
            returned.append(hid)
        elif accept_all:
            if level == "district":
                household.certify(now, calendar)
            else:
                household.approve(now, calendar)
            accepted.append(hid)
        else:
            continue
        late = late or calendar.is_late(level, now)
        await _save(conn, repo, household)
    return CertificationResult(
        area_code=area_code,
        certified=accepted if level == "district" else [],
        approved=accepted if level == "province" else [],
        returned=returned,
        late=late,
    )


async def certify_subdistrict(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    subdistrict_code: str,
    survey_year: int | None,
    returns: Mapping[str, str],
    campaign: Callable[[int], CampaignCalendar],
) -> CertificationResult:
    """The district (ศจพ.อ.) certifies a subdistrict's verified households, returning the named ones."""
    if areas.level_of(subdistrict_code) != "subdistrict" or not areas.is_known(subdistrict_code):
        raise InvalidInput([FieldError("subdistrict_code", f"not a known subdistrict: {subdistrict_code}")])
    return await _decide(
        conn, repo, principal, subdistrict_code, "district", survey_year, returns, campaign, accept_all=True
    )


async def decide_district_list(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    district_code: str,
    survey_year: int | None,
    approve: bool,
    reason: str | None,
    returns: Mapping[str, str],
    campaign: Callable[[int], CampaignCalendar],
) -> CertificationResult:
    """The province (ศจพ.จ.) approves a district's certified list, or returns it (or some) with a reason."""
    if areas.level_of(district_code) != "district" or not areas.is_known(district_code):
        raise InvalidInput([FieldError("district_code", f"not a known district: {district_code}")])
    if not approve and not (reason or "").strip():
        raise InvalidInput([FieldError("reason", "say why the list goes back")])
    return await _decide(
        conn,
        repo,
        principal,
        district_code,
        "province",
        survey_year,
        returns,
        campaign,
        accept_all=approve,
        return_all_reason=None if approve else reason,
    )


async def read_personal(
    conn: AsyncConnection,
    repo: Repository[Household],
    principal: Principal,
    household_id: str,
    purpose: str | None,
) -> tuple[Household, dict[str, Any]]:
    """Personal data of one household for a scoped reader; the read is logged first."""
    household = await load_household(conn, repo, principal, household_id)
    await access_log.record(conn, principal, household_id, "household", purpose)
    return household, await personal.personal_view(conn, household_id)


async def add_photo(
    conn: AsyncConnection,
    repo: Repository[Household],
    blobs: BlobStore,
    principal: Principal,
    household_id: str,
    kind: photo_rules.PhotoKind,
    photo: photo_rules.PreparedPhoto,
) -> dict[str, Any]:
    """Keep a photo made fit by ``photo_rules.prepare`` (called off the event loop)."""
    await load_household(conn, repo, principal, household_id)
    content_type, data = photo.content_type, photo.data
    existing = await conn.scalar(
        sa.select(sa.func.count()).select_from(photos).where(photos.c.household_id == household_id)
    )
    photo_rules.check_room(existing or 0)
    photo_id = str(uuid.uuid4())
    blob_key = f"{household_id}/{photo_id}"
    row = {
        "photo_id": photo_id,
        "household_id": household_id,
        "kind": kind,
        "content_type": content_type,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "blob_key": blob_key,
        "uploaded_by": principal.sub,
        "uploaded_at": datetime.now(UTC),
    }
    await blobs.put(blob_key, data, content_type)
    await conn.execute(photos.insert().values(**row))
    return row


async def list_photos(
    conn: AsyncConnection, repo: Repository[Household], principal: Principal, household_id: str
) -> list[dict[str, Any]]:
    await load_household(conn, repo, principal, household_id)
    rows = await conn.execute(
        sa.select(photos).where(photos.c.household_id == household_id).order_by(photos.c.uploaded_at)
    )
    return [dict(r) for r in rows.mappings()]


async def read_photo(
    conn: AsyncConnection,
    repo: Repository[Household],
    blobs: BlobStore,
    principal: Principal,
    household_id: str,
    photo_id: str,
    purpose: str | None,
) -> tuple[str, bytes]:
    await load_household(conn, repo, principal, household_id)
    row = (
        (
            await conn.execute(
                sa.select(photos).where(photos.c.household_id == household_id, photos.c.photo_id == photo_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"household {household_id} has no photo {photo_id}")
    await access_log.record(conn, principal, household_id, f"photo:{photo_id}", purpose)
    return row["content_type"], await blobs.get(row["blob_key"])


async def delete_photo(
    conn: AsyncConnection,
    repo: Repository[Household],
    blobs: BlobStore,
    principal: Principal,
    household_id: str,
    photo_id: str,
) -> None:
    await load_household(conn, repo, principal, household_id)
    row = (
        (
            await conn.execute(
                sa.delete(photos)
                .where(photos.c.household_id == household_id, photos.c.photo_id == photo_id)
                .returning(photos.c.blob_key)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"household {household_id} has no photo {photo_id}")
    await blobs.delete(row["blob_key"])
