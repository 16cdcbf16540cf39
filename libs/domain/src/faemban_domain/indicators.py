"""The TPMAP MPI indicator catalogue and assessment rules, versioned by survey year.

The indicator set, the income threshold and the assessment's parameters (the
100,000-baht low-income line, dependant ages, Alkire–Foster weights and cutoff)
belong to a survey year (docs/domain.md, "Indicators" and "Assessment"): they are data, not constants. The
packaged rule sets live in ``data/indicators.json``; a deployment adds the next
survey year's rules without a release by pointing ``FAEMBAN_RULE_SETS`` at a JSON
file (or inline JSON) of further rule sets. Every service reads the same
setting, so the registry's checks and the assessment agree on a year's rules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from faemban_domain.platform.settings import catalogue_settings

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


_SURVIVE: tuple[Dimension, ...] = ("income", "living", "health")


@dataclass(frozen=True, slots=True)
class AssessmentParameters:
    """What docs/domain.md, "Assessment" leaves to configuration; the defaults are the seeds' values."""

    low_income_line_baht: float = 100_000
    """Average income per person per year at or below which a household has low income."""
    child_max_age: int = 14
    """Dependants: members aged 0 to this age …"""
    elderly_min_age: int = 60
    """… or this age and over (disabled and bedridden members always count)."""
    dimension_weights: tuple[tuple[Dimension, float], ...] = tuple((d, 0.2) for d in DIMENSIONS)
    """Alkire–Foster weight of each dimension, split equally among its applicable indicators."""
    cutoff_k: float | None = None
    """Default AF poverty cutoff; None is the TPMAP rule's equivalent (any failing indicator, c > 0)."""
    critical_min_dimensions: int = 3
    """Deprived dimensions that make a household critical (seed 002: 3 of 5)."""
    survive_dimensions: tuple[Dimension, ...] = _SURVIVE
    """Dimensions a household must not be deprived in to "survive" (อยู่รอด)."""

    def weight(self, dimension: Dimension) -> float:
        return dict(self.dimension_weights)[dimension]


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """Compared by identity: rule sets are loaded once and looked up often."""

    effective_from_survey_year: int
    income_threshold_baht: int
    indicators: tuple[Indicator, ...]
    codes: frozenset[str]
    assessment: AssessmentParameters = field(default_factory=AssessmentParameters)

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def by_dimension(self, dimension: Dimension) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.dimension == dimension)

    @property
    def fingerprint(self) -> str:
        """Names these exact rules, so every assessment says which rules made it."""
        return _fingerprint(self)


@cache
def _fingerprint(rs: RuleSet) -> str:
    """Computed once per rule set (rule sets are loaded once and compared by identity)."""
    a = rs.assessment
    canonical = json.dumps(
        {
            "year": rs.effective_from_survey_year,
            "threshold": rs.income_threshold_baht,
            "indicators": [(i.code, i.dimension, i.applies_when) for i in rs.indicators],
            "assessment": [
                a.low_income_line_baht,
                a.child_max_age,
                a.elderly_min_age,
                list(a.dimension_weights),
                a.cutoff_k,
                a.critical_min_dimensions,
                list(a.survive_dimensions),
            ],
        },
        sort_keys=True,
    )
    return f"{rs.effective_from_survey_year}:{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


class _AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low_income_line_baht: float = Field(default=100_000, gt=0)
    child_max_age: int = Field(default=14, ge=0, le=130)
    elderly_min_age: int = Field(default=60, ge=1, le=130)
    dimension_weights: dict[Dimension, float] = Field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 0.2))
    cutoff_k: float | None = Field(default=None, gt=0, le=1)
    critical_min_dimensions: int = Field(default=3, ge=1, le=5)
    survive_dimensions: list[Dimension] = Field(default_factory=lambda: list(_SURVIVE))

    @model_validator(mode="after")
    def _weights(self) -> _AssessmentIn:
        if set(self.dimension_weights) != set(DIMENSIONS):
            raise ValueError(f"dimension_weights must name every dimension {list(DIMENSIONS)}")
        if any(w < 0 for w in self.dimension_weights.values()):
            raise ValueError("dimension_weights must not be negative")
        if abs(sum(self.dimension_weights.values()) - 1) > 1e-9:
            raise ValueError("dimension_weights must add up to 1")
        if self.child_max_age >= self.elderly_min_age:
            raise ValueError("child_max_age must be below elderly_min_age")
        return self

    def build(self) -> AssessmentParameters:
        return AssessmentParameters(
            low_income_line_baht=self.low_income_line_baht,
            child_max_age=self.child_max_age,
            elderly_min_age=self.elderly_min_age,
            dimension_weights=tuple((d, self.dimension_weights[d]) for d in DIMENSIONS),
            cutoff_k=self.cutoff_k,
            critical_min_dimensions=self.critical_min_dimensions,
            survive_dimensions=tuple(dict.fromkeys(self.survive_dimensions)),
        )


