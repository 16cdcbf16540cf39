"""Certification routes: the district certifies, the province approves (docs/domain.md, "Certification")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from faemban_domain import campaign
from faemban_domain.errors import FieldError, InvalidInput
from faemban_domain.platform.auth import Principal, require_roles
from faemban_domain.platform.inputs import AreaCode, CEYear
from faemban_registry.entrypoints.dependencies import RegistryService
from faemban_registry.service_layer import certification as c

router = APIRouter(prefix="/v1/certifications", tags=["certification"])
District = Annotated[Principal, Depends(require_roles("district_officer"))]
Province = Annotated[Principal, Depends(require_roles("province_officer"))]


class ReturnIn(BaseModel):
    household_id: str
    reason: str = Field(min_length=1, max_length=1000)


class _Decision(BaseModel):
    survey_year: CEYear | None = Field(default=None, description="CE or BE; default: every survey year")
    returns: list[ReturnIn] = Field(default_factory=list, description="households sent back, each with why")

    def returns_by_id(self) -> dict[str, str]:
        seen: dict[str, str] = {}
        for i, r in enumerate(self.returns):
            if r.household_id in seen:
                raise InvalidInput([FieldError(f"returns[{i}].household_id", "listed twice")])
            seen[r.household_id] = r.reason
        return seen


class DistrictCertificationIn(_Decision):
    subdistrict_code: AreaCode


class ProvinceDecisionIn(_Decision):
    district_code: AreaCode
    decision: Literal["approve", "return"] = "approve"
    reason: str | None = Field(default=None, max_length=1000, description="required to return the whole list")


class CertificationOut(BaseModel):
    area_code: str
    certified: list[str]
    approved: list[str]
    returned: list[str]
    late: bool = Field(description="done after the campaign date of this step")


def _out(result: c.CertificationResult) -> CertificationOut:
    return CertificationOut(**result.__dict__)


@router.post("/district", response_model=CertificationOut)
async def certify_subdistrict(
    body: DistrictCertificationIn, principal: District, registry: RegistryService
) -> Any:
    """Certify every verified household of a subdistrict; the ones listed in ``returns`` go back."""
    command = c.CertifySubdistrict(
        body.subdistrict_code, body.survey_year, body.returns_by_id(), campaign.calendar
    )
    return await registry.transactions.run(c.certify_subdistrict, principal, command, respond=_out)


@router.post("/province", response_model=CertificationOut)
async def decide_district_list(
    body: ProvinceDecisionIn, principal: Province, registry: RegistryService
) -> Any:
    """Approve a district's certified list (returning the listed ones), or return all of it with a reason."""
    command = c.DecideDistrictList(
        body.district_code,
        body.survey_year,
        body.decision == "approve",
        body.reason,
        body.returns_by_id(),
        campaign.calendar,
    )
    return await registry.transactions.run(c.decide_district_list, principal, command, respond=_out)
