"""Documentation cannot drift from the code: every command has help text and a README entry."""

from __future__ import annotations

from pathlib import Path

import typer.main

from aidwatch.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix: str = "aidwatch"):
    # Typer's command objects (click's API, without importing click: newer Typer vendors it)
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def test_every_command_has_help_text_and_is_in_the_readme():
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) >= 8
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"{path} has no help text"
        assert f"`{path}" in README, f"{path} is not in the README's CLI reference"


def test_every_option_has_help_text():
    for path, cmd in _commands(typer.main.get_command(app)):
        for param in cmd.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                assert param.help, f"{path} {param.opts} has no help text"
