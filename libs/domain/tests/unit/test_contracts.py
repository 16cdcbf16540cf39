"""Event contracts: the envelope, the personal-data guard, committed schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from faemban_domain.events import EVENT_TYPES, CloudEvent, PersonalDataInEventError, assert_no_personal_data
from faemban_domain.events.contracts import IndicatorAssessedV2, part_of
from faemban_domain.events.envelope import headers_of, personal_fields_of, record_of
from faemban_domain.events.schemas import SCHEMA_DIR, render_asyncapi, render_schemas


def test_five_primary_event_types_on_their_topics() -> None:
    primary = {t.type: t.topic for t in EVENT_TYPES.values() if t.primary}
    assert primary == {
        "th.faemban.household.registered.v1": "faemban.registry.v1",
        "th.faemban.household.verified.v1": "faemban.registry.v1",
        "th.faemban.indicator.assessed.v2": "faemban.assessment.v1",
        "th.faemban.plan.created.v1": "faemban.planning.v1",
        "th.faemban.assistance.logged.v1": "faemban.assistance.v1",
    }


@pytest.mark.parametrize("key", ["head_first_name", "citizen_id", "phone", "lat", "photos"])
def test_personal_data_is_refused_at_any_depth(key: str) -> None:
    with pytest.raises(PersonalDataInEventError, match=key):
        assert_no_personal_data({"household_id": "H", "members": [{"age": 3, key: "x"}]})


def test_no_contract_declares_a_personal_field() -> None:
    for et in EVENT_TYPES.values():
        assert not personal_fields_of(et.model), et.type


def test_a_personal_field_is_found_at_any_depth_of_a_model() -> None:
    class Member(BaseModel):
        age: int
        Citizen_ID: str

    class Leaky(BaseModel):
        household_id: str
        members: list[Member]

    assert personal_fields_of(Leaky) == {"Citizen_ID"}


def test_envelope_round_trip_and_kafka_headers() -> None:
    ev = CloudEvent(
        source="faemban/registry",
        type="th.faemban.household.registered.v1",
        subject="H1",
        correlationid="c-1",
        areacode="34070102",
        sequence="3",
        data={"household_id": "H1"},
    )
    back = CloudEvent.from_json_bytes(ev.to_json_bytes())
    assert back == ev
    headers = dict(ev.kafka_headers())
    assert headers["ce_id"] == ev.id.encode() and headers["ce_subject"] == b"H1"
    assert headers["ce_type"] == b"th.faemban.household.registered.v1"
    body = json.loads(ev.to_json_bytes())
    assert body["specversion"] == "1.0" and body["time"].endswith("Z")


def test_the_record_carries_the_headers_of_the_envelopes_json_form() -> None:
    """The relay's headers are those of the envelope's JSON form (what a reader of the body
    would derive), the trace context included."""
    ev = CloudEvent(
        source="faemban/assessment",
        type="th.faemban.indicator.assessed.v2",
        subject="TP34070100001",
        correlationid="c-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        data={"household_id": "TP34070100001"},
    )
    from_json = headers_of(json.loads(ev.to_json_bytes()))
    assert ev.kafka_headers() == from_json
    assert dict(from_json)["traceparent"].startswith(b"00-0af7")
    bare = CloudEvent(source="faemban/registry", type="t.v1", subject="H1", data={})
    assert bare.kafka_headers() == headers_of(json.loads(bare.to_json_bytes()))


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "correlationid": "c-1",
            "causationid": "e-0",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        },
    ],
)
@pytest.mark.parametrize(
    "time", [datetime(2026, 11, 25, 3, tzinfo=UTC), datetime(2026, 11, 25, 3, 4, 5, 6789, tzinfo=UTC)]
)
def test_the_relays_record_is_the_envelopes_json_and_headers_byte_for_byte(
    extra: dict[str, str], time: datetime
) -> None:
    """``record_of`` writes with orjson what the model would, so a record published by the relay
    reads exactly as an envelope built and serialised by ``CloudEvent`` (ADR 0032)."""
    data = {
        "household_id": "TP34070100001",
        "area_code": "34070101",
        "head_first_name_ref": None,
        "score": 0.1 + 0.2,
        "income": 20000.0,
        "big": 1e16,
        "members": 7,
        "village": 'บ้านหนองบัว "ใหม่"\n',
        "failing": ["income.average_income"],
        "nested": {"a": [1, 2.5, None, True]},
    }
    fields = dict(
        id="3f1c9a8e-0000-4000-8000-000000000001",
        source="faemban/assessment",
        type="th.faemban.indicator.assessed.v2",
        subject="TP34070100001",
        time=time,
        areacode="34070101",
        sequence="3",
    )
    model = CloudEvent(**fields, **extra, data=data)
    body, headers = record_of(
        **fields,
        correlationid=extra.get("correlationid"),
        causationid=extra.get("causationid"),
        traceparent=extra.get("traceparent"),
        data=data,
    )
    assert body == model.to_json_bytes()
    assert list(headers) == model.kafka_headers()


def test_committed_schemas_match_the_models() -> None:
    for name, text in render_schemas().items():
        path = SCHEMA_DIR / name
        assert path.exists(), f"{name} missing: run `make schemas`"
        assert path.read_text("utf-8") == text, f"{name} is stale: run `make schemas`"
    assert (SCHEMA_DIR / "asyncapi.json").read_text("utf-8") == render_asyncapi()


def test_a_part_of_a_contract_keeps_the_contracts_rules_for_its_fields_and_ignores_the_rest() -> None:
    part = part_of(IndicatorAssessedV2, ("household_id", "af_score", "critical"))
    read = part.model_validate({"household_id": "TP1", "af_score": 0.4, "critical": True, "cdd_burdens": 7})
    assert read.model_dump() == {"household_id": "TP1", "af_score": 0.4, "critical": True}
    for broken in ({"af_score": 1.5}, {"household_id": "no spaces"}, {"critical": "perhaps"}):
        with pytest.raises(ValidationError):
            part.model_validate({"household_id": "TP1", "af_score": 0.4, "critical": True, **broken})
    assert part_of(IndicatorAssessedV2, ("household_id", "af_score", "critical")) is part  # one class a part


def test_a_part_names_fields_of_its_contract_and_refuses_a_contract_with_validators() -> None:
    with pytest.raises(ValueError, match="no_such_field"):
        part_of(IndicatorAssessedV2, ("household_id", "no_such_field"))

    class Checked(BaseModel):
        a: int
        b: int

        @model_validator(mode="after")
        def _a_below_b(self) -> Checked:
            assert self.a < self.b
            return self

    with pytest.raises(TypeError, match="validators"):
        part_of(Checked, ("a",))
