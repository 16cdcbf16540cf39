"""The CloudEvents 1.0 envelope every Faemban event travels in.

One JSON document is the Kafka value; the same attributes are copied to Kafka
headers (``ce_*``) so that partners can route without parsing the body. The key
is the household id, so one household's events stay in order on a partition.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, create_model

from faemban_domain.eventsourcing.records import new_event_id
from faemban_domain.tracing import TRACEPARENT_PATTERN

# Keys that would carry personal data (docs/domain.md, "Personal data"). Public events must never
# hold them, at any depth; the check is by key because values are not knowable.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "title",
        "first_name",
        "last_name",
        "full_name",
        "head_first_name",
        "head_last_name",
        "head_title",
        "citizen_id",
        "head_citizen_id",
        "phone",
        "phone_number",
        "photo",
        "photos",
        "lat",
        "lon",
        "latitude",
        "longitude",
        "pin",
        "map_pin",
        "house_no",
        "near_house_no",
        "address",
        "date_of_birth",
        "birth_date",
    }
)


class PersonalDataInEventError(ValueError):
    pass


def personal_fields_of(model: type[BaseModel]) -> set[str]:
    """The personal-data keys a model declares anywhere (its JSON Schema and every nested
    model's): empty for every event contract, checked when a store is built and in tests."""
    schema = model.model_json_schema()
    found: set[str] = set()
    for obj in [schema, *schema.get("$defs", {}).values()]:
        found |= {k for k in obj.get("properties", {}) if k in PERSONAL_KEYS or k.lower() in PERSONAL_KEYS}
    return found


def assert_no_personal_data(data: Any, path: str = "data") -> None:
    """Refuse a payload with a personal-data key anywhere inside it.

    Runs on every published event, so it walks the JSON tree iteratively,
    looks only into containers, and builds a path only to report a find.
    """
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if (
                    key in PERSONAL_KEYS
                    or (type(key) is not str or not key.islower())
                    and str(key).lower() in PERSONAL_KEYS
                ):
                    raise PersonalDataInEventError(f"{where}.{key} is personal data and may not be published")
                if type(value) not in _SCALARS:
                    stack.append((value, f"{where}.{key}"))
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                if type(item) not in _SCALARS:
                    stack.append((item, f"{where}[{i}]"))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def utcnow() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """CloudEvents 1.0 structured-mode JSON with Faemban's extension attributes."""

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    id: str = Field(default_factory=new_event_id)
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: str = "application/json"
    correlationid: str | None = None
    causationid: str | None = None
    areacode: str | None = None
    sequence: str | None = Field(
        default=None, description="CloudEvents sequence extension: the version in the source stream"
    )
    traceparent: str | None = Field(
        default=None,
        pattern=TRACEPARENT_PATTERN,
        description="CloudEvents distributed-tracing extension: the W3C traceparent of the span that "
        "recorded the event (absent when tracing is off)",
    )
    data: dict[str, Any]

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return headers_of(self.model_dump(mode="json", include=_HEADER_FIELDS))


@functools.cache
def envelope_of(part: type[BaseModel]) -> type[CloudEvent]:
    """The envelope whose ``data`` is ``part`` (``contracts.part_of``): a record of a type its
    consumers read in part is validated from its bytes straight into it, and the rest of its
    data is never built as Python objects (ADR 0030)."""
    return create_model(f"CloudEventOf{part.__name__}", __base__=CloudEvent, data=(part, ...))


_HEADER_FIELDS = {"specversion", "id", "type", "source", "time", "subject", "correlationid", "traceparent"}
"""The envelope's attributes that travel as Kafka headers too (``headers_of``)."""


def record_of(
    *,
    id: str,
    source: str,
    type: str,
    subject: str,
    time: datetime,
    correlationid: str | None,
    causationid: str | None,
    areacode: str | None,
    sequence: str | None,
    traceparent: str | None,
    data: Mapping[str, Any],
) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
    """An envelope's JSON, byte for byte what ``CloudEvent.to_json_bytes`` gives, and its Kafka
    headers, written by orjson without building the model: the relay turns every stored event
    into these (ADR 0032), and the model's two serialisations were most of its cost."""
    body = orjson.dumps(
        {
            "specversion": "1.0",
            "id": id,
            "source": source,
            "type": type,
            "subject": subject,
            "time": time,
            "datacontenttype": "application/json",
            "correlationid": correlationid,
            "causationid": causationid,
            "areacode": areacode,
            "sequence": sequence,
            "traceparent": traceparent,
            "data": data,
        },
        option=orjson.OPT_UTC_Z,
    )
    # orjson returns its 16 KB working buffer as the bytes object: a batch of records in flight
    # held 8 times its size in memory, so each body is copied to its own exact length
    body = bytes(memoryview(body))
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", id.encode()),
        ("ce_type", type.encode()),
        ("ce_source", source.encode()),
        ("ce_time", orjson.dumps(time, option=orjson.OPT_UTC_Z)[1:-1]),
        ("ce_subject", subject.encode()),
        ("content-type", b"application/cloudevents+json"),
    ]
    if correlationid:
        headers.append(("ce_correlationid", correlationid.encode()))
    if traceparent:
        headers += [("ce_traceparent", traceparent.encode()), ("traceparent", traceparent.encode())]
    return body, tuple(headers)


def headers_of(envelope: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """Kafka headers (ce_*) of a structured-mode envelope, from its JSON form."""
    headers = [
        ("ce_specversion", envelope["specversion"]),
        ("ce_id", envelope["id"]),
        ("ce_type", envelope["type"]),
        ("ce_source", envelope["source"]),
        ("ce_time", envelope["time"]),
        ("ce_subject", envelope["subject"]),
        ("content-type", "application/cloudevents+json"),
    ]
    if envelope.get("correlationid"):
        headers.append(("ce_correlationid", envelope["correlationid"]))
    if envelope.get("traceparent"):
        # the extension's binding, and the W3C header OpenTelemetry's Kafka instrumentations read
        headers.append(("ce_traceparent", envelope["traceparent"]))
        headers.append(("traceparent", envelope["traceparent"]))
    return [(k, str(v).encode()) for k, v in headers]
