"""Who may do what on the broker: the ACLs of each service's and each partner's principal.

Derived from what a service declares (the topic it publishes, the topics its consumers
read), so the grants cannot drift from the code: a service writes its own topic and the
dead-letter topics of what it consumes, reads what it consumes, and joins only its own
consumer groups. A partner reads public topics it was granted, in groups under its own
prefix, and nothing else (ADR 0023). Deny is the broker's default for everything not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from faemban_domain.events.contracts import TOPICS
from faemban_domain.eventsourcing.consumer import dlq_topic

PUBLIC_TOPICS: tuple[str, ...] = TOPICS
"""The topics partners may be granted: the four service topics, whose events carry no personal
data or free text (docs/domain.md, "Personal data"). Dead-letter topics hold the raw failing
record and its error text, so they are never public; neither are Kafka's internal topics."""

PARTNER_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
"""A partner's short name (``dole-ubon``): its principal and its consumer-group prefix."""

ResourceType = Literal["topic", "group", "cluster"]
Operation = Literal["read", "write", "create", "describe"]
Pattern = Literal["literal", "prefixed"]


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """One ALLOW ACL: ``principal`` may ``operation`` on ``resource_type`` ``name``."""

    principal: str
    resource_type: ResourceType
    name: str
    pattern: Pattern
    operation: Operation


def service_principal(service: str) -> str:
    return f"faemban-{service}"


def consumer_group(service: str, members: Sequence[str] = ()) -> str:
    """The consumer group of a service's subscription (its members share one). A process that
    runs only some of the service's consumers (``members``, ADR 0029) subscribes in a group
    of its own for them: a group's partitions are split between its processes, and each
    process must read every partition of its members' topics."""
    group = f"{service}.consumers"
    return f"{group}.{'+'.join(sorted(members))}" if members else group


def service_group_prefix(service: str) -> str:
    return f"{service}."


def partner_principal(partner: str) -> str:
    return f"partner-{partner}"


def partner_group_prefix(partner: str) -> str:
    """A partner names its consumer groups ``partner-<name>.<anything>``; no other group is its."""
    return f"{partner_principal(partner)}."


def service_grants(service: str, publishes: str | None, consumes: Iterable[str]) -> list[Grant]:
    """The least a service needs: create and write its topic; read (and create) what it
    consumes; create and write those topics' dead-letter topics; its own consumer groups."""
    user = f"User:{service_principal(service)}"
    grants: set[Grant] = set()

    def topic(name: str, *ops: Operation) -> None:
        grants.update(Grant(user, "topic", name, "literal", op) for op in ops)

    if publishes:
        topic(publishes, "create", "write", "describe")
    consumed = list(dict.fromkeys(consumes))
    for name in consumed:
        # create too: aiokafka's consumer waits at start until every subscribed topic exists,
        # so one started before (or without) the topic's owner would wait forever; creating
        # the empty topic lets it read on, and grants neither write nor delete
        topic(name, "create", "read", "describe")
        topic(dlq_topic(name), "create", "write", "describe")
    if consumed:
        grants.add(Grant(user, "group", service_group_prefix(service), "prefixed", "read"))
        grants.add(Grant(user, "group", service_group_prefix(service), "prefixed", "describe"))
    return sorted(grants)


class NotPublic(ValueError):
    """A partner was to be granted a topic that is not public."""


def partner_grants(partner: str, topics: Sequence[str]) -> list[Grant]:
    """Read (and describe) of the granted public topics; its own consumer-group prefix."""
    if not PARTNER_NAME.fullmatch(partner):
        raise ValueError(f"partner name {partner!r} must match {PARTNER_NAME.pattern}")
    if not topics:
        raise NotPublic("grant at least one public topic")
    refused = [t for t in topics if t not in PUBLIC_TOPICS]
    if refused:
        raise NotPublic(f"not public topics: {', '.join(refused)} (public: {', '.join(PUBLIC_TOPICS)})")
    user = f"User:{partner_principal(partner)}"
    grants = {Grant(user, "topic", t, "literal", op) for t in topics for op in ("read", "describe")}
    prefix = partner_group_prefix(partner)
    grants.update(Grant(user, "group", prefix, "prefixed", op) for op in ("read", "describe"))
    return sorted(grants)


def service_client_env(service: str, secrets_dir: Path) -> dict[str, str]:
    """The ``KAFKA_SASL_*`` variables a launcher gives a service's process, its password read
    from ``secrets_dir`` (``faemban kafka provision --secrets-dir``)."""
    principal = service_principal(service)
    return {
        "KAFKA_SASL_USERNAME": principal,
        "KAFKA_SASL_PASSWORD": (secrets_dir / principal).read_text().strip(),
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    }
