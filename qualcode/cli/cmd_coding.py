"""Commands that code and retrieve: code, uncode, import codings, excerpts, memo."""
from __future__ import annotations

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, format_option
from qualcode.retrieval import parse_where


@cli.command()
@click.argument("source")
@click.argument("codes", nargs=-1, required=True)
@click.option("--quote", default=None, help="The passage to code, as it appears in the source.")
@click.option("--occurrence", type=int, default=1, show_default=True, help="Which appearance of the quote.")
@click.option("--start", type=int, default=None, help="Start offset (code points).")
@click.option("--end", type=int, default=None, help="End offset (exclusive).")
@click.option("--coder", default=None, help="Who codes (default: $QUALCODE_CODER or your login).")
@click.option("--weight", type=float, default=None, help="Optional weight (within the code's range, 1-10 by default).")
@click.option("--memo", default=None, help="A memo on the excerpt.")
@click.pass_context
def code(ctx: click.Context, source: str, codes: tuple[str, ...], quote: str | None, occurrence: int,
         start: int | None, end: int | None, coder: str | None, weight: float | None, memo: str | None) -> None:
    """Apply CODES to a quoted passage or a span of SOURCE."""
    excerpt_id = open_project(ctx).code(
        source, list(codes), quote=quote, occurrence=occurrence, start=start, end=end,
        coder=coder, weight=weight, memo=memo,
    )
    click.echo(f"excerpt {excerpt_id}: {', '.join(codes)}")


@cli.command()
@click.argument("excerpt_id", type=int)
@click.argument("codes", nargs=-1)
@click.option("--coder", default=None, help="Only this coder's applications.")
@click.pass_context
def uncode(ctx: click.Context, excerpt_id: int, codes: tuple[str, ...], coder: str | None) -> None:
    """Remove CODES (all when none given) from an excerpt."""
    removed = open_project(ctx).uncode(excerpt_id, list(codes) or None, coder=coder)
    click.echo(f"removed {removed} application(s)")


@cli.group("import")
def import_group() -> None:
    """Import codings or other tools' projects."""


@import_group.command("codings")
@click.argument("file", type=click.Path())
@click.option("--create-codes", is_flag=True, help="Add codes that are not in the codebook yet.")
@click.pass_context
def import_codings(ctx: click.Context, file: str, create_codes: bool) -> None:
    """Bulk codings from csv: source,start,end,code,coder[,weight]."""
    report = open_project(ctx).import_codings(file, create_codes=create_codes)
    click.echo(report.summary())


@cli.command()
@click.option("--code", "codes", multiple=True, help="Only excerpts with this code (repeatable).")
@click.option("--no-children", is_flag=True, help="Do not include the code's children.")
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE", help="Filter by descriptor, wave, source…")
@click.option("--source", default=None, help="Only this source.")
@click.option("--case", default=None, help="Only this case.")
@click.option("--coder", default=None, help="Only excerpts this coder coded.")
@click.option("--status", type=click.Choice(["applied", "suggested", "rejected", "any"]), default="applied",
              show_default=True)
@click.option("--search", default=None, help="Only excerpts whose text contains this (case-insensitive).")
@format_option
@click.pass_context
def excerpts(ctx: click.Context, codes: tuple[str, ...], no_children: bool, where: tuple[str, ...], source: str | None,
             case: str | None, coder: str | None, status: str, search: str | None, fmt: str) -> None:
    """List excerpts with their source, case, offsets, codes and text."""
    frame = open_project(ctx).excerpts(
        list(codes) or None,
        descendants=not no_children,
        where=parse_where(where) or None,
        source=source,
        case=case,
        coder=coder,
        status=None if status == "any" else status,
        search=search,
    )
    columns = ["excerpt_id", "source", "case", "wave", "start", "end", "speaker", "codes", "text"]
    emit_frame(frame[columns] if not frame.empty else frame, fmt)


@cli.command()
@click.argument("text")
@click.option("--on", "target_kind", type=click.Choice(["project", "source", "excerpt", "code", "case"]),
              default="project", show_default=True)
@click.option("--target", default=None, help="The source name, excerpt id, code path or case.")
@click.option("--author", default=None)
@click.pass_context
def memo(ctx: click.Context, text: str, target_kind: str, target: str | None, author: str | None) -> None:
    """Write a memo on the project, a source, an excerpt, a code or a case."""
    memo_id = open_project(ctx).add_memo(text, on=target_kind, target=target, author=author)
    click.echo(f"memo {memo_id}")
