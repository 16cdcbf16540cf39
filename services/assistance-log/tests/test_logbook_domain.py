"""The logbook entry's rules (no database): checked once, voided once, never edited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from faemban_assistance_log.adapters.event_store import public_view
from faemban_assistance_log.domain.entry import Assistance, AssistanceEntry
from faemban_domain.errors import InvalidInput, StateConflict
from faemban_domain.eventsourcing.store import RecordedEvent

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def assistance(**over: object) -> Assistance:
    base: dict[str, object] = {
        "household_id": "H1",
        "area_code": "48010101",
        "member_id": "M2",
        "problem": "other",
        "problem_text": "ป่วยมะเร็ง",
        "agency": "moph",
        "giver_kind": "state",
        "kind": "referral",
        "amount_baht": Decimal("1200.50"),
        "given_on": date(2026, 11, 20),
        "plan_item_id": None,
        "case_id": "C1",
        "note": "ส่งต่อ รพ.",
    }
    return Assistance(**{**base, **over})  # type: ignore[arg-type]


def test_an_entry_is_checked_and_its_words_never_leave() -> None:
    with pytest.raises(InvalidInput) as refused:
        AssistanceEntry("E1").log(assistance(agency="nobody", given_on=date(2026, 12, 1)), NOW)
    assert [e.field for e in refused.value.errors] == ["agency", "given_on"]
    entry = AssistanceEntry("E1")
    entry.log(assistance(), NOW)
    new = entry.collect_pending()[0]
    published = public_view(
        RecordedEvent("assistance-E1", 1, 1, new.event_id, new.type, dict(new.data), {}, NOW)
    )
    assert published is not None and published.subject == "H1"
    assert published.data["amount_baht"] == 1200.5 and published.data["case_id"] == "C1"
    assert not {"note", "member_id", "problem_text", "amount"} & set(published.data)
    assert "มะเร็ง" not in str(published.data)


def test_a_void_keeps_the_entry_and_happens_once() -> None:
    entry = AssistanceEntry("E1")
    entry.log(assistance(), NOW)
    with pytest.raises(InvalidInput):
        entry.void_with(" ", None, NOW)
    entry.void_with("wrong household", "E2", NOW)
    assert entry.logged is not None and entry.void is not None and entry.void.voided_by_entry_id == "E2"
    with pytest.raises(StateConflict, match="already voided"):
        entry.void_with("again", None, NOW)
    voided = entry.collect_pending()[-1]
    published = public_view(
        RecordedEvent("assistance-E1", 2, 2, voided.event_id, voided.type, dict(voided.data), {}, NOW)
    )
    assert published is not None and published.data["reason_ref"] == voided.event_id
    assert "reason" not in published.data
