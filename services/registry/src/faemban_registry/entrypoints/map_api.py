"""The household map: GeoJSON layers and the page that draws them (docs/interfaces.md, "Shape 8").

Served by the registry because it holds the pins. ``/map`` is a static page (no data in it); it
calls the two layers with the user's token, so what it shows is what the token may read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, HTMLResponse

from faemban_domain.errors import FieldError, InvalidInput, NotFound, Unavailable
from faemban_domain.platform.area_query import checked_code
from faemban_domain.platform.auth import AGGREGATE_ROLES, Principal, require_roles
from faemban_registry.entrypoints.dependencies import PersonalReader, Purpose, RegistryService
from faemban_registry.service_layer import household_map as hm

router = APIRouter(tags=["household map"])
Everyone = Annotated[Principal, Depends(require_roles(*AGGREGATE_ROLES))]
AreaParam = Annotated[
    str, Query(min_length=2, max_length=8, description="province, district, subdistrict or village")
]

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor" / "leaflet"
VENDORED = {"leaflet.js": "text/javascript", "leaflet.css": "text/css"}
"""Leaflet from npm, copied here at build time (deploy/local/vendor-leaflet.sh): never a CDN."""


@router.get("/v1/reports/map", responses={200: {"content": {"application/geo+json": {}}}})
async def household_map(
    area: AreaParam, principal: PersonalReader, registry: RegistryService, purpose: Purpose = None
) -> Any:
    """Pinned households as GeoJSON points: ``household_type`` (develop green, welfare red; null
    before verification) and ``critical``. Personal data: field roles in their areas, mentors for
    their own households; every household read is written to the access log (say why: X-Purpose)."""
    if not purpose:
        raise InvalidInput([FieldError("X-Purpose", "say why you read the pins (written to the access log)")])
    query = hm.MapQuery(checked_code(area), purpose)
    return await registry.transactions.run(hm.household_map, principal, query)


@router.get("/v1/reports/map/villages", responses={200: {"content": {"application/geo+json": {}}}})
async def village_map(area: AreaParam, principal: Everyone, registry: RegistryService) -> Any:
    """One point per village (the mean of its pins) with households by type and critical —
    an aggregate for every role; a village with fewer pinned households than the configured
    minimum keeps its counts but shows no point."""
    query = hm.MapQuery(checked_code(area), min_households=registry.map_min_households)
    return await registry.transactions.read(hm.village_map, principal, query)


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
async def map_page() -> HTMLResponse:
    return HTMLResponse((STATIC / "map.html").read_text("utf-8"))


@router.get("/map/vendor/{name}", include_in_schema=False)
async def vendored(name: str) -> FileResponse:
    if name not in VENDORED:
        raise NotFound(name)
    path = VENDOR / name
    if not path.is_file():
        raise Unavailable("Leaflet is not vendored on this server: run deploy/local/vendor-leaflet.sh")
    return FileResponse(path, media_type=VENDORED[name])
