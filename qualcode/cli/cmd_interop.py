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
    """The summary and notes on stdout, warnings on stderr."""
    for line in lines:
        click.echo(line, err=line.startswith("warning:"))


@import_group.command("qdpx")
@click.argument("file", type=click.Path())
@click.option("--positions", default="auto", show_default=True, metavar="auto|PARTS",
              help="How the file counts positions; PARTS like 'utf16:nobom:crlf2' (codepoint|utf16, "
                   "bom|nobom, crlf2|crlf1) force those choices, the rest is decided from the data.")
@click.option("--utf16", is_flag=True, hidden=True, help="Same as --positions utf16.")
@click.pass_context
def import_qdpx(ctx: click.Context, file: str, positions: str, utf16: bool) -> None:
    """A REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder.

    How the file counts positions (code points or UTF-16 units, BOM, CRLF) is decided for
    each source from where its selections land, and printed."""
    _echo(open_project(ctx).import_qdpx(file, positions="utf16" if utf16 else positions).lines())


@import_group.command("coded-sheet")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--coder", "coders", multiple=True, help="The coder of each file, in the files' order (repeatable).")
@click.option("--coder-column", default=None, help="Instead of --coder: the column that names each row's coder.")
@click.option("--id", "id_column", required=True, help="The column with each response's id.")
@click.option("--text", "text_column", required=True, help="The column with the answer text.")
@click.option("--codes", default="Code *", show_default=True,
              help="The code columns: a pattern (or comma-separated patterns) of column names.")
@click.option("--separator", default="->", show_default=True, help="Between a code and its sub-code in a cell.")
@click.option("--dedupe", type=click.Choice(["keep-first", "suffix"]), default=None,
              help="Duplicate ids: keep each id's first row, or keep all as id-2, id-3 (default: stop and name them).")
@click.option("--questionnaire", default=None, help="Questionnaire to create or match (default: the files' common name).")
@click.option("--question", default=None, help="The open question's name (default: the text column's name).")
@click.option("--sheet", default=None, help="The workbook's sheet (default: the first).")
@click.pass_context
def import_coded_sheet(ctx: click.Context, files: tuple[str, ...], coders: tuple[str, ...], coder_column: str | None,
                       id_column: str, text_column: str, codes: str, separator: str, dedupe: str | None,
                       questionnaire: str | None, question: str | None, sheet: str | None) -> None:
    """Coded spreadsheets (xlsx/csv), one per coder: a row per response, then Code 1 … Code n.

    Sub-codes are written parent->child. Answers are created (or matched by id in an
    existing questionnaire); each coder's codes go on the whole answer, ready for
    'qualcode agreement --unit answer'. Answers like "N/A" are kept when a coder coded them."""
    report = open_project(ctx).import_coded_sheets(
        list(files), id_column=id_column, text_column=text_column, codes=codes, coders=list(coders),
        coder_column=coder_column, separator=separator, dedupe=dedupe, questionnaire=questionnaire,
        question=question, sheet=sheet,
    )
    _echo(report.lines())


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
@click.option("--windows", is_flag=True, help="CRLF line ends and a BOM in the texts.")
@click.option("--positions", default="utf16:nobom:crlf2", show_default=True, metavar="PARTS",
              help="How positions count the texts: NVivo counts UTF-16 units (as ATLAS.ti and MAXQDA are expected to); "
                   "use 'codepoint' for QualCoder.")
@click.option("--anonymise", is_flag=True, help="Replace every confirmed name by its pseudonym (see qualcode redact).")
@click.pass_context
def export_qdpx(ctx: click.Context, out: str, windows: bool, positions: str, anonymise: bool) -> None:
    """A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    _echo(open_project(ctx).export_qdpx(out, windows=windows, positions=positions, anonymise=anonymise).lines())


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
