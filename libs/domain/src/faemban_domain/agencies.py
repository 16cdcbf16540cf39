"""Agencies and the lead agency of each dimension (docs/domain.md, "Lead agencies").

Data, not code: ``data/agencies.json`` lists the agencies plans, cases and the logbook
name by code, and the leads of each dimension in the order the seed gives them; the
first lead is the default lead agency of a plan item about that dimension (or about
one of its indicators). Problems outside the five dimensions ("other": illness, debt,
addiction, violence) are led by the provincial and district administration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from faemban_domain.indicators import DIMENSIONS, Dimension, rule_sets

ProblemArea = Dimension | Literal["other"]
GiverKind = Literal["state", "local_government", "private", "civil_society", "volunteer"]


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name_th: str
    name_en: str
    giver_kind: GiverKind


@dataclass(frozen=True, slots=True)
class Catalogue:
    agencies: dict[str, Agency]
    leads: dict[str, tuple[str, ...]]


@cache
def catalogue() -> Catalogue:
    raw = json.loads(files("faemban_domain").joinpath("data/agencies.json").read_text("utf-8"))
    agencies = {a["code"]: Agency(**a) for a in raw["agencies"]}
    leads = {k: tuple(v) for k, v in raw["leads"].items()}
    missing = [c for codes in leads.values() for c in codes if c not in agencies]
    if missing or set(leads) != {*DIMENSIONS, "other"}:
        raise ValueError(f"agencies.json: leads name unknown agencies {missing} or miss a dimension")
    return Catalogue(agencies, leads)


def is_known(code: str) -> bool:
    return code in catalogue().agencies


def agency(code: str) -> Agency:
    return catalogue().agencies[code]


def leads_of(area: ProblemArea) -> tuple[str, ...]:
    return catalogue().leads[area]


def problem_area(problem: str) -> ProblemArea:
    """The dimension a problem reference belongs to: an indicator's dimension (in any survey
    year's rules), a dimension itself, or "other"."""
    if problem == "other" or problem in DIMENSIONS:
        return problem  # type: ignore[return-value]
    for rules in reversed(rule_sets()):
        if problem in rules.codes:
            return rules.indicator(problem).dimension
    raise KeyError(problem)


def default_lead(problem: str) -> str:
    """The lead agency of a problem: the first lead of its dimension."""
    return leads_of(problem_area(problem))[0]
