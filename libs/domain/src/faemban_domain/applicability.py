"""When an indicator applies to a household, from its members (docs/domain.md, "Indicators").

An indicator about a kind of member the household does not have is "not
applicable" and never fails. The registry uses this to refuse a "fails"
answer that cannot be (ศจพ.2, ศจพ.1) and the assessment to know which
indicators count; both must agree, so the rule lives here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from faemban_domain.indicators import AppliesWhen, Indicator


class MemberLike(Protocol):
    @property
    def age(self) -> int: ...
    @property
    def physical_status(self) -> str: ...
    @property
    def born_in_survey_year(self) -> bool: ...
    @property
    def finished_m3(self) -> bool: ...


REASONS: dict[AppliesWhen, str] = {
    "always": "",
    "newborn": "no child was born in the survey year",
    "age_6_plus": "no member is 6 or older",
    "age_3_5": "no member is aged 3–5",
    "age_6_14": "no member is aged 6–14",
    "m3_graduate": "no member finished M.3 (ม.3)",
    "age_15_59": "no member is aged 15–59",
    "age_60_plus": "no member is 60 or older",
    "disabled_member": "no member is disabled",
}


BECAUSE: dict[AppliesWhen, str] = {
    "always": "it applies to every household",
    "newborn": "a child was born in the survey year",
    "age_6_plus": "a member is 6 or older",
    "age_3_5": "a member is aged 3–5",
    "age_6_14": "a member is aged 6–14",
    "m3_graduate": "a member finished M.3 (ม.3)",
    "age_15_59": "a member is aged 15–59",
    "age_60_plus": "a member is 60 or older",
    "disabled_member": "a member is disabled",
}


def condition_holds(condition: AppliesWhen, members: Sequence[MemberLike]) -> bool:
    if condition == "always":
        return True
    if condition == "newborn":
        return any(m.born_in_survey_year for m in members)
    if condition == "age_6_plus":
        return any(m.age >= 6 for m in members)
    if condition == "age_3_5":
        return any(3 <= m.age <= 5 for m in members)
    if condition == "age_6_14":
        return any(6 <= m.age <= 14 for m in members)
    if condition == "m3_graduate":
        return any(m.finished_m3 for m in members)
    if condition == "age_15_59":
        return any(15 <= m.age <= 59 for m in members)
    if condition == "age_60_plus":
        return any(m.age >= 60 for m in members)
    if condition == "disabled_member":
        return any(m.physical_status == "disabled" for m in members)
    raise ValueError(f"unknown applicability condition {condition}")


def applies(indicator: Indicator, members: Sequence[MemberLike]) -> bool:
    return condition_holds(indicator.applies_when, members)


def why_not(indicator: Indicator) -> str:
    return REASONS[indicator.applies_when]


def why_applies(indicator: Indicator) -> str:
    return BECAUSE[indicator.applies_when]
