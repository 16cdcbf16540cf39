"""The Alkire–Foster measures of an area (docs/domain.md, "Assessment").

Assessment keeps them as counters and reporting answers the MPI drill-down from its own read
model; both compute H, A and M0 here so the two reports agree on the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

AF_DENOMINATOR_LIMIT = 1_000_000
"""Scores are sums of configured weights split 1–4 ways; their exact fractions have small denominators."""


@lru_cache(maxsize=4096)
def exact_score(af_score: float) -> Fraction:
    """The exact score behind a published float (the event carries c as a JSON number).
    Cached: a rule set yields a few hundred distinct scores, and the projections ask per event."""
    return Fraction(af_score).limit_denominator(AF_DENOMINATOR_LIMIT)


@dataclass(frozen=True, slots=True)
class AlkireFoster:
    k: Fraction | None
    poor: int
    """Households with c ≥ k (c > 0 when k is None: any failing indicator)."""
    H: float
    A: float
    M0: float

    def as_dict(self) -> dict[str, object]:
        return {
            "k": None if self.k is None else str(self.k),
            "poor": self.poor,
            "H": self.H,
            "A": self.A,
            "M0": self.M0,
        }


def alkire_foster(scores: Mapping[Fraction, int], households: int, k: Fraction | None) -> AlkireFoster:
    """H = share of households with c ≥ k, A = mean c among them, M0 = H × A."""
    poor = {c: n for c, n in scores.items() if n and (c > 0 if k is None else c >= k)}
    count = sum(poor.values())
    if not households or not count:
        return AlkireFoster(k, count, 0.0, 0.0, 0.0)
    total = sum(c * n for c, n in poor.items())
    h = Fraction(count, households)
    a = total / count
    return AlkireFoster(k, count, float(h), float(a), float(h * a))
