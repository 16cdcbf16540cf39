"""The broker's users and ACLs, kept in step with ``faemban_domain.platform.kafka_access``.

aiokafka has no admin calls for SCRAM credentials or ACLs, so this one operator tool uses
confluent-kafka's AdminClient (librdkafka). It connects as the administrator the
``KAFKA_SASL_*`` settings name, and it makes a principal's ACLs exactly the wanted set:
missing grants are added, any other ACL of that principal is removed (ADR 0023).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faemban_domain.eventsourcing.broker import KafkaCredentials
from faemban_domain.platform.kafka_access import Grant
from faemban_domain.platform.settings import PlatformSettings
from faemban_domain.platform.wiring import kafka_credentials

SCRAM_ITERATIONS = 8192
"""Kafka's own default for SCRAM-SHA-512 credentials (kafka-configs.sh)."""
TIMEOUT = 30.0


class KafkaAdminError(RuntimeError):
    """The broker refused or did not answer an admin request."""


def librdkafka_config(bootstrap: str, credentials: KafkaCredentials | None) -> dict[str, Any]:
    """The same bootstrap and credentials as the services' aiokafka clients, in librdkafka's names."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap}
    if credentials is not None:
        config |= {
            "security.protocol": credentials.security_protocol,
            "sasl.mechanism": credentials.mechanism,
            "sasl.username": credentials.username,
            "sasl.password": credentials.password,
        }
    return config


def new_password() -> str:
    return secrets.token_urlsafe(24)


def stored_password(secrets_dir: Path, principal: str) -> str:
    """The principal's password from ``secrets_dir`` (0600), made on first use: a re-provision
    keeps every running client's password valid."""
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = secrets_dir / principal
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    password = new_password()
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


@dataclass
class KafkaAccessAdmin:
    client: Any

    @classmethod
    def connect(cls, settings: PlatformSettings | None = None) -> KafkaAccessAdmin:
        from confluent_kafka.admin import AdminClient

        settings = settings or PlatformSettings()
        if not settings.kafka_bootstrap_servers:
            raise KafkaAdminError("KAFKA_BOOTSTRAP_SERVERS is not set")
        config = librdkafka_config(settings.kafka_bootstrap_servers, kafka_credentials(settings))
        return cls(AdminClient(config))

    def set_password(self, principal: str, password: str) -> None:
        """Create the SCRAM-SHA-512 user, or change its password."""
        from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
        futures = self.client.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(principal, info, password.encode())], request_timeout=TIMEOUT
        )
        _wait(futures.values(), f"set the password of {principal}")

    def delete_user(self, principal: str) -> None:
        from confluent_kafka.admin import ScramMechanism, UserScramCredentialDeletion

        futures = self.client.alter_user_scram_credentials(
            [UserScramCredentialDeletion(principal, ScramMechanism.SCRAM_SHA_512)], request_timeout=TIMEOUT
        )
        _wait(futures.values(), f"delete {principal}", missing_ok=True)

    def users(self) -> list[str]:
        future = self.client.describe_user_scram_credentials(request_timeout=TIMEOUT)
        try:
            described = future.result(timeout=TIMEOUT)
        except Exception as exc:
            raise KafkaAdminError(f"could not list users: {_reason(exc)}") from exc
        return sorted(described)

    def acls(self, principal: str | None = None) -> list[Grant]:
        """The ALLOW ACLs on the broker (of one principal, or all)."""
        from confluent_kafka.admin import (
            AclBindingFilter,
            AclOperation,
            AclPermissionType,
            ResourcePatternType,
            ResourceType,
        )

        # None matches any name, principal or host (the stubs say str)
        flt = AclBindingFilter(
            ResourceType.ANY,
            None,  # type: ignore[arg-type]
            ResourcePatternType.ANY,
            principal,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            AclOperation.ANY,
            AclPermissionType.ANY,
        )
        try:
            bindings = self.client.describe_acls(flt, request_timeout=TIMEOUT).result(timeout=TIMEOUT)
        except Exception as exc:
            raise KafkaAdminError(f"could not describe ACLs: {_reason(exc)}") from exc
        return sorted(_grant(b) for b in bindings)

    def sync(self, principal: str, wanted: Sequence[Grant]) -> tuple[int, int]:
        """Make ``principal``'s ACLs exactly ``wanted``; returns (added, removed)."""
        current = set(self.acls(principal))
        add = [g for g in wanted if g not in current]
        remove = [g for g in current if g not in set(wanted)]
        if add:
            futures = self.client.create_acls([_binding(g) for g in add], request_timeout=TIMEOUT)
            _wait(futures.values(), f"grant ACLs to {principal}")
        if remove:
            futures = self.client.delete_acls(
                [_binding(g, as_filter=True) for g in remove], request_timeout=TIMEOUT
            )
            _wait(futures.values(), f"revoke ACLs of {principal}")
        return len(add), len(remove)


