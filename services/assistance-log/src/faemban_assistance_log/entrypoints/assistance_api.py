"""The logbook's routes (docs/interfaces.md, "Shape 7")."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from faemban_assistance_log.bootstrap import Logbook
from faemban_assistance_log.service_layer import logbook as lb
from faemban_domain import agencies, bounds
from faemban_domain.events.contracts import AssistanceKind, GiverKind
from faemban_domain.photos import MAX_BYTES
from faemban_domain.platform.auth import FIELD_ROLES, Principal, require_roles
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.images import prepare
from faemban_domain.platform.inputs import HouseholdKey, ProblemIn, UuidKey, problem_out
from faemban_domain.platform.service import components_of

router = APIRouter(tags=["assistance"])
_DECODING = asyncio.Semaphore(2)
LogbookService = Annotated[Logbook, Depends(components_of("assistance-log", Logbook))]
Recorder = Annotated[Principal, Depends(require_roles(*sorted(FIELD_ROLES | {"mentor", "agency"})))]
Reader = Annotated[Principal, Depends(require_roles(*sorted(FIELD_ROLES | {"mentor", "agency", "admin"})))]
"""Analysts and partners read the logbook's aggregates in reports, never one household's entries."""
EntryKey = Annotated[str, Path(pattern=bounds.ENTITY_ID_PATTERN, max_length=64, description="assistance id")]
Amount = Annotated[
    Decimal,
    Field(ge=0, le=bounds.MAX_BAHT, max_digits=12, decimal_places=2, description="baht, at most 2 places"),
]


class AssistanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household_id: bounds.HouseholdId
    member_id: bounds.MemberId | None = Field(default=None, description="when the help was personal")
    problem: ProblemIn
    agency: str = Field(max_length=64, description="the giving agency's code", examples=["moph"])
    giver_kind: GiverKind
    kind: AssistanceKind
    amount_baht: Amount | None = None
    given_on: date
    plan_item_id: bounds.EntityId | None = None
    case_id: bounds.EntityId | None = None
    note: str = Field(default="", max_length=2000)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
    replaced_by: bounds.EntityId | None = Field(default=None, description="the entry that corrects this one")


class AssistanceOut(BaseModel):
    assistance_id: str
    household_id: str
    member_id: str | None
    problem: dict[str, str | None]
    agency: str
    agency_name_th: str | None
    giver_kind: str
    kind: str
    amount_baht: float | None
    given_on: date
    plan_item_id: str | None
    case_id: str | None
    note: str | None = Field(description="None when you may not read the recorder's words")
    recorded_by: str
    recorded_at: datetime
    voided: bool
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None
    replaced_by: str | None


class HouseholdAssistanceOut(BaseModel):
    household_id: str
    entries: list[AssistanceOut]


def _out(row: dict[str, Any]) -> AssistanceOut:
    known = agencies.catalogue().agencies.get(row["agency"])
    return AssistanceOut(
        assistance_id=row["entry_id"],
        household_id=row["household_id"],
        member_id=row["member_id"],
        problem=problem_out(row["problem"], row["problem_text"]),
        agency=row["agency"],
        agency_name_th=known.name_th if known else None,
        giver_kind=row["giver_kind"],
        kind=row["kind"],
        amount_baht=float(row["amount_baht"]) if row["amount_baht"] is not None else None,
        given_on=row["given_on"],
        plan_item_id=row["plan_item_id"],
        case_id=row["case_id"],
        note=row["note"],
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
        voided=row["voided_at"] is not None,
        voided_at=row["voided_at"],
        voided_by=row["voided_by"],
        void_reason=row["void_reason"],
        replaced_by=row["voided_by_entry_id"],
    )


@router.post("/v1/assistance", status_code=201, response_model=AssistanceOut)
async def log_assistance(
    body: AssistanceIn, principal: Recorder, logbook: LogbookService, key: IdempotencyKey = None
) -> Any:
    """Record one act of help. A resend with the same ``Idempotency-Key`` and body is recorded
    once (the first answer comes back); the same key with another body is a 409."""
    command = lb.LogAssistance(
        household_id=body.household_id,
        member_id=body.member_id,
        problem=body.problem.ref,
        problem_text=body.problem.text,
        agency=body.agency,
        giver_kind=body.giver_kind,
        kind=body.kind,
        amount_baht=body.amount_baht,
        given_on=body.given_on,
        plan_item_id=body.plan_item_id,
        case_id=body.case_id,
        note=body.note,
    )
    once = Idempotency.of(key, principal.sub, "assistance.log", body.model_dump(mode="json"))
    return await logbook.transactions.run(
        lb.log_assistance, principal, command, respond=_out, once=once, status_code=201
    )


@router.post("/v1/assistance/{assistance_id}/void", response_model=AssistanceOut)
async def void_assistance(
    assistance_id: EntryKey, body: VoidIn, principal: Recorder, logbook: LogbookService
) -> Any:
    """Void an entry with a reason: it stays in the logbook, marked voided, and counts no more."""
    command = lb.VoidAssistance(assistance_id, body.reason, body.replaced_by)
    return await logbook.transactions.run(lb.void_assistance, principal, command, respond=_out)


@router.get("/v1/assistance/{assistance_id}", response_model=AssistanceOut)
async def get_assistance(assistance_id: EntryKey, principal: Reader, logbook: LogbookService) -> Any:
    return await logbook.transactions.read(lb.one_entry, principal, lb.OneEntry(assistance_id), respond=_out)


@router.get("/v1/households/{household_id}/assistance", response_model=HouseholdAssistanceOut)
async def household_assistance(household_id: HouseholdKey, principal: Reader, logbook: LogbookService) -> Any:
    """The household's logbook, oldest help first; voided entries stay, marked."""
    rows = await logbook.transactions.read(lb.household_logbook, principal, lb.HouseholdLogbook(household_id))
    return HouseholdAssistanceOut(household_id=household_id, entries=[_out(r) for r in rows])


