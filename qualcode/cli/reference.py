"""The command-line reference (docs/cli.md), written from the commands themselves.

Why generated: the help text lives next to each option, so a reference typed by hand
drifts as soon as a command grows an option. A test compares docs/cli.md with
:func:`markdown_reference`; after changing a command, rewrite the file with::

    python -m qualcode.cli.reference > docs/cli.md
"""
from __future__ import annotations

import sys

import click

HEADER = """# qualcode command reference

Every command and option, written from the commands' own help
(`python -m qualcode.cli.reference > docs/cli.md`; a test checks that this file is
current). `qualcode COMMAND --help` prints the same text. Commands find the project from
`--project`, `$QUALCODE_PROJECT`, or the one `*.qcproj` in the current folder; a mistake
prints one line and exits with 1 (bad input) or 2 (bad usage), changing nothing.
"""


def markdown_reference(root: click.Group) -> str:
    """Markdown for every command under ``root``: usage, description and options, in order."""
    lines = [HEADER]
    lines += ["## Global options (before the command)", "", "| option | what it does |", "| --- | --- |"]
    context = _root_context(root)
    for parameter in root.get_params(context):
        record = parameter.get_help_record(context) if isinstance(parameter, click.Option) else None
        if record is not None and "--help" not in record[0]:
            lines.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
    lines += ["", "## Commands", ""]
    for path, _command in _walk(root, ()):
        anchor = "-".join(path)
        lines.append(f"- [`qualcode {' '.join(path)}`](#{anchor})")
    lines.append("")
    for path, command in _walk(root, ()):
        lines.extend(_section(root, path, command))
    return "\n".join(lines).rstrip() + "\n"


def _root_context(root: click.Group) -> click.Context:
    """A context of the root group with its own settings (``-h`` beside ``--help``). Click
    keeps the help option a command first builds; one built from a bare context would
    know only ``--help``, and ``qualcode stats priorities -h`` run later in the same
    process (a notebook, the test suite) would be refused."""
    return click.Context(root, info_name="qualcode", **root.context_settings)


def _walk(group: click.Group, prefix: tuple[str, ...]):
    """(path, command) for every command below ``group``, depth first, names sorted."""
    context = _root_context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from _walk(command, path)


def _section(root: click.Group, path: tuple[str, ...], command: click.Command) -> list[str]:
    parent = _root_context(root)
    for name in path[:-1]:
        parent = click.Context(parent.command.get_command(parent, name), info_name=name, parent=parent)
    context = click.Context(command, info_name=path[-1], parent=parent)
    pieces = command.collect_usage_pieces(context)
    if isinstance(command, click.Group) and pieces:
        # click 8.5 writes "[COMMAND]" for a group that runs without one, older clicks
        # "COMMAND": say it ourselves, so the reference is the same whichever click pip chose
        pieces[-1] = "[COMMAND] [ARGS]..." if command.invoke_without_command else "COMMAND [ARGS]..."
    usage = " ".join(pieces)
    lines = [f'<a id="{"-".join(path)}"></a>', f"### qualcode {' '.join(path)}", ""]
    lines += ["```", f"qualcode {' '.join(path)} {usage}".rstrip(), "```", ""]
    lines += [_plain(command.help or ""), ""]
    rows = [
        record for parameter in command.get_params(context)
        if isinstance(parameter, click.Option)  # arguments are in the usage line (and click >= 8.2 lists them too)
        and (record := parameter.get_help_record(context)) is not None and "--help" not in record[0]
    ]
    if rows:
        lines += ["| option | what it does |", "| --- | --- |"]
        lines += [f"| `{_cell(flags)}` | {_cell(text)} |" for flags, text in rows]
        lines.append("")
    return lines


def _plain(text: str) -> str:
    """Click help text as Markdown: each paragraph reflowed onto one line."""
    return "\n\n".join(" ".join(block.split()) for block in click.unstyle(text).strip().split("\n\n"))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":  # pragma: no cover
    from qualcode.cli import cli

    sys.stdout.write(markdown_reference(cli))