class _RuleSetIn(BaseModel):
    """One rule set: full indicators, or ``based_on`` an earlier year's (optionally a subset)."""

    model_config = ConfigDict(extra="forbid")

    effective_from_survey_year: int = Field(ge=2000, le=2200)
    income_threshold_baht: int | None = Field(default=None, gt=0)
    based_on: int | None = None
    indicator_codes: list[str] | None = None
    indicators: list[dict[str, Any]] | None = None
    assessment: _AssessmentIn = Field(default_factory=_AssessmentIn)

    @model_validator(mode="after")
    def _source(self) -> _RuleSetIn:
        if (self.based_on is None) == (self.indicators is None):
            raise ValueError("give either indicators or based_on (an earlier survey year)")
        if self.indicators is not None and self.income_threshold_baht is None:
            raise ValueError("income_threshold_baht is required with indicators")
        return self


def _indicator(raw: Mapping[str, Any]) -> Indicator:
    return Indicator(**{**raw, "sub_items": tuple(SubItem(**x) for x in raw.get("sub_items", ()))})


def _build(spec: _RuleSetIn, earlier: list[RuleSet]) -> RuleSet:
    if spec.indicators is not None:
        inds = tuple(_indicator(i) for i in spec.indicators)
        threshold = spec.income_threshold_baht
    else:
        base = [s for s in earlier if s.effective_from_survey_year <= (spec.based_on or 0)]
        if not base:
            raise ValueError(f"based_on {spec.based_on}: no earlier rule set covers that year")
        inds = base[-1].indicators
        if spec.indicator_codes is not None:
            unknown = set(spec.indicator_codes) - {i.code for i in inds}
            if unknown:
                raise ValueError(f"indicator_codes not in the base rule set: {sorted(unknown)}")
            inds = tuple(i for i in inds if i.code in spec.indicator_codes)
        threshold = spec.income_threshold_baht or base[-1].income_threshold_baht
    assert threshold is not None
    return RuleSet(
        effective_from_survey_year=spec.effective_from_survey_year,
        income_threshold_baht=threshold,
        indicators=inds,
        codes=frozenset(i.code for i in inds),
        assessment=spec.assessment.build(),
    )


def _packaged() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(
        files("faemban_domain").joinpath("data/indicators.json").read_text("utf-8")
    )
    return raw


def _configured_text(setting: str) -> str:
    """Inline JSON as is; a path is read (again only when the file changes)."""
    setting = setting.strip()
    if not setting or setting[0] in "[{":
        return setting
    path = Path(setting)
    return _read(path, path.stat().st_mtime_ns)


@cache
def _read(path: Path, mtime_ns: int) -> str:
    return path.read_text("utf-8")


@cache
def _catalogue(configured: str = "") -> tuple[tuple[DimensionInfo, ...], tuple[RuleSet, ...]]:
    raw = _packaged()
    dims = tuple(DimensionInfo(**d) for d in raw["dimensions"])
    specs = list(raw["rule_sets"])
    if configured:
        try:
            extra = json.loads(configured)
        except ValueError as exc:
            raise ValueError(f"FAEMBAN_RULE_SETS is not JSON: {exc}") from exc
        specs += extra["rule_sets"] if isinstance(extra, dict) else extra
    sets: list[RuleSet] = []
    try:
        for spec in sorted(
            (_RuleSetIn.model_validate(s) for s in specs), key=lambda s: s.effective_from_survey_year
        ):
            if any(s.effective_from_survey_year == spec.effective_from_survey_year for s in sets):
                raise ValueError(f"two rule sets for survey year {spec.effective_from_survey_year}")
            sets.append(_build(spec, sets))
    except ValidationError as exc:
        raise ValueError(f"invalid rule set: {exc}") from exc
    return dims, tuple(sets)


def _current(configured: str | None = None) -> tuple[tuple[DimensionInfo, ...], tuple[RuleSet, ...]]:
    setting = configured if configured is not None else catalogue_settings().rule_sets
    return _catalogue(_configured_text(setting))


def dimensions() -> tuple[DimensionInfo, ...]:
    return _current()[0]


def rule_sets(configured: str | None = None) -> tuple[RuleSet, ...]:
    """Every rule set in force: the packaged ones and those ``FAEMBAN_RULE_SETS`` adds."""
    return _current(configured)[1]


def rule_set(survey_year: int, configured: str | None = None) -> RuleSet:
    """The rule set in force for a survey year (CE): the latest one not after it."""
    candidates = [s for s in rule_sets(configured) if s.effective_from_survey_year <= survey_year]
    if not candidates:
        raise LookupError(f"no indicator rule set covers survey year {survey_year}")
    return candidates[-1]


def rules_for(survey_year: int) -> RuleSet:
    """The rules that judge a survey year: its rule set, or the earliest one for a year before
    every rule set (assessment and the KPIs read a household's year the same way)."""
    try:
        return rule_set(survey_year)
    except LookupError:
        return rule_sets()[0]


def latest_rule_set(configured: str | None = None) -> RuleSet:
    return rule_sets(configured)[-1]
