"""The events of a logbook entry's stream.

Both are private: a logged entry keeps its note and the member it helped, a void keeps
its reason, and their public forms (``assistance.logged.v1``, ``assistance.voided.v1``)
carry neither (docs/domain.md, "Personal data"). The stored names never change.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from faemban_domain.bounds import AreaCodeValue, EntityId, HouseholdId, MemberId
from faemban_domain.events.contracts import AssistanceLoggedV1
from faemban_domain.eventsourcing.aggregate import EventNames


class Logged(AssistanceLoggedV1):
    """An act of help as recorded: the public fields, the exact amount, the member, the note."""

    amount: Decimal | None = Field(default=None, description="the exact amount in baht (2 places)")
    member_id: MemberId | None = None
    problem_text: str | None = Field(default=None, max_length=200, description="an 'other' problem's words")
    note: str = Field(default="", max_length=2000)
    recorded_at: datetime


class Voided(BaseModel):
    """The entry no longer counts; the reason is the recorder's own words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: EntityId
    household_id: HouseholdId
    area_code: AreaCodeValue
    reason: str = Field(min_length=1, max_length=1000)
    voided_by_entry_id: EntityId | None = None
    voided_at: datetime


ENTRY_EVENTS = EventNames({"AssistanceLogged": Logged, "AssistanceVoided": Voided})
