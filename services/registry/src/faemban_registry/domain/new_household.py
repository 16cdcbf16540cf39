"""Form ศจพ.2: the 17 indicator questions of a household TPMAP missed.

Seed 002 (ภาคผนวก ง): each question is answered yes ("met", no problem) or
no ("fails"); six are broken into sub-items and are met only when every
sub-item is. docs/domain.md, "Indicators" adds the contradictions: "fails" where no member
makes the indicator apply, or "not applicable" where one does, is refused
with the indicator and the reason. ``income.average_income`` is computed
from the members' incomes when they are given, not asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from faemban_domain.applicability import applies, why_applies, why_not
from faemban_domain.errors import FieldError
from faemban_domain.events.contracts import MemberFacts
from faemban_domain.income import income_of
from faemban_domain.indicators import RuleSet

Answer = Literal["met", "fails", "not_applicable"]
AVERAGE_INCOME = "income.average_income"


@dataclass(frozen=True)
class IndicatorAnswer:
    answer: Answer | None = None
    sub_items: tuple[bool, ...] | None = None


@dataclass(frozen=True)
class Assessed:
    """The form's outcome: a result for every indicator and the income figures used."""

    results: dict[str, dict[str, str]]
    total_income: float | None
    average_income: float | None


def evaluate(
    rules: RuleSet,
    answers: Mapping[str, IndicatorAnswer],
    members: Sequence[MemberFacts],
    stated_total_income: float | None = None,
) -> tuple[Assessed | None, list[FieldError]]:
    errors: list[FieldError] = []
    for code in answers:
        if code not in rules.codes:
            errors.append(FieldError(f"indicators.{code}", "unknown indicator"))
    total, average = income_of(members, stated_total_income)
    results: dict[str, dict[str, str]] = {}
    for ind in rules.indicators:
        where = f"indicators.{ind.code}"
        given = answers.get(ind.code, IndicatorAnswer())
        result: Answer | None = given.answer
        if given.sub_items is not None:
            if len(given.sub_items) != len(ind.sub_items):
                errors.append(
                    FieldError(
                        f"{where}.sub_items",
                        f"{ind.code} has {len(ind.sub_items)} sub-items, {len(given.sub_items)} given",
                    )
                )
                continue
            from_items: Answer = "met" if all(given.sub_items) else "fails"
            if result in ("met", "fails") and result != from_items:
                errors.append(FieldError(where, f"answered {result} but its sub-items say {from_items}"))
                continue
            result = from_items
        if ind.code == AVERAGE_INCOME and average is not None:
            computed: Answer = "met" if average >= rules.income_threshold_baht else "fails"
            if result in ("met", "fails") and result != computed:
                errors.append(
                    FieldError(
                        where,
                        f"computed from the members' incomes: {average:,.0f} baht per person per year is "
                        f"{'at least' if computed == 'met' else 'below'} {rules.income_threshold_baht:,}",
                    )
                )
                continue
            result = computed
        applicable = applies(ind, members)
        if result is None:
            if applicable:
                errors.append(FieldError(where, f"answer met or fails: {why_applies(ind)}"))
                continue
            result = "not_applicable"
        elif result == "fails" and not applicable:
            errors.append(FieldError(where, f"{ind.code} cannot fail: {why_not(ind)}"))
            continue
        elif result == "not_applicable" and applicable:
            errors.append(FieldError(where, f"{ind.code} is applicable: {why_applies(ind)}"))
            continue
        elif result == "met" and not applicable:
            result = "not_applicable"
        results[ind.code] = {"result": result, "established_by": "new" if result == "fails" else "answered"}
    if errors:
        return None, errors
    return Assessed(results, total, average), []
