"""The household map (docs/interfaces.md, "Shape 8"): pins for those who work with the families,
one point per village for everyone else.

A pin read is personal (docs/domain.md, "Personal data"): field roles inside their areas and
mentors for their own households; every household whose pin is returned gets an access-log row
in the transaction of the read, so nothing is served that is not logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faemban_domain import areas
from faemban_domain.errors import FieldError, InvalidInput, NotPermitted
from faemban_domain.platform.area_query import visible_within
from faemban_domain.platform.auth import FIELD_ROLES, Principal
from faemban_registry.adapters import household_map as pins
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork

MAX_PINS = 50_000
"""More pins than a browser map shows usefully: ask for a district instead."""


@dataclass(frozen=True)
class MapQuery:
    area: str
    purpose: str | None = None
    min_households: int = 5


def _feature(lon: float | None, lat: float | None, properties: dict[str, Any]) -> dict[str, Any]:
    geometry = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


async def household_map(uow: RegistryUnitOfWork, principal: Principal, query: MapQuery) -> dict[str, Any]:
    """Pinned households with type (develop green / welfare red) and critical; each read logged."""
    visible = visible_within(principal, query.area)
    if principal.roles & FIELD_ROLES:
        mentor = None
    elif "mentor" in principal.roles:
        mentor = principal.sub
    else:
        raise NotPermitted("household pins are personal data: field roles and mentors only")
    rows = await pins.household_pins(uow.conn, query.area, visible, mentor, MAX_PINS)
    if len(rows) > MAX_PINS:
        raise InvalidInput(
            [FieldError("area", f"more than {MAX_PINS:,} pinned households: ask for a district")]
        )
    await uow.access_log.record_many(principal, [r["household_id"] for r in rows], "map_pin", query.purpose)
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                r["lon"],
                r["lat"],
                {
                    "household_id": r["household_id"],
                    "area_code": r["area_code"],
                    "household_type": r["household_type"],
                    "critical": bool(r["critical"]),
                },
            )
            for r in rows
        ],
    }


async def village_map(uow: RegistryUnitOfWork, principal: Principal, query: MapQuery) -> dict[str, Any]:
    """One point per village (the mean of its pins) with counts by type; no single household."""
    visible = visible_within(principal, query.area)
    features = []
    for r in await pins.village_points(uow.conn, query.area, visible):
        shown = r["households"] >= query.min_households
        sub = areas.area(r["area_code"][:6])
        features.append(
            _feature(
                round(float(r["lon"]), 5) if shown else None,
                round(float(r["lat"]), 5) if shown else None,
                {
                    "area_code": r["area_code"],
                    "subdistrict_name_th": sub.name_th if sub else None,
                    "households": int(r["households"]),
                    "develop": int(r["develop"]),
                    "welfare": int(r["welfare"]),
                    "unverified": int(r["unverified"]),
                    "critical": int(r["critical"]),
                },
            )
        )
    return {"type": "FeatureCollection", "min_households": query.min_households, "features": features}
