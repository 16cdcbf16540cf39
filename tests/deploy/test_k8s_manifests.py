"""The Kubernetes manifests against the Kubernetes API's own schemas, offline.

kubernetes-validate carries the OpenAPI-derived JSON Schemas of each Kubernetes release
(as kubeconform would fetch them), so this runs without a cluster or a network. Strict:
a misspelt field is an error, not something a cluster silently drops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
# the oldest release we promise to run on and the newest the schemas know
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_there_are_manifests_for_every_service() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for p in MANIFESTS for d in documents(p)}
    for service in ("registry", "assessment", "planning", "assistance-log", "reporting"):
        assert ("Deployment", service) in kinds and ("Service", service) in kinds


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_is_valid_kubernetes(path: Path, version: str) -> None:
    for doc in documents(path):
        # raises ValidationError on any violation; answers the release it validated against
        validated = kubernetes_validate.validate(doc, version, strict=True)
        assert validated == version.rsplit(".", 1)[0], (doc["kind"], doc["metadata"]["name"])


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["spec"].update(replicas="two"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(readinessProbes={}),
        lambda d: d["spec"].pop("selector"),
    ],
    ids=["wrong type", "unknown field", "missing required field"],
)
def test_the_validation_rejects_a_broken_deployment(break_it: Any) -> None:
    deployment = next(d for p in MANIFESTS for d in documents(p) if d["kind"] == "Deployment")
    break_it(deployment)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)
