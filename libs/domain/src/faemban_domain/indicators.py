"""The TPMAP MPI indicator catalogue, versioned by survey year.

The indicator set and the income threshold belong to a survey year (DOMAIN.md
§5): they are data in ``data/indicators.json``, not constants, so that the next
survey adds a rule set without touching code and old assessments keep theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

Dimension = Literal["health", "living", "education", "income", "access"]
DIMENSIONS: tuple[Dimension, ...] = ("health", "living", "education", "income", "access")
AppliesWhen = Literal[
    "always",
    "newborn",
    "age_6_plus",
    "age_3_5",
    "age_6_14",
    "m3_graduate",
    "age_15_59",
    "age_60_plus",
    "disabled_member",
]


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    code: Dimension
    label_th: str
    label_en: str


@dataclass(frozen=True, slots=True)
class SubItem:
    """One practice a ศจพ.2 question breaks into; the indicator is met only if all are."""

    label_th: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    jpt_no: int
    """Number in the Basic Minimum Needs survey (จปฐ.)."""
    sjp2_no: int
    """Question number on form ศจพ.2."""
    sjp1_column: str
    """Column header on the target register form ศจพ.1."""
    dimension: Dimension
    label_th: str
    label_en: str
    applies_when: AppliesWhen
    sub_items: tuple[SubItem, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """Compared by identity: rule sets are loaded once and looked up often."""

    effective_from_survey_year: int
    income_threshold_baht: int
    indicators: tuple[Indicator, ...]
    codes: frozenset[str]

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def by_dimension(self, dimension: Dimension) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.dimension == dimension)


@cache
def _catalogue() -> tuple[tuple[DimensionInfo, ...], tuple[RuleSet, ...]]:
    raw = json.loads(files("faemban_domain").joinpath("data/indicators.json").read_text("utf-8"))
    dims = tuple(DimensionInfo(**d) for d in raw["dimensions"])
    sets = tuple(
        RuleSet(
            effective_from_survey_year=rs["effective_from_survey_year"],
            income_threshold_baht=rs["income_threshold_baht"],
            indicators=tuple(
                Indicator(**{**i, "sub_items": tuple(SubItem(**x) for x in i.get("sub_items", ()))})
                for i in rs["indicators"]
            ),
            codes=frozenset(i["code"] for i in rs["indicators"]),
        )
        for rs in raw["rule_sets"]
    )
    return dims, tuple(sorted(sets, key=lambda s: s.effective_from_survey_year))


def dimensions() -> tuple[DimensionInfo, ...]:
    return _catalogue()[0]


@cache
def rule_set(survey_year: int) -> RuleSet:
    """The rule set in force for a survey year (CE): the latest one not after it."""
    candidates = [s for s in _catalogue()[1] if s.effective_from_survey_year <= survey_year]
    if not candidates:
        raise LookupError(f"no indicator rule set covers survey year {survey_year}")
    return candidates[-1]


def latest_rule_set() -> RuleSet:
    return _catalogue()[1][-1]
