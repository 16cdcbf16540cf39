"""Public event contracts: the CloudEvents envelope and the typed data of each event."""

from faemban_domain.events.contracts import EVENT_TYPES, TOPICS, EventType, contract_for
from faemban_domain.events.envelope import (
    CloudEvent,
    PersonalDataInEventError,
    assert_no_personal_data,
)

__all__ = [
    "EVENT_TYPES",
    "TOPICS",
    "CloudEvent",
    "EventType",
    "PersonalDataInEventError",
    "assert_no_personal_data",
    "contract_for",
]
