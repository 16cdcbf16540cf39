"""The write's personal-data guard (ADR 0031): every publication a contract did not make is
walked; of those a contract made, the first and then one in ``WALK_EVERY``; and a contract-made
record with a key its contract does not declare is validated, so it cannot pass unwalked.
Read back by the relay (ADR 0032), a stored event holding exactly its contract's fields is
validated on a sample, and a type whose stored form differs from the contract's is validated
from then on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from faemban_domain.events.contracts import PlanClosedV1, type_of
from faemban_domain.eventsourcing import store as store_module
from faemban_domain.eventsourcing.records import ModelData, RecordedEvent
from faemban_domain.eventsourcing.store import WALK_EVERY, EventStore, Publication, contract_view

CLOSED = type_of(PlanClosedV1)
DATA = {
    "plan_id": "plan-1",
    "household_id": "TP34010000001",
    "area_code": "34010101",
    "closed_at": "2026-11-25T03:00:00Z",
}


def _recorded(data: dict[str, Any], n: int = 1) -> list[RecordedEvent]:
    at = datetime(2026, 11, 25, tzinfo=UTC)
    return [
        RecordedEvent("plan-1", v, None, str(uuid.uuid4()), "Closed", data, {}, at) for v in range(1, n + 1)
    ]


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    walked: list[dict[str, Any]] = []
    monkeypatch.setattr(store_module, "assert_no_personal_data", lambda data: walked.append(data))
    return walked


def test_contract_made_publications_are_walked_on_a_sample(walks: list[dict[str, Any]]) -> None:
    store = EventStore("faemban/planning", "t", contract_view({"Closed": CLOSED}))
    store._check_published(_recorded(ModelData(dict(DATA), PlanClosedV1), 2 * WALK_EVERY + 1))
    assert len(walks) == 3  # the 1st, the 65th and the 129th


def test_every_other_publication_is_walked(walks: list[dict[str, Any]]) -> None:
    def view(event: RecordedEvent) -> Publication:
        return Publication(CLOSED, dict(event.data), event.stream_id, "34010101")

    store = EventStore("faemban/planning", "t", view)
    store._check_published(_recorded(dict(DATA), 10))
    assert len(walks) == 10


def test_a_record_with_a_key_its_contract_lacks_is_validated_not_trusted() -> None:
    store = EventStore("faemban/planning", "t", contract_view({"Closed": CLOSED}))
    leaky = ModelData({**DATA, "head_phone": "0812345678"}, PlanClosedV1)
    with pytest.raises(ValidationError, match="head_phone"):
        store._check_published(_recorded(leaky))


def test_a_store_refuses_at_start_up_to_publish_a_type_that_declares_personal_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "personal_fields_of", lambda model: {"phone"})
    with pytest.raises(TypeError, match="personal data"):
        contract_view({"Closed": CLOSED})


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    validated: list[dict[str, Any]] = []
    real = PlanClosedV1.model_validate.__func__  # type: ignore[attr-defined]

    def counting(cls: type[PlanClosedV1], data: Any, **kwargs: Any) -> PlanClosedV1:
        validated.append(data)
        return real(cls, data, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(PlanClosedV1, "model_validate", classmethod(counting))
    return validated


def test_read_back_validates_the_first_of_a_type_and_then_a_sample(validations: list[dict[str, Any]]) -> None:
    store = EventStore("faemban/planning", "t", contract_view({"Closed": CLOSED}))
    records = store.outgoing(_recorded(dict(DATA), 2 * WALK_EVERY + 1))
    assert len(records) == 2 * WALK_EVERY + 1
    assert len(validations) == 3
    assert orjson.loads(records[1].value)["data"] == DATA


def test_read_back_of_a_stored_form_that_differs_validates_every_event_after(
    validations: list[dict[str, Any]],
) -> None:
    """A time stored without its zone's canonical form is published as the contract dumps it,
    and so is every later event of the type (the sample found the difference)."""
    store = EventStore("faemban/planning", "t", contract_view({"Closed": CLOSED}))
    stored = {**DATA, "closed_at": "2026-11-25T03:00:00+00:00"}
    records = store.outgoing(_recorded(stored, 5))
    assert len(validations) == 5
    assert {orjson.loads(r.value)["data"]["closed_at"] for r in records} == {"2026-11-25T03:00:00Z"}


def test_read_back_of_a_record_missing_a_field_is_validated(validations: list[dict[str, Any]]) -> None:
    store = EventStore("faemban/planning", "t", contract_view({"Closed": CLOSED}))
    partial = {k: v for k, v in DATA.items() if k != "closed_at"}
    with pytest.raises(ValidationError, match="closed_at"):
        store.outgoing(_recorded(dict(DATA), 1) + _recorded(partial, 1))
    assert len(validations) == 2
