"""The district certifies, the province approves or returns (docs/domain.md, "Certification")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from faemban_domain import areas
from faemban_domain.campaign import CampaignCalendar
from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.events.contracts import CertificationLevel
from faemban_domain.platform.auth import Principal
from faemban_registry.domain.household import Decision
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork


@dataclass(frozen=True)
class CertificationResult:
    area_code: str
    certified: list[str]
    approved: list[str]
    returned: list[str]
    late: bool


@dataclass(frozen=True)
class CertifySubdistrict:
    """The district (ศจพ.อ.) certifies a subdistrict's verified households, returning the named ones."""

    subdistrict_code: str
    survey_year: int | None
    returns: Mapping[str, str]
    campaign: Callable[[int], CampaignCalendar]


@dataclass(frozen=True)
class DecideDistrictList:
    """The province (ศจพ.จ.) approves a district's certified list, or returns it (or some) with a reason."""

    district_code: str
    survey_year: int | None
    approve: bool
    reason: str | None
    returns: Mapping[str, str]
    campaign: Callable[[int], CampaignCalendar]


def _known(code: str, level: areas.AreaLevel, where: str) -> None:
    if areas.level_of(code) != level or not areas.is_known(code):
        raise InvalidInput([FieldError(where, f"not a known {level}: {code}")])


async def certify_subdistrict(
    uow: RegistryUnitOfWork, principal: Principal, command: CertifySubdistrict
) -> CertificationResult:
    _known(command.subdistrict_code, "subdistrict", "subdistrict_code")
    return await _decide(
        uow,
        principal,
        command.subdistrict_code,
        "district",
        command.survey_year,
        command.returns,
        command.campaign,
        accepted="certify",
    )


async def decide_district_list(
    uow: RegistryUnitOfWork, principal: Principal, command: DecideDistrictList
) -> CertificationResult:
    _known(command.district_code, "district", "district_code")
    if not command.approve and not (command.reason or "").strip():
        raise InvalidInput([FieldError("reason", "say why the list goes back")])
    return await _decide(
        uow,
        principal,
        command.district_code,
        "province",
        command.survey_year,
        command.returns,
        command.campaign,
        accepted="approve" if command.approve else None,
        return_all_reason=None if command.approve else command.reason,
    )


async def _decide(
    uow: RegistryUnitOfWork,
    principal: Principal,
    area_code: str,
    level: CertificationLevel,
    survey_year: int | None,
    returns: Mapping[str, str],
    campaign: Callable[[int], CampaignCalendar],
    accepted: Decision | None,
    return_all_reason: str | None = None,
) -> CertificationResult:
    """One district or province decision over an area's list, in one transaction."""
    principal.ensure_area(area_code)
    now = datetime.now(UTC)
    pending = "verified" if level == "district" else "certified"
    listed = await uow.index.ids_in(area_code, pending, survey_year)
    errors = [
        FieldError(f"returns.{hid}", f"is not a {pending} household of {area_code}")
        for hid in returns
        if hid not in listed
    ]
    if errors:
        raise InvalidInput(errors)
    if not listed:
        raise NotFound(
            f"no {pending} households in {area_code}" + (f" for {survey_year}" if survey_year else "")
        )
    done: dict[Decision, list[str]] = {"certify": [], "approve": [], "return": []}
    late = False
    for hid in listed:
        household = await uow.households.get(hid)
        assert household is not None
        calendar = campaign(household.survey_year)
        reason = returns.get(hid) or return_all_reason
        decision: Decision | None = "return" if reason is not None else accepted
        if decision is None:
            continue
        household.decide(decision, level, now, calendar, reason)
        done[decision].append(hid)
        late = late or calendar.is_late(level, now)
    return CertificationResult(
        area_code=area_code,
        certified=done["certify"],
        approved=done["approve"],
        returned=done["return"],
        late=late,
    )
