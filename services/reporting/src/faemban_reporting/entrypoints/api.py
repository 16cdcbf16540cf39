"""HTTP routes of reporting (read-only, PII-free by construction)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from faemban_domain import areas
from faemban_domain.bounds import Instant
from faemban_domain.campaign import day_start
from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.platform.area_query import checked_area, checked_code, visible_within
from faemban_domain.platform.auth import AGGREGATE_ROLES, HOUSEHOLD_READERS, Principal, require_roles
from faemban_domain.platform.inputs import CUTOFF_FORMAT, CEYear, HouseholdKey, parse_cutoff
from faemban_domain.platform.service import ServiceRuntime, runtime_of
from faemban_reporting.adapters.exports import (
    escalations_table,
    kpis_table,
    monthly_sections,
    monthly_title,
    mpi_table,
    progress_table,
    sections_csv,
    summary_table,
    table_csv,
    table_xlsx,
)
from faemban_reporting.adapters.pdf import render_pdf, thai_font
from faemban_reporting.domain.kpis import targets_for
from faemban_reporting.service_layer.queries import households
from faemban_reporting.service_layer.queries.escalations import escalations
from faemban_reporting.service_layer.queries.kpis import kpis, latest_survey_year
from faemban_reporting.service_layer.queries.monthly import Month, monthly
from faemban_reporting.service_layer.queries.mpi import mpi
from faemban_reporting.service_layer.queries.register_summary import register_summary
from faemban_reporting.service_layer.queries.verification_progress import verification_progress
from faemban_reporting.settings import reporting_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(tags=["reporting"])
Runtime = Annotated[ServiceRuntime, Depends(runtime_of("reporting"))]
Viewer = Annotated[Principal, Depends(require_roles(*HOUSEHOLD_READERS))]
"""One household's timeline: not for analysts and partners (aggregates only)."""
Analyst = Annotated[Principal, Depends(require_roles(*AGGREGATE_ROLES))]
"""Area aggregates: every role, within its scope."""


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    source: str
    sequence: int | None
    time: Instant
    area_code: str | None
    correlation_id: str | None
    data: dict[str, Any]


class Timeline(BaseModel):
    household_id: str
    events: list[TimelineEntry]


@router.get("/v1/households/{household_id}/timeline", response_model=Timeline)
async def household_timeline(household_id: HouseholdKey, principal: Viewer, runtime: Runtime) -> Timeline:
    async with runtime.reading() as conn:
        rows = await households.timeline(conn, household_id)
    if not rows:
        raise NotFound(f"no events for household {household_id}")
    area_code = next((r["area_code"] for r in reversed(rows) if r["area_code"]), None)
    if area_code is None:
        raise NotFound(f"household {household_id} has no area yet")
    mentor = "mentor" in principal.roles and principal.sub in households.mentors_of(rows)
    principal.ensure_household(household_id, area_code, mentor)
    return Timeline(
        household_id=household_id,
        events=[
            TimelineEntry(
                event_id=r["event_id"],
                type=r["event_type"],
                source=r["source"],
                sequence=r["sequence"],
                time=r["occurred_at"],
                area_code=r["area_code"],
                correlation_id=r["correlation_id"],
                data=r["data"],
            )
            for r in rows
        ],
    )


class DimensionHouseholds(BaseModel):
    health: int
    living: int
    education: int
    income: int
    access: int


class SummaryMeasures(BaseModel):
    target_households: int
    welfare_card_holders: int
    members: int
    dimension_households: DimensionHouseholds
    target_poor_persons: int


class SummaryRow(SummaryMeasures):
    area_code: str
    area_name_th: str


class RegisterSummary(BaseModel):
    area: str
    level: areas.AreaLevel
    cohort_year: int | None
    rows: list[SummaryRow]
    total: SummaryMeasures


