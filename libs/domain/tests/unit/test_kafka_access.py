"""The grant rules of the broker's principals (the broker-side matrix is in tests/e2e)."""

from __future__ import annotations

import pytest

from faemban_domain.events.contracts import ASSESSMENT_TOPIC, REGISTRY_TOPIC, TOPICS
from faemban_domain.platform.kafka_access import (
    PUBLIC_TOPICS,
    Grant,
    NotPublic,
    partner_grants,
    service_grants,
)


def test_a_service_writes_its_topic_and_the_dead_letters_of_what_it_consumes() -> None:
    grants = service_grants("assessment", ASSESSMENT_TOPIC, [REGISTRY_TOPIC, REGISTRY_TOPIC])
    user = "User:faemban-assessment"
    writes = {g.name for g in grants if g.operation == "write"}
    reads = {g.name for g in grants if g.operation == "read" and g.resource_type == "topic"}
    assert writes == {ASSESSMENT_TOPIC, f"{REGISTRY_TOPIC}.dlq"}
    assert reads == {REGISTRY_TOPIC}
    assert Grant(user, "group", "assessment.", "prefixed", "read") in grants
    assert all(g.principal == user for g in grants)
    assert len(grants) == len(set(grants))  # a topic consumed twice is granted once


def test_a_service_that_consumes_nothing_joins_no_group() -> None:
    grants = service_grants("registry", REGISTRY_TOPIC, [])
    assert {g.resource_type for g in grants} == {"topic"}


def test_a_partner_reads_only_public_topics_in_its_own_groups() -> None:
    grants = partner_grants("dole-ubon", [ASSESSMENT_TOPIC])
    assert {(g.resource_type, g.name, g.pattern, g.operation) for g in grants} == {
        ("topic", ASSESSMENT_TOPIC, "literal", "read"),
        ("topic", ASSESSMENT_TOPIC, "literal", "describe"),
        ("group", "partner-dole-ubon.", "prefixed", "read"),
        ("group", "partner-dole-ubon.", "prefixed", "describe"),
    }
    assert PUBLIC_TOPICS == TOPICS


@pytest.mark.parametrize(
    "topics",
    [[f"{ASSESSMENT_TOPIC}.dlq"], ["__consumer_offsets"], [ASSESSMENT_TOPIC, "faemban.registry.v1.dlq"], []],
)
def test_a_partner_is_never_granted_a_topic_that_is_not_public(topics: list[str]) -> None:
    with pytest.raises(NotPublic):
        partner_grants("dole-ubon", topics)


@pytest.mark.parametrize("name", ["", "A", "x", "dole_ubon", "-dole", "dole.ubon", "a" * 41, "dole ubon"])
def test_a_partner_name_is_a_short_lowercase_slug(name: str) -> None:
    with pytest.raises(ValueError):
        partner_grants(name, [ASSESSMENT_TOPIC])
