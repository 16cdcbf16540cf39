"""A received event's data as its contract model: parsed once by the runner, else on demand."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from faemban_domain.events.contracts import HouseholdMovedV1
from faemban_domain.events.envelope import CloudEvent
from faemban_domain.events.payload import parsed_batch, payload

DATA = {"household_id": "H1", "from_area_code": "34010101", "area_code": "34010102"}


def moved(data: dict[str, str]) -> CloudEvent:
    return CloudEvent(
        source="faemban/registry", type="th.faemban.household.moved.v1", subject="H1", data=data
    )


def test_the_runners_model_is_used_for_its_own_event_only() -> None:
    event, twin = moved(DATA), moved(DATA)
    model = HouseholdMovedV1.model_validate(DATA)
    with parsed_batch({id(event): (event, model)}):
        assert payload(event) is model
        assert payload(twin) is not model and payload(twin) == model  # parsed afresh
    assert payload(event) is not model


def test_outside_a_batch_the_data_is_validated() -> None:
    with pytest.raises(ValidationError):
        payload(moved({**DATA, "area_code": "nowhere"}))
    with pytest.raises(KeyError):
        payload(CloudEvent(source="x", type="th.faemban.unknown.v1", subject="H1", data={}))