@router.get(
    "/v1/reports/register-summary",
    response_model=RegisterSummary,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def register_summary_report(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[
        str, Query(min_length=2, max_length=6, description="province, district or subdistrict code")
    ],
    level: Annotated[areas.AreaLevel, Query()] = "district",
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    cohort_year: Annotated[CEYear | None, Query(description="CE or BE; all cohorts when absent")] = None,
) -> Any:
    """ทะเบียนงบหน้า: per sub-area of ``area`` at ``level``, sorted by target households."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    async with runtime.reading() as conn:
        summary = await register_summary(conn, area, level, visible, cohort_year)
    return exported(
        f"register-summary-{area}-{level}", "ทะเบียนงบหน้า", summary_table(summary), format, summary
    )


class AreaCount(BaseModel):
    area_code: str
    area_name_th: str | None
    households: int
    members: int


class HouseholdCounts(BaseModel):
    area: str
    level: areas.AreaLevel
    rows: list[AreaCount]


@router.get("/v1/reports/household-counts", response_model=HouseholdCounts)
async def household_counts(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=8)],
    level: Annotated[areas.AreaLevel, Query()] = "district",
) -> HouseholdCounts:
    """Registered households and members per sub-area (from the register read model)."""
    area = checked_code(area)
    if areas.LEVEL_LENGTH[level] <= len(area):
        raise InvalidInput([FieldError("level", f"must be below the level of area {area}")])
    principal.ensure_scope_query(area)
    async with runtime.reading() as conn:
        rows = await households.household_counts(conn, area, level)
    out = []
    for code, count, members in rows:
        info = areas.area(code)
        out.append(
            AreaCount(
                area_code=code, area_name_th=info.name_th if info else None, households=count, members=members
            )
        )
    return HouseholdCounts(area=area, level=level, rows=out)


class CategoryCounts(BaseModel):
    all_correct: int
    partly_correct: int
    entirely_wrong: int
    no_problem_found: int
    new_household: int = Field(description="ศจพ.2 households: no TPMAP flags, no category")


class LateCounts(BaseModel):
    verified: int
    certified: int
    approved: int


class OverdueCounts(BaseModel):
    verify: int
    district: int
    province: int


class ProgressMeasures(BaseModel):
    households: int
    to_verify: int = Field(description="not verified yet, or returned")
    returned: int = Field(description="of to_verify: sent back by the district or province")
    verified: int = Field(description="verification recorded (also when certified or approved since)")
    by_category: CategoryCounts
    certified: int = Field(description="certified by the district (also when approved since)")
    approved: int
    late: LateCounts = Field(description="steps done after their campaign date")
    overdue: OverdueCounts | None = Field(
        description="still waiting past the step's date (one survey year only)"
    )


class ProgressRow(ProgressMeasures):
    area_code: str
    area_name_th: str


class CampaignDates(BaseModel):
    verify_by: date
    district_by: date
    province_by: date
    plans_by: date


class VerificationProgress(BaseModel):
    area: str
    level: areas.AreaLevel
    survey_year: int | None
    as_of: Instant
    campaign: CampaignDates | None
    rows: list[ProgressRow]
    total: ProgressMeasures


Format = Annotated[Literal["json", "csv", "xlsx"], Query()]


@router.get(
    "/v1/reports/verification-progress",
    response_model=VerificationProgress,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def verification_progress_report(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=6, description="province, district or subdistrict")],
    level: Annotated[areas.AreaLevel, Query()] = "district",
    survey_year: Annotated[
        CEYear | None, Query(description="CE or BE; gives campaign dates and overdue")
    ] = None,
    format: Format = "json",
) -> Any:
    """Per sub-area: to verify, verified by category, certified, approved, returned, late and overdue."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    async with runtime.reading() as conn:
        report = await verification_progress(conn, area, level, visible, survey_year, datetime.now(UTC))
    return exported(
        f"verification-progress-{area}-{level}",
        "ความก้าวหน้าการตรวจสอบ",
        progress_table(report),
        format,
        report,
    )


AsOf = Annotated[
    str | None,
    Query(
        max_length=35,
        description="YYYY-MM-DD (the end of that Thai day) or an ISO time with offset; default now",
    ),
]


def as_of_moment(raw: str | None, now: datetime) -> datetime:
    """A report's "as of": the end of a Thai calendar day, or an exact moment with its offset."""
    if raw is None:
        return now
    text = raw.strip()
    try:
        if len(text) == 10:
            next_day = date.fromisoformat(text) + timedelta(days=1)
            moment = day_start(next_day) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            [FieldError("as_of", "must be YYYY-MM-DD or an ISO date-time with offset")]
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput([FieldError("as_of", "give the offset (e.g. +07:00 or Z)")])
    if not 2000 <= moment.year <= 2200:
        raise InvalidInput([FieldError("as_of", "must be between the years 2000 and 2200")])
    return moment


def exported(name: str, sheet: str, table: list[list[Any]], format: str, report: Any) -> Any:
    """The report as JSON, or its table as CSV or XLSX (Thai headers)."""
    if format == "csv":
        return Response(
            table_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            table_xlsx({sheet: table}),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return report


@router.get("/v1/reports/kpis", responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
async def kpis_report(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=6, description="province, district or subdistrict")],
    level: Annotated[areas.AreaLevel, Query()] = "district",
    as_of: AsOf = None,
    survey_year: Annotated[
        CEYear | None,
        Query(
            description="CE or BE: the campaign whose deadline and targets apply; default the latest verified"
        ),
    ] = None,
    format: Format = "json",
) -> Any:
    """The KPIs per sub-area and in total, each share with numerator, denominator, percentage,
    target and met — today, or as the record stood at ``as_of``."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    moment = as_of_moment(as_of, datetime.now(UTC))
    settings = reporting_settings()
    async with runtime.reading() as conn:
        year = survey_year or await latest_survey_year(conn, moment)
        report = await kpis(
            conn,
            area,
            level,
            visible,
            year,
            None if as_of is None else moment,
            targets_for(year, settings.kpi_targets),
            settings.team_max_households,
        )
    return exported(f"kpis-{area}-{level}", "ตัวชี้วัด", kpis_table(report), format, report)


@router.get("/v1/reports/mpi", responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
async def mpi_report(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=6, description="province, district or subdistrict")],
    level: Annotated[areas.AreaLevel, Query()] = "district",
    k: Annotated[
        str | None,
        Query(
            max_length=13, description=f"AF cutoff, {CUTOFF_FORMAT}; default: any failing indicator (c > 0)"
        ),
    ] = None,
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    """Households and persons failing each indicator and dimension, MPI poor, critical, H, A, M0."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    try:
        cutoff = parse_cutoff(k) if k is not None else None
    except ValueError as exc:
        raise InvalidInput([FieldError("k", str(exc))]) from None
    moment = as_of_moment(as_of, datetime.now(UTC)) if as_of is not None else None
    async with runtime.reading() as conn:
        report = await mpi(conn, area, level, visible, cutoff, moment)
    return exported(f"mpi-{area}-{level}", "MPI", mpi_table(report), format, report)


@router.get(
    "/v1/reports/monthly",
    responses={200: {"content": {"text/csv": {}, XLSX: {}, "application/pdf": {}}}},
)
async def monthly_report(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=6, description="province, district or subdistrict")],
    month: Annotated[str, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (CE)")],
    level: Annotated[areas.AreaLevel, Query(description="the KPI section's rows")] = "district",
    survey_year: Annotated[CEYear | None, Query(description="CE or BE; default the latest verified")] = None,
    format: Annotated[Literal["json", "csv", "xlsx", "pdf"], Query()] = "json",
) -> Any:
    """The monthly progress report (due on the 15th): for the month and cumulatively — households
    verified, plans made, assistance by agency and kind with amounts, cases opened / escalated /
    resolved per level — and the KPIs at the month's end. XLSX: a sheet per section."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    now = datetime.now(UTC)
    period = Month(int(month[:4]), int(month[5:]))
    if not 2000 <= period.year <= 2200:
        raise InvalidInput([FieldError("month", "must be between the years 2000 and 2200")])
    if period.start > now:
        raise InvalidInput([FieldError("month", f"{month} has not begun")])
    font = thai_font(reporting_settings().thai_font) if format == "pdf" else None
    settings = reporting_settings()
    async with runtime.reading() as conn:
        year = survey_year or await latest_survey_year(conn, min(period.end, now))
        report = await monthly(
            conn,
            area,
            level,
            visible,
            period,
            now,
            year,
            targets_for(year, settings.kpi_targets),
            settings.team_max_households,
        )
    if format == "json":
        return report
    name = f"monthly-{area}-{month}"
    sections = monthly_sections(report)
    title = monthly_title(report)
    if format == "csv":
        body = await asyncio.to_thread(sections_csv, title, sections)
        media = "text/csv; charset=utf-8"
    elif format == "xlsx":
        body = await asyncio.to_thread(table_xlsx, sections)
        media = XLSX
    else:
        assert font is not None
        subtitle = f"ข้อมูล ณ {report['as_of']:%Y-%m-%d %H:%M} UTC · ปีสำรวจ {year + 543}"
        body = await asyncio.to_thread(render_pdf, title, subtitle, sections, font)
        media = "application/pdf"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    )


@router.get("/v1/reports/escalations", responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
async def escalations_report(
    principal: Analyst,
    runtime: Runtime,
    area: Annotated[str, Query(min_length=2, max_length=6, description="province, district or subdistrict")],
    level: Annotated[areas.AreaLevel, Query()] = "district",
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """Escalation queues per sub-area and case level: open, accepted, resolved, returned, the oldest
    unresolved case's days at its level, and the share of cases resolved at subdistrict or district."""
    area = checked_area(area, level)
    visible = visible_within(principal, area)
    async with runtime.reading() as conn:
        report = await escalations(conn, area, level, visible, datetime.now(UTC))
    return exported(f"escalations-{area}-{level}", "การส่งต่อเรื่อง", escalations_table(report), format, report)
