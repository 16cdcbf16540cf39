"""A partner's consumer of Faemban's public events: SASL/SCRAM, its own consumer group, and
every CloudEvent checked against the published JSON Schemas.

Standalone on purpose (aiokafka + jsonschema, nothing of Faemban's code): a partner gets
its credentials from `faemban partner add` and the schemas from Faemban's published
`schemas/` folder (cloudevent-envelope.json and one <type>.json per event type).

    export KAFKA_BOOTSTRAP_SERVERS=broker:9092 KAFKA_SASL_USERNAME=partner-dole-ubon
    export KAFKA_SASL_PASSWORD_FILE=partner.secret
    python consumer.py --schemas path/to/schemas --topic faemban.assessment.v1

Prints one JSON line per event (topic, offset, type, subject, areacode, valid, errors) and
commits its position in its group after each batch, so a restart carries on where it was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from jsonschema import Draft202012Validator


class Schemas:
    """The envelope's schema and one per event type, loaded once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.envelope = Draft202012Validator(json.loads((folder / "cloudevent-envelope.json").read_text()))
        self._types: dict[str, Draft202012Validator | None] = {}

    def for_type(self, event_type: str) -> Draft202012Validator | None:
        if event_type not in self._types:
            path = self.folder / f"{event_type}.json"
            # a type newer than the partner's copy of the schemas: reported, not guessed at
            known = path.is_file() and "/" not in event_type
            self._types[event_type] = Draft202012Validator(json.loads(path.read_text())) if known else None
        return self._types[event_type]

    def check(self, raw: bytes) -> dict[str, Any]:
        try:
            event = json.loads(raw)
        except ValueError as exc:
            return {"valid": False, "errors": [f"not JSON: {exc}"]}
        if not isinstance(event, dict):
            return {"valid": False, "errors": ["not a JSON object"]}
        errors = [f"envelope: {e.message}" for e in self.envelope.iter_errors(event)]
        event_type = str(event.get("type", ""))
        validator = self.for_type(event_type)
        if validator is None:
            errors.append(f"no schema for type {event_type!r}")
        else:
            errors += [
                f"data{_path(e.absolute_path)}: {e.message}" for e in validator.iter_errors(event.get("data"))
            ]
        return {
            "type": event_type,
            "subject": event.get("subject"),
            "areacode": event.get("areacode"),
            "valid": not errors,
            "errors": errors,
        }


def _path(parts: Any) -> str:
    return "".join(f"[{p!r}]" for p in parts)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    username = os.environ["KAFKA_SASL_USERNAME"]
    password = os.environ.get("KAFKA_SASL_PASSWORD")
    if password is None:
        password = Path(os.environ["KAFKA_SASL_PASSWORD_FILE"]).read_text().strip()
    group = args.group or f"{username}.example"
    if not group.startswith(f"{username}."):
        sys.exit(f"the group must start with {username}. (the only groups this partner may use)")
    return {
        "bootstrap_servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        "security_protocol": os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": username,
        "sasl_plain_password": password,
        "group_id": group,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
    }


async def consume(args: argparse.Namespace) -> int:
    schemas = Schemas(args.schemas)
    consumer = AIOKafkaConsumer(*args.topic, **settings(args))
    await consumer.start()
    seen = invalid = idle = 0
    try:
        while seen < args.max_events and idle < args.idle_seconds:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            if not batches:
                idle += 1
                continue
            idle = 0
            for tp, records in batches.items():
                for record in records:
                    line = {"topic": tp.topic, "partition": tp.partition, "offset": record.offset}
                    line |= schemas.check(record.value)
                    invalid += not line["valid"]
                    seen += 1
                    print(json.dumps(line, ensure_ascii=False), flush=True)
            await consumer.commit()
    finally:
        await consumer.stop()
    print(f"{seen} events, {invalid} not matching the schemas", file=sys.stderr)
    return 1 if invalid else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topic", action="append", required=True, help="a topic granted to this partner")
    parser.add_argument("--schemas", type=Path, required=True, help="Faemban's published schemas folder")
    parser.add_argument("--group", help="consumer group (default <username>.example)")
    parser.add_argument("--max-events", type=int, default=sys.maxsize, help="stop after this many events")
    parser.add_argument(
        "--idle-seconds", type=int, default=sys.maxsize, help="stop after this long without one"
    )
    sys.exit(asyncio.run(consume(parser.parse_args())))


if __name__ == "__main__":
    main()
