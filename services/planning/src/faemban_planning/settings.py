"""Planning's configuration (environment variables ``FAEMBAN_PLANNING_*``)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlanningSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAEMBAN_PLANNING_", extra="ignore")

    team_max_households: int = Field(default=15, ge=1, le=100)
    """The most households one mentor team looks after (docs/domain.md, "Plans": 10–15)."""
    case_sla_days: dict[str, int] = Field(
        default_factory=lambda: {"subdistrict": 15, "district": 30, "province": 60, "national": 90}
    )
    """Days a case may wait at each level before it is flagged overdue (JSON)."""


@cache
def planning_settings() -> PlanningSettings:
    return PlanningSettings()
