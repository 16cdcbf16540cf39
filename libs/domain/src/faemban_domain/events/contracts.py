"""Typed data of the public events (docs/interfaces.md, "Events").

Each model is the ``data`` of one CloudEvent type. A change to a model's fields
is a new type version (``.v2``), never an edit of ``.v1``; ``make schemas``
regenerates the JSON Schemas under ``faemban_domain/schemas`` and a unit test
fails when they are stale. No model may have a field that names a person,
their id, phone, photo or exact location.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model

from faemban_domain.bounds import (
    Age,
    AreaCodeValue,
    Baht,
    Count,
    EntityId,
    EventYear,
    HouseholdId,
    MemberId,
    Members,
    Subject,
)
from faemban_domain.indicators import Dimension

IndicatorCode = Annotated[str, Field(pattern=r"^[a-z]+\.[a-z0-9_]+$", max_length=64)]
ProblemRef = Annotated[
    str,
    Field(
        pattern=r"^([a-z]+\.[a-z0-9_]+|health|living|education|income|access|other)$",
        max_length=64,
        description="an indicator code, a dimension, or 'other' (its wording stays in the service)",
    ),
]
AgencyCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$", description="an agency's code")]
RulesFingerprint = Annotated[str, Field(pattern=r"^[0-9]{4}:[0-9a-f]{1,64}$")]
GeneratedText = Annotated[
    str,
    Field(max_length=300, json_schema_extra={"x-faemban-generated": True}),
]
"""Text the system writes from its own templates (never a user's words, never personal)."""

HouseholdSource = Literal["tpmap", "exclusion_error", "vulnerable"]
FieldStatus = Literal["lives_here", "moved_away", "head_deceased", "new_member"]
HouseholdType = Literal["develop", "welfare", "died_or_moved", "other"]
VerificationCategory = Literal["all_correct", "partly_correct", "entirely_wrong", "no_problem_found"]
IndicatorResult = Literal["fails", "met", "not_applicable"]
Establishment = Literal["tpmap_confirmed", "tpmap_rejected", "new", "tpmap_unflagged", "answered"]
Outcome = Literal["none", "survive", "sufficient", "sustainable"]
PhysicalStatus = Literal["normal", "disabled", "chronically_ill", "bedridden"]
Relation = Literal["head", "spouse", "child", "grandchild", "parent", "sibling", "relative", "other"]
LandTenure = Literal["own", "rent", "public_land", "other"]
HouseNumberStatus = Literal["has_number", "no_number"]
WishForHelp = Literal["urgent", "wants_help", "no_help_wanted"]
HelpKind = Literal["goods", "money", "utilities", "training", "scholarship", "referral", "other"]
CommunityFund = Literal[
    "savings_group", "community_finance_centre", "kkkj", "village_fund", "womens_fund", "other"
]
LeaveReason = Literal["moved_out", "deceased", "other"]
CertificationLevel = Literal["district", "province"]
PlanHorizon = Literal["short", "medium", "long"]
PlanItemStatus = Literal["planned", "in_progress", "done", "dropped"]
BudgetDecision = Literal["this_year", "next_year", "beyond_district"]
"""A district's budget case for a plan item: an agency acts this year, it budgets next year,
or the item is beyond the district and goes to the province (docs/domain.md, "Plans")."""
CaseLevel = Literal["subdistrict", "district", "province", "national"]
CaseState = Literal["open", "accepted", "resolved", "returned"]
ReleaseCause = Literal["leader_transferred", "unassigned"]
GiverKind = Literal["state", "local_government", "private", "civil_society", "volunteer"]
AssistanceKind = Literal[
    "goods",
    "money",
    "service",
    "training",
    "job_placement",
    "referral",
    "housing_repair",
    "welfare_registration",
    "allowance",
    "counselling",
    "other",
]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HouseholdRegisteredV1(_Data):
    """A household entered the registry (TPMAP import, ศจพ.2, vulnerable list)."""

    household_id: HouseholdId
    area_code: AreaCodeValue = Field(description="village (8 digits) or subdistrict (6 digits) DOPA code")
    cohort_year: EventYear = Field(description="TPMAP cohort year, CE")
    source: HouseholdSource
    members: Members
    welfare_card_holders: Count
    elderly: Count
    disabled: Count
    chronically_ill: Count
    total_income: Baht | None = Field(default=None, description="baht per year")
    average_income: Baht | None = Field(default=None, description="baht per person per year")
    tpmap_failing_indicators: list[IndicatorCode] = Field(default_factory=list, max_length=64)


class HouseholdFieldStatusRecordedV1(_Data):
    """The field team recorded where the household stands (ศจพ.1 column 2)."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    field_status: FieldStatus


class MemberFacts(_Data):
    """What assessment needs of one member: numbers and flags, never identity."""

    age: Age
    sex: Literal["male", "female", "unspecified"] = "unspecified"
    physical_status: PhysicalStatus = "normal"
    welfare_card: bool = False
    elderly_allowance: bool = False
    disability_allowance: bool = False
    studying: bool = False
    has_occupation: bool = False
    annual_income: Baht | None = None
    born_in_survey_year: bool = False
    finished_m3: bool = Field(default=False, description="finished lower secondary (ม.3)")


class RosterMember(_Data):
    """A member as the registry's events know them: an opaque id, the relation, the facts."""

    member_id: MemberId = Field(description="opaque, unique within the household (M1, M2, …)")
    relation: Relation
    facts: MemberFacts


class HouseholdDetailsRecordedV1(_Data):
    """The family book was filled in or updated (address facts, wishes, funds, members)."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    house_number_status: HouseNumberStatus | None = None
    land_tenure: LandTenure | None = None
    wish_for_help: WishForHelp | None = None
    kinds_of_help: list[HelpKind] = Field(default_factory=list)
    community_funds: list[CommunityFund] = Field(default_factory=list)
    khok_nong_na: bool = Field(default=False, description="takes part in the Khok Nong Na model")
    pinned: bool = Field(default=False, description="a map pin is recorded (the pin itself stays home)")
    head_member_id: MemberId | None = None
    members: list[RosterMember] = Field(default_factory=list, max_length=99)


class HouseholdMemberAddedV1(_Data):
    household_id: HouseholdId
    area_code: AreaCodeValue
    member: RosterMember
    members: Members = Field(description="members after the change")


class HouseholdMemberLeftV1(_Data):
    household_id: HouseholdId
    area_code: AreaCodeValue
    member_id: MemberId
    reason: LeaveReason
    new_head_member_id: MemberId | None = Field(default=None, description="set when the head left")
    members: Count = Field(description="members after the change")


class HouseholdHeadDeceasedV1(_Data):
    household_id: HouseholdId
    area_code: AreaCodeValue
    former_head_member_id: MemberId
    new_head_member_id: MemberId
    members: Members = Field(description="members after the change")


class HouseholdMovedV1(_Data):
    """The household moved; a new area moves it into another team's scope."""

    household_id: HouseholdId
    from_area_code: AreaCodeValue
    area_code: AreaCodeValue


class HouseholdCertifiedV1(_Data):
    """The district (ศจพ.อ.) certified the household's verification."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    survey_year: EventYear
    certified_at: datetime
    due: date = Field(description="the campaign's district date")
    late: bool


class HouseholdCertificationReturnedV1(_Data):
    """The district or the province sent the household back to be verified again."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    survey_year: EventYear
    level: CertificationLevel
    reason: str = Field(min_length=1, max_length=1000)
    returned_at: datetime
    due: date
    late: bool


class HouseholdCertificationReturnedV2(_Data):
    """Returned for verification again; the reason stays in the registry (``reason_ref``)."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    survey_year: EventYear
    level: CertificationLevel
    reason_ref: EntityId = Field(description="the registry's reference of the written reason")
    returned_at: datetime
    due: date
    late: bool


class HouseholdApprovedV1(_Data):
    """The province (ศจพ.จ.) approved the household: plans may now be made."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    survey_year: EventYear
    approved_at: datetime
    due: date = Field(description="the campaign's province date")
    late: bool


class IndicatorOutcome(_Data):
    result: IndicatorResult
    established_by: Establishment


class HouseholdVerifiedV1(_Data):
    household_id: HouseholdId
    area_code: AreaCodeValue
    survey_year: EventYear
    indicator_results: dict[IndicatorCode, IndicatorOutcome]
    verification_category: VerificationCategory | None = Field(
        default=None, description="ศจพ.1 category; None for a new household (ศจพ.2)"
    )
    field_status: FieldStatus
    household_type: HouseholdType
    members: list[MemberFacts] = Field(max_length=99)
    total_income: Baht | None = None
    average_income: Baht | None = None
    verified_at: datetime


AssessmentBasis = Literal["tpmap", "field", "income_figures", "members", "no_finding"]
"""Why an indicator has its result: TPMAP's flag, the field's finding, the income figures
against the year's threshold, the members (it does not apply), or nothing found failing."""
AssessmentCause = Literal[
    "registered",
    "verified",
    "details_recorded",
    "members_changed",
    "moved",
    "reassessed",
    "sufficiency_attested",
]
CddCriterion = Literal["farmer_not_registered", "low_income_without_welfare_card"]
CddBurden = Literal[
    "insecure_housing",
    "poor_child",
    "child_3_14",
    "elderly_without_allowance",
    "disabled_without_allowance",
    "chronically_ill_unable_to_self_care",
]


AfScore = Annotated[
    float, Field(ge=0, le=1, allow_inf_nan=False, description="Alkire–Foster deprivation score c")
]
VulnerabilityLevel = Annotated[int, Field(ge=0, le=3)]
"""ระดับความเปราะบาง 0–3 (docs/domain.md, "Assessment")."""


class AssessedIndicator(_Data):
    result: IndicatorResult
    basis: AssessmentBasis


class Vulnerability(_Data):
    """ระดับความเปราะบาง (docs/domain.md, "Assessment", seed 004): the order of home visits, 3 first."""

    level: VulnerabilityLevel
    low_income: bool
    dependants: Count
    dependants_from_members: bool = Field(
        description="False: only TPMAP's counts were known, so dependants is a lower bound"
    )
    housing_problem: bool
    reason: GeneratedText


class CddVulnerability(_Data):
    """Community Development Department criteria and burdens (seed 003), as far as the facts go."""

    vulnerable: bool = Field(description="a known criterion holds")
    criteria: list[CddCriterion]
    unknown_criteria: list[CddCriterion] = Field(description="the facts do not tell")
    burdens: list[CddBurden]
    unknown_burdens: list[CddBurden]


class _AssessedHead(_Data):
    """Whose assessment, by which rules, as of when and why: the same in every version."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    survey_year: EventYear = Field(description="the survey year whose rules made this assessment")
    rules: RulesFingerprint = Field(description="fingerprint of those rules (year:hash)")
    as_of: datetime = Field(description="when the facts it rests on were recorded")
    cause: AssessmentCause


class IndicatorAssessedV1(_AssessedHead):
    """A household's assessment changed (published only when its result did)."""

    indicator_results: dict[IndicatorCode, AssessedIndicator]
    failing_indicators: list[IndicatorCode]
    applicable_indicators: list[IndicatorCode]
    deprived_dimensions: list[Dimension]
    mpi_poor: bool = Field(description="at least one failing indicator (the TPMAP target)")
    critical: bool = Field(description="at least 3 of 5 dimensions deprived")
    tpmap_poor_latest: bool = Field(description="MPI poor and someone holds a welfare card")
    af_score: AfScore
    average_income: Baht | None = Field(default=None, description="baht per person per year")
    vulnerability_level: VulnerabilityLevel
    dependants: Count
    vulnerability: Vulnerability
    cdd: CddVulnerability
    survive: bool = Field(description="not deprived in income, living and health")
    outcome: Outcome


FindingBasis = Literal["tpmap", "field", "income_figures"]
"""The bases an applicable indicator's result can rest on besides "nothing found failing"."""
FINDING_BASES = frozenset(get_args(FindingBasis))


class IndicatorAssessedV2(_AssessedHead):
    """A household's assessment changed (published only when its result did): v1, flat and compact.

    What v1 said per indicator is said by lists: an indicator of the year's rules (``rules``)
    fails when in ``failing_indicators``, is met when applicable and not failing, and does not
    apply otherwise (its basis: the members). ``findings`` names the indicators whose result
    rests on TPMAP's flag, the field's finding or the income figures; any other applicable one
    was met with nothing found failing. The vulnerability and CDD objects are flattened and the
    generated reason is left to the assessment API. docs/interfaces.md, "Events".
    """

    failing_indicators: list[IndicatorCode] = Field(max_length=64)
    applicable_indicators: list[IndicatorCode] = Field(max_length=64)
    findings: dict[FindingBasis, list[IndicatorCode]] = Field(
        default_factory=dict, description="applicable indicators by the basis of their result"
    )
    deprived_dimensions: list[Dimension] = Field(max_length=5)
    mpi_poor: bool = Field(description="at least one failing indicator (the TPMAP target)")
    critical: bool = Field(description="at least 3 of 5 dimensions deprived")
    tpmap_poor_latest: bool = Field(description="MPI poor and someone holds a welfare card")
    af_score: AfScore
    average_income: Baht | None = Field(default=None, description="baht per person per year")
    vulnerability_level: VulnerabilityLevel
    dependants: Count
    dependants_from_members: bool = Field(
        description="False: only TPMAP's counts were known, so dependants is a lower bound"
    )
    low_income: bool
    housing_problem: bool
    cdd_vulnerable: bool = Field(description="a known CDD criterion holds")
    cdd_criteria: list[CddCriterion] = Field(default_factory=list, max_length=8)
    cdd_unknown_criteria: list[CddCriterion] = Field(default_factory=list, max_length=8)
    cdd_burdens: list[CddBurden] = Field(default_factory=list, max_length=16)
    cdd_unknown_burdens: list[CddBurden] = Field(default_factory=list, max_length=16)
    survive: bool = Field(description="not deprived in income, living and health")
    outcome: Outcome

    @classmethod
    def from_v1(cls, v1: Mapping[str, Any]) -> dict[str, Any]:
        """The v2 data of a v1 assessment's data (JSON form): nothing a consumer reads is lost."""
        findings: dict[str, list[str]] = {}
        for code, r in v1["indicator_results"].items():
            if r["basis"] in FINDING_BASES and r["result"] != "not_applicable":
                findings.setdefault(r["basis"], []).append(code)
        vul, cdd = v1["vulnerability"], v1["cdd"]
        return {
            **{k: v1[k] for k in V2_AS_IN_V1},
            "findings": findings,
            "dependants_from_members": vul["dependants_from_members"],
            "low_income": vul["low_income"],
            "housing_problem": vul["housing_problem"],
            "cdd_vulnerable": cdd["vulnerable"],
            "cdd_criteria": cdd["criteria"],
            "cdd_unknown_criteria": cdd["unknown_criteria"],
            "cdd_burdens": cdd["burdens"],
            "cdd_unknown_burdens": cdd["unknown_burdens"],
        }


V2_AS_IN_V1 = (  # the fields v1 and v2 share, as they are
    "household_id",
    "area_code",
    "survey_year",
    "rules",
    "as_of",
    "cause",
    "failing_indicators",
    "applicable_indicators",
    "deprived_dimensions",
    "mpi_poor",
    "critical",
    "tpmap_poor_latest",
    "af_score",
    "average_income",
    "vulnerability_level",
    "dependants",
    "survive",
    "outcome",
)


IndicatorAssessed = IndicatorAssessedV1 | IndicatorAssessedV2
"""Either version of the assessment event: consumers read both until v1 is retired."""


class PlanItemV1(_Data):
    """A plan item as published: what problem, who leads, by when (its wording stays in planning)."""

    item_id: EntityId
    problem: ProblemRef
    lead_agency: AgencyCode
    horizon: PlanHorizon
    due_date: date
    status: PlanItemStatus = "planned"


class PlanClosedV1(_Data):
    """A household plan is closed: its items are done or dropped (the outcome ladder counts from here)."""

    plan_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    closed_at: datetime


class PlanCreatedV1(_Data):
    """A mentor team made a household plan with the family (its 4ท record and wording stay in planning)."""

    plan_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    mentor_team_id: EntityId
    items: list[PlanItemV1] = Field(max_length=100)


class PlanItemUpdatedV1(_Data):
    """A plan item's status moved (planned → in_progress → done | dropped)."""

    plan_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    item_id: EntityId
    problem: ProblemRef
    lead_agency: AgencyCode
    previous_status: PlanItemStatus
    status: PlanItemStatus
    updated_at: datetime


class PlanItemBudgetedV1(_Data):
    """The district decided a plan item's budget case; a justification stays in planning."""

    plan_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    item_id: EntityId
    decision: BudgetDecision
    agency: AgencyCode = Field(description="the agency that acts (this year) or budgets (next year)")
    budget_year: EventYear = Field(description="the Thai fiscal year (CE) the budget comes from")
    case_id: EntityId | None = Field(default=None, description="the province case it opened or extended")
    justification_ref: EntityId | None = None
    decided_at: datetime


class MentorHouseholdAssignedV1(_Data):
    """A mentor team took a household into its care."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    team_id: EntityId
    uncovered_dimensions: list[Dimension] = Field(
        description="deprived dimensions no team member's skills cover (a warning, not a refusal)"
    )
    mentor_subjects: list[Subject] = Field(
        default_factory=list,
        max_length=10,
        description="the login subjects (JWT sub, as every event's actor) of the members who act for it",
    )
    assigned_at: datetime


class MentorHouseholdReleasedV1(_Data):
    """A household went back to its district's queue of unassigned households."""

    household_id: HouseholdId
    area_code: AreaCodeValue
    team_id: EntityId
    cause: ReleaseCause
    released_at: datetime


class CaseOpenedV1(_Data):
    """A case is opened for a household's problems (at its subdistrict, or at the province
    when the district decides an item is beyond it); the reason stays in planning."""

    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    level: CaseLevel
    problems: list[ProblemRef] = Field(min_length=1, max_length=30)
    plan_item_ids: list[EntityId] = Field(default_factory=list, max_length=100)
    reason_ref: EntityId
    opened_at: datetime


class CaseExtendedV1(_Data):
    """Further problems joined an open case (another plan item beyond the district)."""

    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    level: CaseLevel
    problems: list[ProblemRef] = Field(min_length=1, max_length=30)
    plan_item_ids: list[EntityId] = Field(default_factory=list, max_length=100)
    reason_ref: EntityId
    extended_at: datetime


class CaseEscalatedV1(_Data):
    """A case moved one level up (national: a request to TPMAP to add or remove the household)."""

    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    from_level: CaseLevel
    to_level: CaseLevel
    reason_ref: EntityId
    escalated_at: datetime


class CaseAcceptedV1(_Data):
    """The level holding a case took it on."""

    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    level: CaseLevel
    accepted_at: datetime


class CaseReturnedV1(_Data):
    """A case went back one level down, with a reason kept in planning."""

    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    from_level: CaseLevel
    to_level: CaseLevel
    reason_ref: EntityId
    returned_at: datetime


class CaseResolvedV1(_Data):
    """A case is solved, by the recorded assistance it names."""

    case_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    level: CaseLevel
    assistance_ids: list[EntityId] = Field(min_length=1, max_length=100)
    note_ref: EntityId | None = None
    resolved_at: datetime


class AssistanceLoggedV1(_Data):
    """An act of help was recorded in the logbook (its note and photos stay in the logbook)."""

    entry_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    problem: ProblemRef
    agency: AgencyCode
    giver_kind: GiverKind
    kind: AssistanceKind
    amount_baht: Baht | None = None
    given_on: date
    plan_item_id: EntityId | None = None
    case_id: EntityId | None = None


class AssistanceVoidedV1(_Data):
    """An entry was voided; the reason stays in the logbook (``reason_ref`` points at it)."""

    entry_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    voided_by_entry_id: EntityId | None = None
    reason_ref: EntityId


@dataclass(frozen=True, slots=True)
class EventType:
    type: str
    topic: str
    model: builtins.type[_Data]
    primary: bool


REGISTRY_TOPIC = "faemban.registry.v1"
ASSESSMENT_TOPIC = "faemban.assessment.v1"
PLANNING_TOPIC = "faemban.planning.v1"
ASSISTANCE_TOPIC = "faemban.assistance.v1"
TOPICS = (REGISTRY_TOPIC, ASSESSMENT_TOPIC, PLANNING_TOPIC, ASSISTANCE_TOPIC)

EVENT_TYPES: dict[str, EventType] = {
    et.type: et
    for et in (
        EventType("th.faemban.household.registered.v1", REGISTRY_TOPIC, HouseholdRegisteredV1, True),
        EventType("th.faemban.household.verified.v1", REGISTRY_TOPIC, HouseholdVerifiedV1, True),
        EventType(
            "th.faemban.household.field-status-recorded.v1",
            REGISTRY_TOPIC,
            HouseholdFieldStatusRecordedV1,
            False,
        ),
        EventType(
            "th.faemban.household.details-recorded.v1", REGISTRY_TOPIC, HouseholdDetailsRecordedV1, False
        ),
        EventType("th.faemban.household.member-added.v1", REGISTRY_TOPIC, HouseholdMemberAddedV1, False),
        EventType("th.faemban.household.member-left.v1", REGISTRY_TOPIC, HouseholdMemberLeftV1, False),
        EventType("th.faemban.household.head-deceased.v1", REGISTRY_TOPIC, HouseholdHeadDeceasedV1, False),
        EventType("th.faemban.household.moved.v1", REGISTRY_TOPIC, HouseholdMovedV1, False),
        EventType("th.faemban.household.certified.v1", REGISTRY_TOPIC, HouseholdCertifiedV1, False),
        EventType(
            "th.faemban.household.certification-returned.v1",
            REGISTRY_TOPIC,
            HouseholdCertificationReturnedV1,
            False,
        ),
        EventType(
            "th.faemban.household.certification-returned.v2",
            REGISTRY_TOPIC,
            HouseholdCertificationReturnedV2,
            False,
        ),
        EventType("th.faemban.household.approved.v1", REGISTRY_TOPIC, HouseholdApprovedV1, False),
        EventType("th.faemban.indicator.assessed.v1", ASSESSMENT_TOPIC, IndicatorAssessedV1, False),
        EventType("th.faemban.indicator.assessed.v2", ASSESSMENT_TOPIC, IndicatorAssessedV2, True),
        EventType("th.faemban.plan.created.v1", PLANNING_TOPIC, PlanCreatedV1, True),
        EventType("th.faemban.plan.closed.v1", PLANNING_TOPIC, PlanClosedV1, False),
        EventType("th.faemban.plan.item-updated.v1", PLANNING_TOPIC, PlanItemUpdatedV1, False),
        EventType("th.faemban.plan.item-budgeted.v1", PLANNING_TOPIC, PlanItemBudgetedV1, False),
        EventType(
            "th.faemban.mentor.household-assigned.v1", PLANNING_TOPIC, MentorHouseholdAssignedV1, False
        ),
        EventType(
            "th.faemban.mentor.household-released.v1", PLANNING_TOPIC, MentorHouseholdReleasedV1, False
        ),
        EventType("th.faemban.case.opened.v1", PLANNING_TOPIC, CaseOpenedV1, False),
        EventType("th.faemban.case.extended.v1", PLANNING_TOPIC, CaseExtendedV1, False),
        EventType("th.faemban.case.escalated.v1", PLANNING_TOPIC, CaseEscalatedV1, False),
        EventType("th.faemban.case.accepted.v1", PLANNING_TOPIC, CaseAcceptedV1, False),
        EventType("th.faemban.case.returned.v1", PLANNING_TOPIC, CaseReturnedV1, False),
        EventType("th.faemban.case.resolved.v1", PLANNING_TOPIC, CaseResolvedV1, False),
        EventType("th.faemban.assistance.logged.v1", ASSISTANCE_TOPIC, AssistanceLoggedV1, True),
        EventType("th.faemban.assistance.voided.v1", ASSISTANCE_TOPIC, AssistanceVoidedV1, False),
    )
}


def contract_for(event_type: str) -> EventType:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise KeyError(f"unknown public event type {event_type}") from None


_TYPE_OF_MODEL: dict[builtins.type[_Data], str] = {et.model: et.type for et in EVENT_TYPES.values()}


def type_of(model: builtins.type[BaseModel]) -> str:
    """The public CloudEvents type of a contract model (``HouseholdRegisteredV1`` → ``…registered.v1``)."""
    try:
        return _TYPE_OF_MODEL[model]  # type: ignore[index]
    except KeyError:
        raise KeyError(f"{model.__name__} is not a public event contract") from None


ASSESSED_TYPES = frozenset({type_of(IndicatorAssessedV1), type_of(IndicatorAssessedV2)})
"""Both versions of ``indicator.assessed``: every consumer reads both until v1 is retired."""


@functools.cache
def part_of(contract: builtins.type[BaseModel], fields: tuple[str, ...]) -> builtins.type[BaseModel]:
    """The fields of ``contract`` a consumer reads, each with the contract's own type and
    constraints; other fields of the data are ignored (a tolerant reader).

    Why: a consumer that reads two fields of a 1.4 KB event spent more on building and checking
    the rest than on its work (ADR 0030). Only a contract whose rules all sit on its fields can
    be read in part: a validator across fields would be silently lost, so it is refused.
    """
    decorators = contract.__pydantic_decorators__
    if decorators.field_validators or decorators.model_validators or decorators.root_validators:
        raise TypeError(f"{contract.__name__} has validators: read it whole")
    unknown = [f for f in fields if f not in contract.model_fields]
    if unknown or not fields:
        raise ValueError(f"{contract.__name__} has no fields {unknown}" if unknown else "name some fields")
    spec: dict[str, Any] = {
        f: (contract.model_fields[f].annotation, contract.model_fields[f]) for f in fields
    }
    return create_model(  # type: ignore[no-any-return, call-overload]
        f"{contract.__name__}Part",
        __config__=ConfigDict(frozen=True, extra="ignore"),
        __doc__=f"{', '.join(fields)} of {contract.__name__}",
        **spec,
    )
