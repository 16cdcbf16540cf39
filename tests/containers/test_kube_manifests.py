"""The Kubernetes manifests run: `podman play kube` on a local overlay of deploy/k8s.

A smoke run, not a cluster (ADR 0020): podman ignores Services and Ingress, publishes
every containerPort on the host and reads Secrets from its own store. So the overlay
drops Services, Ingress and ports, points the images at the ones built here, the
ConfigMap at the compose stack's Kafka and the signing key, and the database Secret at its
PostgreSQL; the pods join the compose network beside the services they replicate. What it
shows: the Deployments' containers start as written (user, env from ConfigMap and Secret,
probes) and become ready.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from faemban_domain.platform.auth import ensure_dev_keypair
from faemban_domain.testing import eventually

from .conftest import ROOT, ComposeStack

SERVICES = ("registry", "assessment", "planning", "assistance-log", "reporting")
READY = (
    "import sys, urllib.request; "
    "sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=5).status != 200)"
)


def local_overlay(public_key: str) -> list[dict[str, Any]]:
    docs = [
        d for p in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(p.read_text())
    ]
    out = []
    for doc in filter(None, docs):
        if doc["kind"] in ("Service", "Ingress"):
            continue  # podman play kube ignores them; pods reach each other on the network
        if doc["kind"] == "ConfigMap":
            data = doc["data"]
            data.pop("FAEMBAN_JWT_JWKS_URL", None)
            data |= {
                "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
                "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",  # the compose Kafka has no TLS
                "FAEMBAN_KAFKA_REPLICATION_FACTOR": "1",
                "FAEMBAN_JWT_PUBLIC_KEY": public_key,
            }
        if doc["kind"] == "Deployment":
            container = doc["spec"]["template"]["spec"]["containers"][0]
            # the image the stack built for it (assessment-summary runs the assessment's, ADR 0029)
            image = container["image"].rsplit("/", 1)[-1].split(":")[0]
            container["image"] = f"localhost/faemban/{image}:latest"
            container["imagePullPolicy"] = "Never"
            container.pop("ports")  # podman would publish each on the host, all on :8000
            for probe in ("readinessProbe", "livenessProbe"):
                container[probe]["httpGet"]["port"] = 8000  # the named port went with them
            for env in container.get("env", []):
                if env["name"] == "FAEMBAN_REGISTRY_BLOB_STORE":
                    env["value"] = "file:///tmp/faemban/blobs"  # no S3 bucket here
        out.append(doc)
    return out


def deployments_of(overlay: Path) -> list[tuple[str, str]]:
    """(Deployment, its container) of each Deployment in the overlay."""
    return [
        (d["metadata"]["name"], d["spec"]["template"]["spec"]["containers"][0]["name"])
        for d in yaml.safe_load_all(overlay.read_text())
        if d["kind"] == "Deployment"
    ]


@pytest.fixture
def played(compose_stack: ComposeStack, tmp_path: Path) -> Iterator[Path]:
    _, public_key = ensure_dev_keypair(compose_stack.keys.parent)
    overlay = tmp_path / "faemban-local.yaml"
    overlay.write_text(yaml.safe_dump_all(local_overlay(public_key)))
    kafka_env = compose_stack.kafka_admin_env()  # the stack's service principals (kafka-setup)
    secrets = {
        "faemban-databases": {
            f"faemban_{db}": f"postgresql+asyncpg://faemban:faemban@postgres:5432/faemban_{db}"
            for db in (s.replace("-", "_") for s in SERVICES)
        },
        "faemban-kafka": {
            f"faemban-{s}": kafka_env[f"FAEMBAN_KAFKA_PASSWORD_{s.upper().replace('-', '_')}"]
            for s in SERVICES
        },
    }
    for name, values in secrets.items():  # Kubernetes Secrets as podman reads them: base64 values
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({k: base64.b64encode(v.encode()).decode() for k, v in values.items()}))
        compose_stack.engine("secret", "rm", name, check=False)
        compose_stack.engine("secret", "create", name, str(path))
    compose_stack.engine("play", "kube", "--down", str(overlay), check=False)  # a failed run's pods
    try:
        compose_stack.engine("play", "kube", "--network", f"{compose_stack.project}_default", str(overlay))
        yield overlay
    finally:
        compose_stack.engine("play", "kube", "--down", str(overlay), check=False)
        for name in secrets:
            compose_stack.engine("secret", "rm", name, check=False)


async def test_the_manifests_run_and_every_deployment_becomes_ready(
    compose_stack: ComposeStack, played: Path
) -> None:
    deployments = deployments_of(played)
    assert set(SERVICES) <= {name for name, _ in deployments}
    for name, container_name in deployments:
        container = f"{name}-pod-0-{container_name}"

        async def ready(container: str = container) -> bool:
            return compose_stack.engine("exec", container, "python", "-c", READY, check=False).returncode == 0

        await eventually(ready, timeout=240, what=f"{container} ready")
        user = compose_stack.engine("exec", container, "id", "-u").stdout.strip()
        assert user == "10001", (container, user)
