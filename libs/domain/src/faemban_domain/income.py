"""A household's yearly income from its members (docs/domain.md, "Indicators", indicator 22).

The registry computes it when a form is recorded and the assessment again when
members join or leave, so the rule lives here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Earner(Protocol):
    @property
    def annual_income(self) -> float | None: ...


def income_of(members: Sequence[Earner], stated_total: float | None) -> tuple[float | None, float | None]:
    """Total and average yearly income: the stated total, else the sum of the incomes given.

    A member without an income (a child, say) earns 0 once any member's income is
    given; with no income anywhere and no stated total, both are unknown.
    """
    incomes = [m.annual_income for m in members if m.annual_income is not None]
    total = stated_total if stated_total is not None else (float(sum(incomes)) if incomes else None)
    if total is None or not members:
        return total, None
    return total, round(total / len(members), 2)