class EvidenceOut(BaseModel):
    photo_id: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


def _photo(row: dict[str, Any]) -> EvidenceOut:
    return EvidenceOut.model_validate({k: v for k, v in row.items() if k in EvidenceOut.model_fields})


@router.post("/v1/assistance/{assistance_id}/photos", status_code=201, response_model=EvidenceOut)
async def add_evidence(
    assistance_id: EntryKey,
    principal: Recorder,
    logbook: LogbookService,
    file: UploadFile,
    key: IdempotencyKey = None,
) -> Any:
    """Evidence of the help given: JPEG or PNG by content, at most 10 MB, re-encoded without
    its metadata (a phone's GPS position stays out); kept by the logbook, never in events."""
    data = await file.read(MAX_BYTES + 1)  # one byte more is enough to know it is too big
    once = Idempotency.of(
        key, principal.sub, "assistance.photo", assistance_id, hashlib.sha256(data).hexdigest()
    )
    async with _DECODING:  # decoding is CPU and memory: a worker thread, two at a time
        photo = await asyncio.to_thread(prepare, data)
    command = lb.AddEvidence(assistance_id, photo)
    return await logbook.transactions.run(
        lb.add_evidence, principal, command, respond=_photo, once=once, status_code=201
    )


@router.get("/v1/assistance/{assistance_id}/photos", response_model=list[EvidenceOut])
async def list_evidence(assistance_id: EntryKey, principal: Reader, logbook: LogbookService) -> Any:
    rows = await logbook.transactions.read(lb.list_evidence, principal, lb.EvidenceRef(assistance_id))
    return [_photo(r) for r in rows]


@router.get(
    "/v1/assistance/{assistance_id}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
async def read_evidence(
    assistance_id: EntryKey, photo_id: UuidKey, principal: Reader, logbook: LogbookService
) -> Response:
    content_type, data = await logbook.transactions.read(
        lb.read_evidence, principal, lb.EvidenceRef(assistance_id, photo_id)
    )
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, no-store"})
