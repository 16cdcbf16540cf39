"""Event ids are time-ordered (ADR 0034): each unique index keyed by them (the event store,
inboxes, the timeline) grows at its right edge instead of on a random page."""

from __future__ import annotations

import re
import uuid

from faemban_domain.events.envelope import CloudEvent
from faemban_domain.eventsourcing.records import NewEvent, new_event_id
from faemban_domain.platform.inputs import UUID_PATTERN


def test_event_ids_are_uuid7_in_the_order_they_were_made() -> None:
    ids = [NewEvent("Changed", {}).event_id for _ in range(5_000)]
    ids.append(CloudEvent(source="faemban/test", type="t", subject="H1", data={}).id)
    ids.append(new_event_id())
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {7}
    assert all(str(uuid.UUID(i)) == i for i in ids)  # the canonical lowercase form


def test_an_event_id_still_matches_the_id_format_every_endpoint_accepts() -> None:
    assert re.fullmatch(UUID_PATTERN, new_event_id())
