"""Recording, voiding and reading the help given to a household (docs/domain.md, "Logbook").

Who may record: the field roles inside their areas, the mentors of the household's team,
an agency's users inside their jurisdiction and only for their own agency. Who may read
one household's logbook: the field roles of its area, its team's mentors, the agencies it
is assigned to (by a plan item or a budget decision) inside their jurisdiction, and
admin — notes are the recorders' words, shown to the roles that work with the family and
to the agency that wrote them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from faemban_assistance_log.adapters.logbook import row_of
from faemban_assistance_log.domain.entry import Assistance, AssistanceEntry
from faemban_assistance_log.service_layer.unit_of_work import LogbookUnitOfWork
from faemban_domain.errors import FieldError, InvalidInput, NotFound, NotPermitted, OutOfScope, StateConflict
from faemban_domain.events.contracts import AssistanceKind, GiverKind
from faemban_domain.photos import PreparedPhoto, stored
from faemban_domain.platform.auth import FIELD_ROLES, Principal

WORKS_WITH_FAMILY = FIELD_ROLES | {"mentor"}


@dataclass(frozen=True, kw_only=True)
class LogAssistance:
    household_id: str
    member_id: str | None
    problem: str
    problem_text: str | None
    agency: str
    giver_kind: GiverKind
    kind: AssistanceKind
    amount_baht: Decimal | None
    given_on: date
    plan_item_id: str | None
    case_id: str | None
    note: str


@dataclass(frozen=True)
class VoidAssistance:
    entry_id: str
    reason: str
    replaced_by: str | None


@dataclass(frozen=True)
class HouseholdLogbook:
    household_id: str


@dataclass(frozen=True)
class OneEntry:
    entry_id: str


async def _ensure_may_record(
    uow: LogbookUnitOfWork, principal: Principal, household_id: str, area_code: str, agency: str
) -> None:
    if not principal.holds(area_code):
        raise OutOfScope(area_code, principal.areas)
    if principal.roles & FIELD_ROLES:
        return
    if "mentor" in principal.roles and await uow.directory.is_mentor_of(household_id, principal.sub):
        return
    if "agency" not in principal.roles:
        raise NotPermitted(f"only household {household_id}'s mentor team records help for it")
    if principal.agency is None:
        raise NotPermitted("an agency user's token must name its agency (claim 'agency')")
    if agency != principal.agency:
        raise InvalidInput(
            [FieldError("agency", f"you record the help of your own agency ({principal.agency})")]
        )


async def log_assistance(
    uow: LogbookUnitOfWork, principal: Principal, command: LogAssistance
) -> dict[str, Any]:
    area_code = await uow.directory.area_of(command.household_id)
    if area_code is None:
        raise NotFound(f"household {command.household_id} is not registered")
    await _ensure_may_record(uow, principal, command.household_id, area_code, command.agency)
    entry = AssistanceEntry(str(uuid.uuid4()))
    entry.log(
        Assistance(
            household_id=command.household_id,
            area_code=area_code,
            member_id=command.member_id,
            problem=command.problem,
            problem_text=command.problem_text,
            agency=command.agency,
            giver_kind=command.giver_kind,
            kind=command.kind,
            amount_baht=command.amount_baht,
            given_on=command.given_on,
            plan_item_id=command.plan_item_id,
            case_id=command.case_id,
            note=command.note,
        ),
        datetime.now(UTC),
    )
    uow.entries.add(entry)
    # the recorder sees what it recorded: answered from the entry, not read back
    return _shown(principal, row_of(entry, principal.sub, None))


async def void_assistance(
    uow: LogbookUnitOfWork, principal: Principal, command: VoidAssistance
) -> dict[str, Any]:
    entry = await uow.entries.get(command.entry_id)
    if entry is None or entry.logged is None:
        raise NotFound(f"assistance entry {command.entry_id} is not recorded")
    await _ensure_may_record(uow, principal, entry.household_id, entry.logged.area_code, entry.logged.agency)
    if command.replaced_by is not None:
        other = await uow.entries.get(command.replaced_by)
        if other is None or other.logged is None or other.household_id != entry.household_id:
            raise InvalidInput([FieldError("replaced_by", "not an entry of the same household")])
    entry.void_with(command.reason, command.replaced_by, datetime.now(UTC))
    await uow.flush()
    return await _visible_row(uow, principal, entry.id)


async def household_logbook(
    uow: LogbookUnitOfWork, principal: Principal, query: HouseholdLogbook
) -> list[dict[str, Any]]:
    area_code = await uow.directory.area_of(query.household_id)
    if area_code is None or not await _sees(uow, principal, query.household_id, area_code):
        raise NotFound(f"household {query.household_id} is not registered")
    return [_shown(principal, row) for row in await uow.logbook.of_household(query.household_id)]


async def one_entry(uow: LogbookUnitOfWork, principal: Principal, query: OneEntry) -> dict[str, Any]:
    return await _visible_row(uow, principal, query.entry_id)


async def _sees(uow: LogbookUnitOfWork, principal: Principal, household_id: str, area_code: str) -> bool:
    if principal.is_admin or principal.roles & FIELD_ROLES and principal.holds(area_code):
        return True
    if not principal.holds(area_code):
        return False
    if "mentor" in principal.roles and await uow.directory.is_mentor_of(household_id, principal.sub):
        return True
    return "agency" in principal.roles and await uow.directory.is_assigned(household_id, principal.agency)


async def _visible_row(uow: LogbookUnitOfWork, principal: Principal, entry_id: str) -> dict[str, Any]:
    row = await uow.logbook.one(entry_id)
    if row is None or not (
        await _sees(uow, principal, row["household_id"], row["area_code"])
        or principal.agency == row["agency"]
        and principal.holds(row["area_code"])
    ):
        raise NotFound(f"assistance entry {entry_id} is not recorded")
    return _shown(principal, row)


def _shown(principal: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """Notes and void reasons are the recorders' words: for the roles that work with the
    family in its area (a mentor reaches here only for its team's households) and for the
    agency that wrote them."""
    own = principal.agency is not None and principal.agency == row["agency"]
    if not (own or principal.roles & WORKS_WITH_FAMILY and principal.holds(row["area_code"])):
        row = {**row, "note": None, "void_reason": None, "problem_text": None}
    return row


# -- evidence photos ----------------------------------------------------------------

MAX_EVIDENCE = 5
"""Photos per entry, as per household in the registry."""


@dataclass(frozen=True)
class AddEvidence:
    """A photo made fit by ``platform.images.prepare`` (called off the event loop)."""

    entry_id: str
    photo: PreparedPhoto


@dataclass(frozen=True)
class EvidenceRef:
    entry_id: str
    photo_id: str = ""


async def add_evidence(uow: LogbookUnitOfWork, principal: Principal, command: AddEvidence) -> dict[str, Any]:
    """Those who may record the entry's help add its evidence, to an entry that still counts."""
    entry = await uow.entries.get(command.entry_id)
    if entry is None or entry.logged is None:
        raise NotFound(f"assistance entry {command.entry_id} is not recorded")
    await _ensure_may_record(uow, principal, entry.household_id, entry.logged.area_code, entry.logged.agency)
    if entry.void is not None:
        raise StateConflict([FieldError("assistance_id", f"entry {entry.id} is voided")])
    if await uow.evidence.count(entry.id) >= MAX_EVIDENCE:
        raise StateConflict([FieldError("file", f"the entry already has {MAX_EVIDENCE} photos")])
    row = {
        **stored(command.photo, f"{entry.household_id}/{entry.id}", principal.sub),
        "entry_id": entry.id,
        "household_id": entry.household_id,
    }
    await uow.evidence.add(row, command.photo.data)
    return row


async def _words_of(uow: LogbookUnitOfWork, principal: Principal, entry_id: str) -> None:
    """Photos show people and homes: for whoever may read the entry's note (else 404)."""
    row = await _visible_row(uow, principal, entry_id)
    if row["note"] is None:
        raise NotFound(f"assistance entry {entry_id} has no photos you may see")


async def list_evidence(
    uow: LogbookUnitOfWork, principal: Principal, query: EvidenceRef
) -> list[dict[str, Any]]:
    await _words_of(uow, principal, query.entry_id)
    return await uow.evidence.of_entry(query.entry_id)


async def read_evidence(
    uow: LogbookUnitOfWork, principal: Principal, query: EvidenceRef
) -> tuple[str, bytes]:
    await _words_of(uow, principal, query.entry_id)
    row = await uow.evidence.one(query.entry_id, query.photo_id)
    if row is None:
        raise NotFound(f"entry {query.entry_id} has no photo {query.photo_id}")
    return row["content_type"], await uow.evidence.read(row["blob_key"])
