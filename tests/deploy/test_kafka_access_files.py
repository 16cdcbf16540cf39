"""The compose stack's Kafka access files stay in step with the services' declarations."""

from __future__ import annotations

from pathlib import Path

import yaml

from faemban_cli.kafka_admin import provisioning_script
from faemban_cli.specs import ALL, service_grants_of
from faemban_domain.platform.kafka_access import service_principal

ROOT = Path(__file__).resolve().parents[2]


def test_the_compose_provisioning_script_is_generated_from_the_services() -> None:
    expected = provisioning_script([(s.name, service_grants_of(s)) for s in ALL])
    committed = (ROOT / "deploy" / "compose" / "kafka-access.sh").read_text()
    assert committed == expected, (
        "run: .venv/bin/faemban kafka provision --script > deploy/compose/kafka-access.sh"
    )


def test_every_compose_service_is_its_own_principal_with_a_password_kafka_setup_sets() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    setup_env = services["kafka-setup"]["environment"]
    for spec in ALL:
        env = services[spec.name]["environment"]
        assert env["KAFKA_SASL_USERNAME"] == service_principal(spec.name)
        variable = "FAEMBAN_KAFKA_PASSWORD_" + spec.name.upper().replace("-", "_")
        assert env["KAFKA_SASL_PASSWORD"] == setup_env[variable] == f"${{{variable}:-faemban-{spec.name}}}"
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "PLAINTEXT://" not in kafka["KAFKA_LISTENERS"]
    assert set(kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].replace(",", ":").split(":")[1::2]) == {
        "SASL_PLAINTEXT"
    }
