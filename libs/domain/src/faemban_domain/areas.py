"""Thai administrative areas (DOPA codes) backed by the geothai package.

Province (2 digits) → district (4) → subdistrict (6) → village (8 = subdistrict
+ 2-digit หมู่ที่). geothai knows provinces, districts and subdistricts; a
village is valid when its subdistrict is, with หมู่ 01–99. Scope checks are a
prefix match on the code, so "everything under 3401" is ``code.startswith``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import geothai

AreaLevel = Literal["province", "district", "subdistrict", "village"]
_LEVEL_BY_LENGTH: dict[int, AreaLevel] = {
    2: "province",
    4: "district",
    6: "subdistrict",
    8: "village",
}
LEVEL_LENGTH: dict[AreaLevel, int] = {v: k for k, v in _LEVEL_BY_LENGTH.items()}


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    level: AreaLevel
    name_th: str
    name_en: str
    parent_code: str | None


def level_of(code: str) -> AreaLevel | None:
    if not code.isdigit():
        return None
    return _LEVEL_BY_LENGTH.get(len(code))


@lru_cache(maxsize=200_000)
def area(code: str) -> Area | None:
    """The area for a DOPA code, or None when no such area exists (cached: imports ask often)."""
    level = level_of(code)
    if level == "province":
        p = geothai.province(code)
        return Area(code, level, p.name_th, p.name_en, None) if p else None
    if level == "district":
        d = geothai.district(code)
        return Area(code, level, d.name_th, d.name_en, code[:2]) if d else None
    if level == "subdistrict":
        s = geothai.subdistrict(code)
        return Area(code, level, s.name_th, s.name_en, code[:4]) if s else None
    if level == "village":
        parent = geothai.subdistrict(code[:6])
        village_no = int(code[6:])
        if parent is None or village_no == 0:
            return None
        return Area(code, level, f"หมู่ที่ {village_no}", f"Village No. {village_no}", code[:6])
    return None


def is_known(code: str) -> bool:
    return area(code) is not None


def children(code: str) -> list[Area]:
    """Direct sub-areas (villages are not enumerable: geothai has none)."""
    level = level_of(code)
    if level == "province":
        return [Area(d.code, "district", d.name_th, d.name_en, code) for d in geothai.districts(code)]
    if level == "district":
        return [Area(s.code, "subdistrict", s.name_th, s.name_en, code) for s in geothai.subdistricts(code)]
    return []


def is_within(code: str, scope: str) -> bool:
    """True when ``code`` lies inside (or is) the area ``scope``."""
    return code.startswith(scope)


def ancestor(code: str, level: AreaLevel) -> str:
    """The code of the enclosing area at ``level`` (``code`` must be at least that deep)."""
    length = LEVEL_LENGTH[level]
    if len(code) < length:
        raise ValueError(f"area {code} is above level {level}")
    return code[:length]
