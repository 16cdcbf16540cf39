"""The ``faemban`` command: its help, and the commands that need no server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from faemban_cli.__main__ import EXAMPLES, app
from faemban_domain.platform.auth import TokenVerifier
from faemban_domain.platform.settings import PlatformSettings

runner = CliRunner()


def test_help_lists_every_command_with_an_example() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    commands = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    commands |= {g.name for g in app.registered_groups if g.name}
    assert commands == set(EXAMPLES)
    for name, example in EXAMPLES.items():
        assert name in result.output and example in result.output
        own = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert own.exit_code == 0 and example in own.output


def test_token_is_verified_by_the_development_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAEMBAN_VAR_DIR", str(tmp_path))
    result = runner.invoke(app, ["token", "--role", "ops_team", "--role", "mentor", "--area", "340701"])
    assert result.exit_code == 0, result.output
    principal = TokenVerifier(PlatformSettings()).verify(result.output.strip())
    assert principal.roles == {"ops_team", "mentor"} and principal.areas == ("340701",)


def test_unknown_role_and_service_are_refused() -> None:
    assert runner.invoke(app, ["token", "--role", "mayor"]).exit_code == 2
    assert runner.invoke(app, ["serve", "billing"]).exit_code == 2


def test_demo_data_writes_the_register(tmp_path: Path) -> None:
    out = tmp_path / "ubon.csv"
    result = runner.invoke(app, ["demo-data", "--province", "34", "--households", "25", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8").count("\n") == 26  # a header and 25 households


def test_import_of_a_missing_file_is_refused_before_any_upload(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "none.csv"), "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
