"""The register search for other government systems, in the shape of the DCI Social
Registry sync search (docs/interfaces.md, "Register search (DCI)"; ADR 0022).

One envelope (``header`` + ``message``) holding up to ten search requests, each with
predicate criteria over the household index and a page; the answer mirrors it
(``action: on-search``, a ``search_response`` per request, in order).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from faemban_domain.events.contracts import (
    HouseholdSource,
    HouseholdType,
    IndicatorCode,
    VerificationCategory,
)
from faemban_domain.platform.auth import Principal, require_roles
from faemban_domain.platform.inputs import AreaCode, CEYear
from faemban_domain.platform.responses import model_response
from faemban_registry.adapters.register_search import Criteria
from faemban_registry.entrypoints.dependencies import Purpose, RegistryService
from faemban_registry.service_layer.search import SearchRegister, search_register

router = APIRouter(tags=["register search (DCI)"])
Searcher = Annotated[Principal, Depends(require_roles("partner", "admin"))]
"""Partner systems by their granted scopes (``registry.search``); admins without personal fields."""

Token = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Status = Literal["to_verify", "verified", "certified", "approved"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AreaExpression(_Strict):
    attribute_name: Literal["area_code"]
    operator: Literal["eq"] = Field(description="households in this area (it and everything under it)")
    attribute_value: AreaCode


class IndicatorExpression(_Strict):
    attribute_name: Literal["failing_indicator"]
    operator: Literal["eq", "in"] = Field(description="in: every one of the listed indicators fails")
    attribute_value: IndicatorCode | Annotated[list[IndicatorCode], Field(min_length=1, max_length=17)]


class CategoryExpression(_Strict):
    attribute_name: Literal["verification_category"]
    operator: Literal["eq", "in"]
    attribute_value: (
        VerificationCategory | Annotated[list[VerificationCategory], Field(min_length=1, max_length=4)]
    )


class StatusExpression(_Strict):
    attribute_name: Literal["status"]
    operator: Literal["eq", "in"]
    attribute_value: Status | Annotated[list[Status], Field(min_length=1, max_length=4)]


class TypeExpression(_Strict):
    attribute_name: Literal["household_type"]
    operator: Literal["eq", "in"]
    attribute_value: HouseholdType | Annotated[list[HouseholdType], Field(min_length=1, max_length=4)]


class CohortExpression(_Strict):
    attribute_name: Literal["cohort_year"]
    operator: Literal["eq"]
    attribute_value: CEYear


class SourceExpression(_Strict):
    attribute_name: Literal["source"]
    operator: Literal["eq"]
    attribute_value: HouseholdSource


class CriticalExpression(_Strict):
    attribute_name: Literal["critical"]
    operator: Literal["eq"] = Field(description="assessment's finding: ≥ 3 of 5 dimensions deprived")
    attribute_value: bool


Expression = Annotated[
    AreaExpression
    | IndicatorExpression
    | CategoryExpression
    | StatusExpression
    | TypeExpression
    | CohortExpression
    | SourceExpression
    | CriticalExpression,
    Field(discriminator="attribute_name"),
]


class Predicate(_Strict):
    seq_num: int = Field(ge=1, le=100)
    expression1: Expression


class Pagination(_Strict):
    page_size: int = Field(default=50, ge=1, le=100)
    page_number: int = Field(default=1, ge=1, le=100_000)


class SearchCriteria(_Strict):
    version: Literal["1.0.0"] = "1.0.0"
    reg_type: Literal["household"] = "household"
    query_type: Literal["predicate"] = Field(description="predicates, all of which must hold (AND)")
    query: list[Predicate] = Field(min_length=1, max_length=20)
    include_personal: bool = Field(
        default=False,
        description="Faemban's extension: the head's name, citizen id and house (scope "
        "registry.search.personal and an X-Purpose header; each household read is logged)",
    )
    pagination: Pagination = Field(default_factory=Pagination)

    @model_validator(mode="after")
    def _one_area(self) -> SearchCriteria:
        if sum(isinstance(p.expression1, AreaExpression) for p in self.query) != 1:
            raise ValueError("name exactly one area_code predicate: a search is always within an area")
        return self

    def criteria(self) -> Criteria:
        by: dict[str, Any] = {}
        for p in self.query:
            e = p.expression1
            value = e.attribute_value
            by.setdefault(e.attribute_name, []).extend(value if isinstance(value, list) else [value])
        one = {k: v[-1] for k, v in by.items()}
        return Criteria(
            area=one["area_code"],
            failing_indicators=tuple(dict.fromkeys(by.get("failing_indicator", []))),
            verification_categories=tuple(by.get("verification_category", [])),
            statuses=tuple(by.get("status", [])),
            household_types=tuple(by.get("household_type", [])),
            cohort_year=one.get("cohort_year"),
            source=one.get("source"),
            critical=one.get("critical"),
        )


class SearchRequest(_Strict):
    reference_id: Token
    timestamp: datetime
    search_criteria: SearchCriteria
    locale: Literal["th", "en"] = "th"


class RequestHeader(_Strict):
    version: Literal["1.0.0"] = "1.0.0"
    message_id: Token
    message_ts: datetime
    action: Literal["search"]
    sender_id: Token
    receiver_id: Token | None = None
    total_count: int = Field(ge=1, le=10)


class RequestMessage(_Strict):
    transaction_id: Token
    search_request: list[SearchRequest] = Field(min_length=1, max_length=10)


class SearchEnvelope(_Strict):
    header: RequestHeader
    message: RequestMessage

    @model_validator(mode="after")
    def _counted(self) -> SearchEnvelope:
        if self.header.total_count != len(self.message.search_request):
            raise ValueError("header.total_count must equal the number of message.search_request entries")
        return self


class Head(BaseModel):
    title: str | None
    first_name: str | None
    last_name: str | None
    citizen_id: str | None


class HouseholdRecord(BaseModel):
    household_id: str
    area_code: str
    cohort_year: int | None
    source: str | None
    status: str
    verification_category: str | None
    household_type: str | None
    failing_indicators: list[str]
    critical: bool | None = Field(description="assessment's last finding; null before its first")
    head: Head | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="only with include_personal (absent otherwise: no personal key at all)",
    )
    address: dict[str, str | None] | None = Field(
        default=None, exclude_if=lambda v: v is None, description="only with include_personal"
    )


class PageOut(BaseModel):
    page_size: int
    page_number: int
    total_count: int


class ResponseData(BaseModel):
    version: str = "1.0.0"
    reg_type: str = "household"
    reg_record_type: str = "household"
    reg_records: list[HouseholdRecord]


class SearchResponse(BaseModel):
    reference_id: str
    timestamp: datetime
    status: Literal["succ"]
    data: ResponseData
    pagination: PageOut
    locale: str


class ResponseHeader(BaseModel):
    version: str = "1.0.0"
    message_id: str
    message_ts: datetime
    action: Literal["on-search"]
    status: Literal["succ"]
    total_count: int
    completed_count: int
    sender_id: str = "faemban"
    receiver_id: str


class ResponseMessage(BaseModel):
    transaction_id: str
    correlation_id: str
    search_response: list[SearchResponse]


class SearchAnswer(BaseModel):
    header: ResponseHeader
    message: ResponseMessage


@router.post("/v1/registry/sync/search", response_model=SearchAnswer)
async def sync_search(
    body: SearchEnvelope, principal: Searcher, registry: RegistryService, purpose: Purpose = None
) -> Response:
    """Households of the caller's areas by area, failing indicator, verification category,
    status, type, cohort, source and critical — without personal fields unless granted."""
    answers = []
    for request in body.message.search_request:
        c = request.search_criteria
        query = SearchRegister(
            criteria=c.criteria(),
            page_size=c.pagination.page_size,
            page_number=c.pagination.page_number,
            personal=c.include_personal,
            purpose=purpose,
        )
        page = await registry.transactions.read(search_register, principal, query)
        answers.append(
            SearchResponse(
                reference_id=request.reference_id,
                timestamp=datetime.now(UTC),
                status="succ",
                data=ResponseData(reg_records=[HouseholdRecord(**r) for r in page.records]),
                pagination=PageOut(
                    page_size=c.pagination.page_size,
                    page_number=c.pagination.page_number,
                    total_count=page.total_count,
                ),
                locale=request.locale,
            )
        )
    answer = SearchAnswer(
        header=ResponseHeader(
            message_id=str(uuid.uuid4()),
            message_ts=datetime.now(UTC),
            action="on-search",
            status="succ",
            total_count=len(answers),
            completed_count=len(answers),
            receiver_id=body.header.sender_id,
        ),
        message=ResponseMessage(
            transaction_id=body.message.transaction_id,
            correlation_id=str(uuid.uuid4()),
            search_response=answers,
        ),
    )
    return model_response(answer)
