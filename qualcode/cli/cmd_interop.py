"""Commands for interoperability (issue 8): REFI-QDA, QualCoder and Dedoose in and out,
and merging a coder's copy of the project (issue 7).

Each command prints the report's summary on stdout and each warning (what was dropped
and why, conflicts) on stderr, one line each, so scripts can keep the summary apart.
"""
from __future__ import annotations

import click

from qualcode.cli.cmd_coding import import_group
from qualcode.cli.context import open_project
from qualcode.cli.main import cli


def _echo(lines: list[str]) -> None:
    click.echo(lines[0])
    for line in lines[1:]:
        click.echo(line, err=True)


@import_group.command("qdpx")
@click.argument("file", type=click.Path())
@click.option("--utf16", is_flag=True, help="The file's positions count UTF-16 units (some older tools).")
@click.pass_context
def import_qdpx(ctx: click.Context, file: str, utf16: bool) -> None:
    """A REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    _echo(open_project(ctx).import_qdpx(file, positions="utf16" if utf16 else "codepoint").lines())


@import_group.command("qualcoder")
@click.argument("folder", type=click.Path())
@click.pass_context
def import_qualcoder(ctx: click.Context, folder: str) -> None:
    """A QualCoder project (the *.qda folder or its data.qda)."""
    _echo(open_project(ctx).import_qualcoder(folder).lines())


@import_group.command("dedoose")
@click.argument("file", type=click.Path())
@click.option("--media", type=click.Path(), default=None,
              help="Folder of the media texts (.txt/.md/.docx named like the media titles).")
@click.pass_context
def import_dedoose(ctx: click.Context, file: str, media: str | None) -> None:
    """A Dedoose excerpt export (.xlsx/.csv); excerpts are placed in the media texts."""
    _echo(open_project(ctx).import_dedoose(file, media=media).lines())


@cli.command("merge")
@click.argument("other", metavar="OTHER.qcproj")
@click.option("--coder", default=None, help="Only this coder's applications.")
@click.pass_context
def merge(ctx: click.Context, other: str, coder: str | None) -> None:
    """Bring a coder's copy of the project (its codings, new codes, memos) into this one."""
    _echo(open_project(ctx).merge_project(other, coder=coder).lines())


@cli.group("export")
def export_group() -> None:
    """Write the project for other tools or for reading."""


@export_group.command("qdpx")
@click.argument("out", type=click.Path())
@click.option("--windows", is_flag=True, help="CRLF line ends and a BOM in the texts (positions count them).")
@click.option("--anonymise", is_flag=True, help="Replace every confirmed name by its pseudonym (see qualcode redact).")
@click.pass_context
def export_qdpx(ctx: click.Context, out: str, windows: bool, anonymise: bool) -> None:
    """A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    _echo(open_project(ctx).export_qdpx(out, windows=windows, anonymise=anonymise).lines())


@export_group.command("qdc")
@click.argument("out", type=click.Path())
@click.pass_context
def export_qdc(ctx: click.Context, out: str) -> None:
    """The codebook as a REFI-QDA codebook (.qdc)."""
    _echo(open_project(ctx).export_qdc(out).lines())


def _report_export(fmt: str, help_text: str) -> None:
    @export_group.command(fmt, help=help_text)
    @click.argument("out", type=click.Path())
    @click.pass_context
    def command(ctx: click.Context, out: str) -> None:
        path = open_project(ctx).export_report(fmt, out)
        click.echo(f"wrote {path}")


_report_export("xlsx", "The analysis as one Excel workbook (a sheet per table, figures embedded).")
_report_export("html", "The analysis as one self-contained HTML file.")
_report_export("md", "The analysis as Markdown, figures in figures/ beside it.")
_report_export("csv", "Every table of the analysis as CSV files in folder OUT.")
