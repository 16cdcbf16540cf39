"""The register summary (ทะเบียนงบหน้า, seed 001): what one household adds to it.

Per area: target households; welfare-card holders and members (persons);
households failing each dimension (a household counts in every dimension it
fails); target poor persons = welfare-card holders of MPI-poor households
(at least one failing indicator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from faemban_domain.indicators import DIMENSIONS

MEASURES = (
    "target_households",
    "welfare_card_holders",
    "members",
    *(f"{d}_households" for d in DIMENSIONS),
    "target_poor_persons",
)

# Thai headers of seed 001's summary table, in its column order.
THAI_HEADERS = {
    "target_households": "จำนวนครัวเรือนเป้าหมาย (ครัวเรือน)",
    "welfare_card_holders": "จำนวนผู้ถือบัตรสวัสดิการแห่งรัฐ (คน)",
    "members": "จำนวนสมาชิกในบ้าน (คน)",
    "health_households": "จำนวน คร. ตกเกณฑ์ ยากจนด้านสุขภาพ (MPI)",
    "living_households": "จำนวน คร. ตกเกณฑ์ ยากจนด้านความเป็นอยู่ (MPI)",
    "education_households": "จำนวน คร. ตกเกณฑ์ ยากจนด้านการศึกษา (MPI)",
    "income_households": "จำนวน คร. ตกเกณฑ์ ยากจนด้านรายได้ (MPI)",
    "access_households": "จำนวน คร. ตกเกณฑ์ ยากจนด้านการเข้าถึงบริการรัฐ (MPI)",
    "target_poor_persons": "จำนวนคนจนเป้าหมาย TPMAP (คน)",
}
LEVEL_HEADER = {"province": "จังหวัด", "district": "อำเภอ", "subdistrict": "ตำบล", "village": "หมู่บ้าน"}
ROW_NO_HEADER = "ที่"
TOTAL_LABEL = "รวม"


def contribution(household: Mapping[str, Any]) -> dict[str, int]:
    """What a register row (members, welfare cards, failing dimensions) adds."""
    dims = set(household["failing_dimensions"])
    mpi_poor = bool(household["failing_indicators"])
    out = {
        "target_households": 1,
        "welfare_card_holders": int(household["welfare_card_holders"]),
        "members": int(household["members"]),
        "target_poor_persons": int(household["welfare_card_holders"]) if mpi_poor else 0,
    }
    for d in DIMENSIONS:
        out[f"{d}_households"] = 1 if d in dims else 0
    return out


def add_up(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(MEASURES, 0)
    for part in parts:
        for k in MEASURES:
            total[k] += part[k]
    return total
