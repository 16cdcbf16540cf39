"""Household photos: upload (checked by content), list, read (logged), delete."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Header, Request, Response, UploadFile
from pydantic import BaseModel

from faemban_domain.bounds import Instant
from faemban_domain.platform.auth import PERSONAL_DATA_ROLES, Principal, require_roles
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import HouseholdKey, UuidKey
from faemban_domain.platform.service import ServiceRuntime, runtime_of
from faemban_registry.adapters.blobs import BlobStore
from faemban_registry.adapters.event_store import households
from faemban_registry.adapters.images import prepare
from faemban_registry.domain.photos import MAX_BYTES, PhotoKind
from faemban_registry.service_layer import handlers

router = APIRouter(prefix="/v1/households/{household_id}/photos", tags=["photos"])
Runtime = Annotated[ServiceRuntime, Depends(runtime_of("registry"))]
FieldTeam = Annotated[Principal, Depends(require_roles("ops_team", "district_officer", "province_officer"))]
PhotoReader = Annotated[Principal, Depends(require_roles(*sorted(PERSONAL_DATA_ROLES)))]
"""Photos show people and homes: personal data, only for roles that work with the family."""


_DECODING = asyncio.Semaphore(2)


def _blobs(runtime: ServiceRuntime) -> BlobStore:
    store: BlobStore = runtime.state["blobs"]
    return store


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
    request: Request,
    principal: FieldTeam,
    runtime: Runtime,
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
    async with runtime.transaction() as conn:
        if (replayed := await once.replay(conn)) is not None:
            return replayed
        row = await handlers.add_photo(
            conn, households, _blobs(runtime), principal, household_id, kind, photo
        )
        out = _out(row)
        await once.remember(conn, 201, out)
    return out


@router.get("", response_model=list[PhotoOut])
async def list_photos(household_id: HouseholdKey, principal: PhotoReader, runtime: Runtime) -> list[PhotoOut]:
    async with runtime.reading() as conn:
        rows = await handlers.list_photos(conn, households, principal, household_id)
    return [_out(r) for r in rows]


@router.get(
    "/{photo_id}", response_class=Response, responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}}
)
async def read_photo(
    household_id: HouseholdKey,
    photo_id: UuidKey,
    principal: PhotoReader,
    runtime: Runtime,
    purpose: Annotated[str | None, Header(alias="X-Purpose", max_length=300)] = None,
) -> Response:
    async with runtime.transaction() as conn:
        content_type, data = await handlers.read_photo(
            conn, households, _blobs(runtime), principal, household_id, photo_id, purpose
        )
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, no-store"})


@router.delete("/{photo_id}", status_code=204, response_class=Response)
async def delete_photo(
    household_id: HouseholdKey, photo_id: UuidKey, principal: FieldTeam, runtime: Runtime
) -> Response:
    async with runtime.transaction() as conn:
        await handlers.delete_photo(conn, households, _blobs(runtime), principal, household_id, photo_id)
    return Response(status_code=204)
