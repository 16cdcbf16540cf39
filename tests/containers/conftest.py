"""The compose stack in containers (docker-compose.yml through deploy/containers/stack.sh).

One stack for the session, under a project name and loopback ports of its own so it never
meets a developer's `make up` (18080) or `make run` (8000); started fresh (volumes
removed) and taken down with its volumes at the end. Images come from `make images`'
cache: the first run builds them, a repeat costs seconds.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from faemban_domain.platform.auth import ensure_dev_keypair, mint_token

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "containers" / "stack.sh"
PROJECT = "faemban-ctest"
ENGINE_SCRIPT = 'source "$1"; ensure_engine; shift; "$ENGINE" "$@"'
PORTS = {
    "gateway": 28080,
    "registry": 28001,
    "assessment": 28002,
    "planning": 28003,
    "assistance-log": 28004,
    "reporting": 28005,
}

KAFKA_HOST_PORT = 28092


@dataclass
class ComposeStack:
    project: str
    env: dict[str, str]
    keys: Path
    started_in: float

    def url(self, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{PORTS[service]}"

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"

    def engine(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The container engine, configured as the scripts configure it."""
        done = subprocess.run(
            ["bash", "-c", ENGINE_SCRIPT, "engine", str(STACK.parent / "engine.sh"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr[-3000:]}")
        return done

    def kafka_admin_env(self) -> dict[str, str]:
        """The stack Kafka's administrator settings on the loopback port (``stack.sh kafka-env``)."""
        done = subprocess.run(
            [str(STACK), "kafka-env"], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        out: dict[str, str] = {}
        for line in done.stdout.splitlines():
            for pair in line.removeprefix("export ").split():
                name, _, value = pair.partition("=")
                out[name] = value
        return out

    def auth(self, roles: list[str], areas: list[str], sub: str = "container-e2e") -> dict[str, str]:
        private, _ = ensure_dev_keypair(self.keys.parent)
        return {"Authorization": f"Bearer {mint_token(private, roles=roles, areas=areas, sub=sub)}"}


def _stack(env: dict[str, str], *args: str, timeout: float) -> None:
    done = subprocess.run([str(STACK), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(
            f"stack.sh {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
        )


@pytest.fixture(scope="session")
def compose_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeStack]:
    keys = tmp_path_factory.mktemp("container-keys") / "dev-keys"
    ensure_dev_keypair(keys.parent)
    env = {
        **os.environ,
        "FAEMBAN_COMPOSE_PROJECT": PROJECT,
        "FAEMBAN_KEYS_DIR": str(keys),
        "FAEMBAN_GATEWAY_PORT": str(PORTS["gateway"]),
        "FAEMBAN_KAFKA_HOST_PORT": str(KAFKA_HOST_PORT),
        **{f"FAEMBAN_{s.upper().replace('-', '_')}_PORT": str(p) for s, p in PORTS.items() if s != "gateway"},
    }
    _stack(env, "down", "--volumes", timeout=300)
    started = time.monotonic()
    try:
        _stack(env, "up", timeout=1800)
        yield ComposeStack(project=PROJECT, env=env, keys=keys, started_in=time.monotonic() - started)
    finally:
        if not os.environ.get("FAEMBAN_KEEP_CONTAINERS"):  # set it to look at a failed run
            _stack(env, "down", "--volumes", timeout=300)
