"""Area measures from households' assessments (docs/domain.md, "Assessment"), kept as counters.

A household contributes +1 to a set of named measures; when its assessment
changes the old set is taken away and the new one added. Any area's summary
is then a sum of counters, and the Alkire–Foster H, A and M0 for any cutoff k
follow from how many households have each exact score c.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from faemban_domain import indicators
from faemban_domain.alkire_foster import alkire_foster, exact_score

HOUSEHOLDS = "households"
SCORE_PREFIX = "c:"
INDICATOR_PREFIX = "indicator:"
DIMENSION_PREFIX = "dimension:"
OUTCOMES = ("none", "survive", "sufficient", "sustainable")


def contributions(a: Mapping[str, Any]) -> list[str]:
    """The measures one household's assessment (the published data) counts in."""
    out = [HOUSEHOLDS, f"level:{a['vulnerability_level']}", f"outcome:{a['outcome']}"]
    out += [name for name in ("mpi_poor", "critical", "tpmap_poor_latest", "survive") if a[name]]
    out += [f"{INDICATOR_PREFIX}{c}" for c in a["failing_indicators"]]
    out += [f"{DIMENSION_PREFIX}{d}" for d in a["deprived_dimensions"]]
    out.append(f"{SCORE_PREFIX}{exact_score(a['af_score'])}")
    return out


def scores_of(counters: Mapping[str, int]) -> dict[Fraction, int]:
    return {Fraction(m[len(SCORE_PREFIX) :]): n for m, n in counters.items() if m.startswith(SCORE_PREFIX)}


def priority_key(level: int, critical: bool, af_score: float, household_id: str) -> str:
    """Sorts ascending as home visits go: level 3 → 0, critical first, higher c first, then id."""
    return f"{3 - level}{0 if critical else 1}{float(1 - exact_score(af_score)):.12f}|{household_id}"


def area_measures(counters: Mapping[str, int], k: Fraction | None) -> dict[str, Any]:
    """An area's summary from its summed counters (the names ``contributions`` gives them)."""
    households = counters.get(HOUSEHOLDS, 0)
    af = alkire_foster(scores_of(counters), households, k)
    codes = [i.code for i in indicators.latest_rule_set().indicators]
    seen = {m[len(INDICATOR_PREFIX) :] for m in counters if m.startswith(INDICATOR_PREFIX)}
    codes += sorted(seen - set(codes))
    return {
        "households": households,
        "mpi_poor": counters.get("mpi_poor", 0),
        "critical": counters.get("critical", 0),
        "tpmap_poor_latest": counters.get("tpmap_poor_latest", 0),
        "indicators": {c: counters.get(f"{INDICATOR_PREFIX}{c}", 0) for c in codes},
        "dimensions": {d: counters.get(f"{DIMENSION_PREFIX}{d}", 0) for d in indicators.DIMENSIONS},
        "alkire_foster": af.as_dict(),
        "vulnerability_levels": {str(level): counters.get(f"level:{level}", 0) for level in range(4)},
        "outcomes": {o: counters.get(f"outcome:{o}", 0) for o in OUTCOMES},
    }
