"""docs/cli.md: current, and complete when checked against each command's own --help."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.cli.reference import markdown_reference

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_the_reference_file_is_current():
    assert REFERENCE.read_text(encoding="utf-8") == markdown_reference(cli), (
        "docs/cli.md is out of date: run  python -m qualcode.cli.reference > docs/cli.md"
    )


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### qualcode (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _commands_from_help(runner: CliRunner, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every command path, found by reading the 'Commands:' lists of --help (not the reference code)."""
    out = runner.invoke(cli, [*path, "--help"]).output
    if "Commands:" not in out:
        return []
    found = []
    for line in out.split("Commands:", 1)[1].splitlines():
        match = re.match(r"^  (\S+)\s", line)
        if match:
            child = path + (match.group(1),)
            found.append(child)
            found.extend(_commands_from_help(runner, child))
    return found


def test_every_command_and_every_option_of_its_help_is_in_the_reference():
    runner = CliRunner()
    sections = _sections(REFERENCE.read_text(encoding="utf-8"))
    commands = _commands_from_help(runner, ())
    assert len(commands) > 40
    assert {" ".join(c) for c in commands} == set(sections)
    for path in commands:
        help_text = runner.invoke(cli, [*path, "--help"]).output
        options = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", help_text, flags=re.M)) - {"--help"}
        missing = {option for option in options if f"`{option}" not in sections[" ".join(path)]
                   and f", {option}" not in sections[" ".join(path)] and f"/{option}" not in sections[" ".join(path)]}
        assert not missing, f"qualcode {' '.join(path)}: {sorted(missing)} missing from docs/cli.md"
