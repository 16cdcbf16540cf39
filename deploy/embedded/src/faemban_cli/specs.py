"""The five services, in start order (publishers before their consumers)."""

from __future__ import annotations

from faemban_assessment.service import SPEC as ASSESSMENT
from faemban_assistance_log.service import SPEC as ASSISTANCE_LOG
from faemban_domain.platform.kafka_access import Grant, service_grants
from faemban_domain.platform.service import ServiceSpec
from faemban_planning.service import SPEC as PLANNING
from faemban_registry.service import SPEC as REGISTRY
from faemban_reporting.service import SPEC as REPORTING

ALL: tuple[ServiceSpec, ...] = (REGISTRY, ASSESSMENT, PLANNING, ASSISTANCE_LOG, REPORTING)
BY_NAME: dict[str, ServiceSpec] = {s.name: s for s in ALL}
PORTS: dict[str, int] = {
    "registry": 8001,
    "assessment": 8002,
    "planning": 8003,
    "assistance-log": 8004,
    "reporting": 8005,
}


def service_grants_of(spec: ServiceSpec) -> list[Grant]:
    """The broker ACLs of a service, from the topic it publishes and its consumers' topics."""
    return service_grants(spec.name, spec.publishes, [t for c in spec.consumers for t in c.topics])
