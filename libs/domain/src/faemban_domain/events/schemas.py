"""JSON Schemas and the AsyncAPI document generated from the event contracts.

Run ``python -m faemban_domain.events.schemas`` (``make schemas``) after changing
a contract; the unit suite compares the committed files with a fresh render.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from faemban_domain.events.contracts import EVENT_TYPES, TOPICS
from faemban_domain.events.envelope import CloudEvent

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def render_schemas() -> dict[str, str]:
    out: dict[str, str] = {}
    for et in EVENT_TYPES.values():
        schema = et.model.model_json_schema()
        schema["$id"] = f"https://faemban.th/schemas/{et.type}.json"
        schema["title"] = et.type
        out[f"{et.type}.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    envelope = CloudEvent.model_json_schema()
    out["cloudevent-envelope.json"] = json.dumps(envelope, indent=2, sort_keys=True) + "\n"
    return out


def render_asyncapi() -> str:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        refs = {}
        for et in EVENT_TYPES.values():
            if et.topic != topic:
                continue
            name = et.type.removeprefix("th.faemban.").replace(".", "_").replace("-", "_")
            messages[name] = {
                "name": et.type,
                "contentType": "application/cloudevents+json",
                "summary": (et.model.__doc__ or "").strip().splitlines()[0] if et.model.__doc__ else et.type,
                "headers": {"$ref": "schemas/cloudevent-envelope.json"},
                "payload": {"$ref": f"schemas/{et.type}.json"},
            }
            refs[name] = {"$ref": f"#/components/messages/{name}"}
        channels[topic] = {
            "address": topic,
            "description": "Kafka topic keyed by household id; retention.ms=-1 (replayable from offset 0)",
            "messages": refs,
        }
    doc = {
        "asyncapi": "3.0.0",
        "info": {"title": "Faemban public events", "version": "1.0.0"},
        "channels": channels,
        "components": {"messages": messages},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in render_schemas().items():
        (SCHEMA_DIR / name).write_text(text, "utf-8")
    (SCHEMA_DIR / "asyncapi.json").write_text(render_asyncapi(), "utf-8")
    sys.stdout.write(f"wrote {len(EVENT_TYPES) + 2} files to {SCHEMA_DIR}\n")


if __name__ == "__main__":
    main()
