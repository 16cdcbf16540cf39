"""What planning's routes ask for: its components and who may call them (docs/domain.md, "Roles")."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from faemban_domain import bounds
from faemban_domain.platform.auth import FIELD_ROLES, Principal, require_roles
from faemban_domain.platform.inputs import AreaCode
from faemban_domain.platform.service import components_of
from faemban_planning.bootstrap import Planning

PlanningService = Annotated[Planning, Depends(components_of("planning", Planning))]
District = Annotated[Principal, Depends(require_roles("district_officer"))]
"""The district centre appoints teams, assigns households and decides budget cases."""
Planner = Annotated[Principal, Depends(require_roles("mentor", "ops_team"))]
"""The mentor team plans with the family; the subdistrict's operations team may too."""
Reader = Annotated[Principal, Depends(require_roles(*sorted(FIELD_ROLES | {"mentor", "admin"})))]
"""Analysts and partners see plans and cases only as report aggregates, never one household's."""
OfficeReader = Annotated[Principal, Depends(require_roles(*sorted(FIELD_ROLES | {"admin"})))]
CaseActor = Annotated[Principal, Depends(require_roles(*sorted(FIELD_ROLES | {"admin"})))]
"""Each level's own centre acts on a case (checked against the case's level in the domain)."""
OpsTeam = Annotated[Principal, Depends(require_roles("ops_team"))]
EntityKey = Annotated[str, Path(pattern=bounds.ENTITY_ID_PATTERN, max_length=64)]
AreaFilter = Annotated[AreaCode | None, Query(description="area code prefix; default: every area you hold")]
Limit = Annotated[int, Query(ge=1, le=500)]
