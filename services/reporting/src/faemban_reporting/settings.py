"""Reporting's configuration (environment variables ``FAEMBAN_REPORTING_*``)."""

from __future__ import annotations

from functools import cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faemban_reporting.domain.kpis import DEFAULT_TARGETS


class ReportingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAEMBAN_REPORTING_", extra="ignore")

    kpi_targets: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    """KPI targets (percent) per survey year over the defaults, as JSON:
    ``{"2024": {"income_rose_and_passes": 85}}`` (docs/domain.md, "KPIs")."""
    thai_font: str | None = None
    """A Thai TrueType font (.ttf) for PDF reports; default the first of Debian's tlwg fonts found."""
    team_max_households: int = Field(default=15, ge=1, le=100)
    """A mentor team with more households than this counts as over its load."""

    @field_validator("kpi_targets")
    @classmethod
    def _known(cls, value: dict[str, dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
        for year, targets in value.items():
            if not year.isdigit() or not 2000 <= int(year) <= 2200:
                raise ValueError(f"kpi_targets: {year!r} is not a survey year")
            unknown = set(targets) - set(DEFAULT_TARGETS)
            if unknown:
                raise ValueError(f"kpi_targets[{year}]: unknown KPIs {sorted(unknown)}")
            for name, target in targets.items():
                if target is not None and not 0 <= target <= 100:
                    raise ValueError(f"kpi_targets[{year}].{name}: a percentage 0–100")
        return value


@cache
def reporting_settings() -> ReportingSettings:
    return ReportingSettings()
