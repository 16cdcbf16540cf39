"""What the registry's routes ask for: its components and who may call them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from faemban_domain.platform.auth import HOUSEHOLD_READERS, PERSONAL_DATA_ROLES, Principal, require_roles
from faemban_domain.platform.service import components_of
from faemban_registry.bootstrap import Registry

RegistryService = Annotated[Registry, Depends(components_of("registry", Registry))]
FieldTeam = Annotated[Principal, Depends(require_roles("ops_team", "district_officer", "province_officer"))]
Reader = Annotated[Principal, Depends(require_roles(*HOUSEHOLD_READERS))]
"""Analysts and partners get aggregates only (docs/domain.md, "Roles"): no single household."""
PersonalReader = Annotated[Principal, Depends(require_roles(*sorted(PERSONAL_DATA_ROLES)))]
"""Photos show people and homes: personal data, only for roles that work with the family."""
Purpose = Annotated[
    str | None,
    Header(
        alias="X-Purpose", max_length=300, description="why personal data is read; written to the access log"
    ),
]