def _wait(futures: Iterable[Any], what: str, missing_ok: bool = False) -> None:
    for future in futures:
        try:
            future.result(timeout=TIMEOUT)
        except Exception as exc:
            if missing_ok and "RESOURCE_NOT_FOUND" in str(exc).upper():
                continue
            raise KafkaAdminError(f"could not {what}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):  # concurrent.futures' timeout says nothing itself
        return f"the broker did not answer within {TIMEOUT:.0f} s (KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_*?)"
    return str(exc) or type(exc).__name__


_RESOURCE = {"topic": "TOPIC", "group": "GROUP", "cluster": "BROKER"}
_PATTERN = {"literal": "LITERAL", "prefixed": "PREFIXED"}


def _binding(grant: Grant, *, as_filter: bool = False) -> Any:
    from confluent_kafka.admin import (
        AclBinding,
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    cls = AclBindingFilter if as_filter else AclBinding
    return cls(
        ResourceType[_RESOURCE[grant.resource_type]],
        grant.name,
        ResourcePatternType[_PATTERN[grant.pattern]],
        grant.principal,
        "*",
        AclOperation[grant.operation.upper()],
        AclPermissionType.ALLOW,
    )


def _grant(binding: Any) -> Grant:
    resource = {v: k for k, v in _RESOURCE.items()}[binding.restype.name]
    pattern = {v: k for k, v in _PATTERN.items()}[binding.resource_pattern_type.name]
    return Grant(
        binding.principal,
        resource,  # type: ignore[arg-type]
        binding.name,
        pattern,  # type: ignore[arg-type]
        binding.operation.name.lower(),
    )


def provisioning_script(services: Sequence[tuple[str, Sequence[Grant]]]) -> str:
    """The same provisioning as ``faemban kafka provision``, as a POSIX shell script over Kafka's
    own tools (``kafka-configs.sh``, ``kafka-acls.sh``), for the compose stack's one-shot
    ``kafka-setup`` container: it runs in the Kafka image (the apache/kafka one or ours), so
    the compose file works without Faemban's command. Grants only add (stale ACLs are revoked
    by ``faemban kafka provision``)."""
    lines = [
        "#!/bin/sh",
        "# Generated by `faemban kafka provision --script` from the services' declarations: do not",
        "# edit (tests/deploy checks it is current). The compose stack's kafka-setup runs it in the",
        "# Kafka image as the administrator: each service's SCRAM principal and its ACLs (ADR 0023).",
        "# Passwords: FAEMBAN_KAFKA_PASSWORD_<SERVICE>; the administrator's client settings:",
        "# FAEMBAN_KAFKA_ADMIN_CONFIG (deploy/compose/kafka-admin.properties).",
        "set -eu",
        'BIN="${FAEMBAN_KAFKA_BIN:-/opt/kafka/bin}"',
        'SERVER="${FAEMBAN_KAFKA_SERVER:-kafka:9092}"',
        'CONFIG="${FAEMBAN_KAFKA_ADMIN_CONFIG:-/etc/faemban/kafka-admin.properties}"',
        "user() {",
        '  "$BIN/kafka-configs.sh" --bootstrap-server "$SERVER" --command-config "$CONFIG" --alter \\',
        '    --entity-type users --entity-name "$1" \\',
        f'    --add-config "SCRAM-SHA-512=[iterations={SCRAM_ITERATIONS},password=$2]" >/dev/null',
        "}",
        "acl() {",
        '  "$BIN/kafka-acls.sh" --bootstrap-server "$SERVER" --command-config "$CONFIG" \\',
        '    --add --allow-principal "$@" >/dev/null',
        "}",
        "principal() {",
    ]
    body: list[str] = []
    for service, grants in services:
        env = "FAEMBAN_KAFKA_PASSWORD_" + service.upper().replace("-", "_")
        principal = grants[0].principal.removeprefix("User:")
        body.append(f"  {principal})")
        body.append(f'    user {principal} "${{{env}:?{env} is not set}}"')
        # one call per (resource type, pattern, operations): Kafka's tools start a JVM each
        calls: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
        names = sorted({(g.resource_type, g.pattern, g.name) for g in grants})
        for rtype, pattern, name in names:
            ops = tuple(
                sorted(
                    g.operation
                    for g in grants
                    if (g.resource_type, g.pattern, g.name) == (rtype, pattern, name)
                )
            )
            calls.setdefault((rtype, pattern, ops), []).append(name)
        for (kind, how, operations), resources in sorted(calls.items()):
            args = " ".join(f"--operation {op.capitalize()}" for op in operations)
            args += f" --resource-pattern-type {how}"
            args += "".join(f" --{kind} {name}" for name in resources)
            body.append(f"    acl {grants[0].principal} {args}")
        body.append("    ;;")
    lines += ['  case "$1" in', *body, "  esac", "}"]
    lines += [
        "# the principals in parallel (a JVM per call), every failure reported",
        "pids=''",
        *[
            f'principal {grants[0].principal.removeprefix("User:")} & pids="$pids $!"'
            for _, grants in services
        ],
        "failed=0",
        'for pid in $pids; do wait "$pid" || failed=1; done',
        '[ "$failed" = 0 ] && echo "kafka-setup: every service principal and its ACLs are in place"',
        'exit "$failed"',
    ]
    return "\n".join(lines) + "\n"
