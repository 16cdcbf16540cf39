"""Architecture rules checked over the source tree (no servers needed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "registry": "faemban_registry",
    "assessment": "faemban_assessment",
    "planning": "faemban_planning",
    "assistance-log": "faemban_assistance_log",
    "reporting": "faemban_reporting",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_no_service_imports_another_service() -> None:
    for service, package in SERVICES.items():
        others = set(SERVICES.values()) - {package}
        for path in (ROOT / "services" / service).rglob("*.py"):
            bad = _imports(path) & (others | {"faemban_cli"})
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_shared_kernel_imports_no_service() -> None:
    for path in (ROOT / "libs" / "domain" / "src").rglob("*.py"):
        bad = _imports(path) & (set(SERVICES.values()) | {"faemban_cli"})
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_every_service_is_a_deployable_of_its_own() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    k8s = (ROOT / "deploy" / "k8s" / "services.yaml").read_text()
    for service, package in SERVICES.items():
        base = ROOT / "services" / service
        assert (base / "pyproject.toml").exists()
        dockerfile = (base / "Dockerfile").read_text()
        assert f'"{package}.main:app"' in dockerfile
        assert f"COPY services/{service} services/{service}" in dockerfile
        assert not re.search(rf"COPY services/(?!{re.escape(service)}\b)", dockerfile)
        assert (base / "src" / package / "main.py").exists()
        versions = list((base / "src" / package / "migrations" / "versions").glob("0001_*.py"))
        assert versions, f"{service} has no initial migration"
        assert f"dockerfile: services/{service}/Dockerfile" in compose
        assert f"faemban_{service.replace('-', '_')}" in compose
        assert f"name: {service}\n" in k8s
