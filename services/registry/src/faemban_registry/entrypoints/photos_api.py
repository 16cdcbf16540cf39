"""Household photos: upload (checked by content), list, read (logged), delete."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Response, UploadFile
from pydantic import BaseModel

from faemban_domain.bounds import Instant
from faemban_domain.photos import MAX_BYTES
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.images import prepare
from faemban_domain.platform.inputs import HouseholdKey, UuidKey
from faemban_registry.domain.photos import PhotoKind
from faemban_registry.entrypoints.dependencies import FieldTeam, PersonalReader, RegistryService
from faemban_registry.service_layer import photos as p

router = APIRouter(prefix="/v1/households/{household_id}/photos", tags=["photos"])
_DECODING = asyncio.Semaphore(2)


class PhotoOut(BaseModel):
    photo_id: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: Instant


def _out(row: dict[str, object]) -> PhotoOut:
    return PhotoOut.model_validate({k: v for k, v in row.items() if k in PhotoOut.model_fields})


@router.post("", status_code=201, response_model=PhotoOut)
async def add_photo(
    household_id: HouseholdKey,
    principal: FieldTeam,
    registry: RegistryService,
    file: UploadFile,
    kind: Annotated[PhotoKind, Form()] = "house",
    idempotency_key: IdempotencyKey = None,
) -> Any:
    data = await file.read(MAX_BYTES + 1)  # one byte more is enough to know it is too big
    once = Idempotency.of(
        idempotency_key, principal.sub, "photos.add", household_id, kind, hashlib.sha256(data).hexdigest()
    )
    async with _DECODING:  # decoding is CPU and memory: a worker thread, two at a time
        photo = await asyncio.to_thread(prepare, data)
    command = p.AddPhoto(household_id, kind, photo)
    return await registry.transactions.run(
        p.add_photo, principal, command, respond=_out, once=once, status_code=201
    )


@router.get("", response_model=list[PhotoOut])
async def list_photos(
    household_id: HouseholdKey, principal: PersonalReader, registry: RegistryService
) -> Any:
    rows = await registry.transactions.read(p.list_photos, principal, p.PhotoRef(household_id))
    return [_out(r) for r in rows]


@router.get(
    "/{photo_id}", response_class=Response, responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}}
)
async def read_photo(
    household_id: HouseholdKey,
    photo_id: UuidKey,
    principal: PersonalReader,
    registry: RegistryService,
    purpose: Annotated[str | None, Header(alias="X-Purpose", max_length=300)] = None,
) -> Response:
    query = p.PhotoRef(household_id, photo_id, purpose)
    content_type, data = await registry.transactions.run(p.read_photo, principal, query)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, no-store"})


@router.delete("/{photo_id}", status_code=204, response_class=Response)
async def delete_photo(
    household_id: HouseholdKey, photo_id: UuidKey, principal: FieldTeam, registry: RegistryService
) -> Response:
    await registry.transactions.run(p.delete_photo, principal, p.PhotoRef(household_id, photo_id))
    return Response(status_code=204)
