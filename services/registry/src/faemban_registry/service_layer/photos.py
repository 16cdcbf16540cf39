"""Household photos: kept, listed, read (logged) and deleted within the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faemban_domain.errors import NotFound
from faemban_domain.photos import PreparedPhoto, stored
from faemban_domain.platform.auth import Principal
from faemban_registry.domain import photos as rules
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork


@dataclass(frozen=True)
class AddPhoto:
    """A photo made fit by ``platform.images.prepare`` (called off the event loop)."""

    household_id: str
    kind: rules.PhotoKind
    photo: PreparedPhoto


@dataclass(frozen=True)
class PhotoRef:
    household_id: str
    photo_id: str = ""
    purpose: str | None = None


async def add_photo(uow: RegistryUnitOfWork, principal: Principal, command: AddPhoto) -> dict[str, Any]:
    await uow.households.load(principal, command.household_id)
    rules.check_room(await uow.photos.count(command.household_id))
    row = {
        **stored(command.photo, command.household_id, principal.sub),
        "household_id": command.household_id,
        "kind": command.kind,
    }
    await uow.photos.add(row, command.photo.data)
    return row


async def list_photos(uow: RegistryUnitOfWork, principal: Principal, query: PhotoRef) -> list[dict[str, Any]]:
    await uow.households.load(principal, query.household_id)
    return await uow.photos.list(query.household_id)


async def read_photo(uow: RegistryUnitOfWork, principal: Principal, query: PhotoRef) -> tuple[str, bytes]:
    await uow.households.load(principal, query.household_id)
    row = await uow.photos.get(query.household_id, query.photo_id)
    if row is None:
        raise NotFound(f"household {query.household_id} has no photo {query.photo_id}")
    await uow.access_log.record(principal, query.household_id, f"photo:{query.photo_id}", query.purpose)
    return row["content_type"], await uow.photos.read(row["blob_key"])


async def delete_photo(uow: RegistryUnitOfWork, principal: Principal, command: PhotoRef) -> None:
    await uow.households.load(principal, command.household_id)
    if not await uow.photos.delete(command.household_id, command.photo_id):
        raise NotFound(f"household {command.household_id} has no photo {command.photo_id}")
