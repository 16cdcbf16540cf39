"""Every environment variable the code reads is a settings field, and the README lists it."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from faemban_assistance_log.settings import AssistanceLogSettings
from faemban_cli.settings import CliSettings
from faemban_domain.platform.settings import CatalogueSettings, DatabaseSettings, PlatformSettings
from faemban_planning.settings import PlanningSettings
from faemban_registry.settings import RegistrySettings
from faemban_reporting.settings import ReportingSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: tuple[type[BaseSettings], ...] = (
    PlatformSettings,
    DatabaseSettings,
    CatalogueSettings,
    RegistrySettings,
    PlanningSettings,
    AssistanceLogSettings,
    ReportingSettings,
    CliSettings,
)


def variables(cls: type[BaseSettings]) -> list[list[str]]:
    """Each field's accepted variable names (any one of them documented is enough)."""
    prefix = str(cls.model_config.get("env_prefix") or "")
    out = []
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            out.append([str(choice) for choice in alias.choices])
        else:
            out.append([(prefix + name).upper()])
    return out


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = []
    for cls in SETTINGS:
        for names in variables(cls):
            documented = any(f"`{n}`" in readme for n in names)
            per_service = (
                any(n.endswith("_DATABASE_URL") for n in names) and "`<SERVICE>_DATABASE_URL`" in readme
            )
            if not (documented or per_service):
                missing.append(f"{cls.__name__}: {names}")
    assert missing == []
