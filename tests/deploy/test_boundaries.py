"""Architecture rules checked over the source tree (no servers needed).

The rules (docs/adr/0001, "Conventions"): a service's ``domain/`` is plain Python (no
database, web framework, image library or the service's own adapters); its
``entrypoints/`` translate HTTP and hold no SQL; its ``service_layer/`` builds SQL only in
``queries`` modules; no service imports another; the shared kernel imports no service;
environment variables are read only through settings classes.
The checker is tested on a temporary tree, so a rule that stopped finding anything fails.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "registry": "faemban_registry",
    "assessment": "faemban_assessment",
    "planning": "faemban_planning",
    "assistance-log": "faemban_assistance_log",
    "reporting": "faemban_reporting",
}
DOMAIN_FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "PIL", "aiokafka", "asyncpg", "aiosqlite")
"""Top-level packages a service's ``domain/`` must not import."""
DOMAIN_FORBIDDEN_LAYERS = ("adapters", "entrypoints", "service_layer")
ENTRYPOINT_FORBIDDEN = ("sqlalchemy",)
SETTINGS_MODULES = ("settings.py",)
"""The only modules that may read the environment (pydantic-settings classes)."""


def _modules(path: Path) -> set[str]:
    """Every module an import statement in ``path`` names (``a.b.c`` and its parents)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return found


def _imported(path: Path) -> set[str]:
    """The modules named by the file's import statements, as written."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _writes_sql(path: Path) -> bool:
    """Builds SQL: imports sqlalchemy itself (a connection's type, ``sqlalchemy.ext.asyncio``, is
    not SQL and may be passed through)."""
    return any(
        m == "sqlalchemy" or (m.startswith("sqlalchemy.") and m != "sqlalchemy.ext.asyncio")
        for m in _imported(path)
    )


def _reads_environment(path: Path) -> bool:
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                return True
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(alias.name in ("environ", "getenv") for alias in node.names):
                return True
    return False


def _sources(root: Path, *parts: str) -> Iterator[Path]:
    base = root.joinpath(*parts)
    yield from (p for p in sorted(base.rglob("*.py")) if "tests" not in p.relative_to(base).parts)


def violations(root: Path) -> list[str]:
    """Every broken rule in the tree at ``root``, one line each."""
    out: list[str] = []
    packages = set(SERVICES.values())
    for service, package in SERVICES.items():
        src = root / "services" / service / "src" / package
        others = packages - {package}
        for path in (root / "services" / service).rglob("*.py"):
            modules = _modules(path)
            bad = {m for m in modules if m in others | {"faemban_cli"}}
            if bad:
                out.append(f"{path.relative_to(root)} imports another service: {sorted(bad)}")
        for path in _sources(src, "domain"):
            modules = _modules(path)
            bad = {m for m in modules if m in DOMAIN_FORBIDDEN}
            bad |= {m for m in modules if m in {f"{package}.{layer}" for layer in DOMAIN_FORBIDDEN_LAYERS}}
            if bad:
                out.append(f"{path.relative_to(root)}: domain/ imports {sorted(bad)}")
        for path in _sources(src, "entrypoints"):
            bad = {m for m in _modules(path) if m in ENTRYPOINT_FORBIDDEN}
            if bad:
                out.append(f"{path.relative_to(root)}: entrypoints/ imports {sorted(bad)}")
        for path in _sources(src, "service_layer"):
            if "queries" not in path.relative_to(src).parts[-1] and "queries" not in path.parts[:-1]:
                if _writes_sql(path):
                    out.append(f"{path.relative_to(root)}: SQL outside adapters/ and queries modules")
    for path in _sources(root, "libs", "domain", "src"):
        bad = {m for m in _modules(path) if m in packages | {"faemban_cli"}}
        if bad:
            out.append(f"{path.relative_to(root)}: the shared kernel imports a service: {sorted(bad)}")
    for top in ("services", "libs", "deploy"):
        for path in _sources(root, top):
            if path.name not in SETTINGS_MODULES and _reads_environment(path):
                out.append(f"{path.relative_to(root)} reads the environment outside a settings class")
    return out


def test_the_tree_keeps_its_boundaries() -> None:
    assert violations(ROOT) == []


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_the_checker_finds_each_kind_of_breach(tmp_path: Path) -> None:
    """A clean tree passes; each planted breach is reported (the rules can fail)."""
    reg = "services/registry/src/faemban_registry"
    _write(tmp_path, f"{reg}/domain/household.py", "from dataclasses import dataclass\n")
    _write(tmp_path, f"{reg}/entrypoints/api.py", "from fastapi import APIRouter\n")
    _write(tmp_path, f"{reg}/adapters/tables.py", "import sqlalchemy as sa\n")
    _write(tmp_path, f"{reg}/settings.py", "import os\nX = os.environ.get('X')\n")
    _write(tmp_path, "libs/domain/src/faemban_domain/areas.py", "import json\n")
    _write(
        tmp_path,
        f"{reg}/service_layer/unit_of_work.py",
        "from sqlalchemy.ext.asyncio import AsyncConnection\n",
    )
    _write(tmp_path, f"{reg}/service_layer/queries/summary.py", "import sqlalchemy as sa\n")
    _write(tmp_path, f"{reg}/service_layer/queries.py", "import sqlalchemy as sa\n")
    assert violations(tmp_path) == []

    planted = {
        f"{reg}/domain/rules.py": "import sqlalchemy\n",
        f"{reg}/domain/photo.py": "from PIL import Image\n",
        f"{reg}/domain/uses_adapter.py": "from faemban_registry.adapters import tables\n",
        f"{reg}/entrypoints/raw.py": "from sqlalchemy import select\n",
        f"{reg}/service_layer/cross.py": "from faemban_assessment.domain import household\n",
        f"{reg}/service_layer/cross_module.py": "import faemban_reporting.service\n",
        "libs/domain/src/faemban_domain/bad.py": "import faemban_registry\n",
        f"{reg}/adapters/env.py": "import os\nURL = os.getenv('URL')\n",
        f"{reg}/service_layer/households.py": "import sqlalchemy as sa\n",
        f"{reg}/service_layer/photos.py": "from sqlalchemy import select\n",
        "deploy/embedded/src/faemban_cli/env.py": "from os import environ\n",
    }
    for relative, text in planted.items():
        _write(tmp_path, relative, text)
    found = violations(tmp_path)
    for relative in planted:
        assert any(line.startswith(relative) for line in found), f"{relative} not reported: {found}"
    assert len(found) == len(planted)


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
