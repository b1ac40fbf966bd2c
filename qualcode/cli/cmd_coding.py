"""Commands that code and retrieve: code, uncode, import codings, excerpts, search, memo."""
from __future__ import annotations

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, format_option
from qualcode.errors import UsageError
from qualcode.search.mask import parse_where


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
              show_default=True, help="Only excerpts carrying a code of this status; 'any' lists every excerpt, "
              "uncoded ones too.")
@click.option("--search", default=None, help="Only excerpts whose text contains this (case-insensitive).")
@click.option("--anonymise", is_flag=True, help="Replace every confirmed name by its pseudonym (see qualcode redact).")
@format_option
@click.pass_context
def excerpts(ctx: click.Context, codes: tuple[str, ...], no_children: bool, where: tuple[str, ...], source: str | None,
             case: str | None, coder: str | None, status: str, search: str | None, anonymise: bool, fmt: str) -> None:
    """List excerpts with their source, case, offsets, codes and text."""
    project = open_project(ctx)
    frame = project.excerpts(
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
    frame = frame[columns] if not frame.empty else frame
    emit_frame(project.anonymiser().frame(frame) if anonymise else frame, fmt)


@cli.command()
@click.option("--on", "target_kind", type=click.Choice(["project", "source", "excerpt", "code", "case"]), default=None,
              help="Only memos on this kind of target.")
@format_option
@click.pass_context
def memos(ctx: click.Context, target_kind: str | None, fmt: str) -> None:
    """List memos: what each is on, who wrote it, when, and its text."""
    table = open_project(ctx).memos(target_kind)
    columns = ["id", "target", "about", "author", "created_at", "text"]
    emit_frame(table[columns] if fmt == "table" else table, fmt)


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


@cli.command()
@click.argument("terms", nargs=-1)
@click.option("--regex", "regexes", multiple=True, metavar="PATTERN", help="A regular expression to search for too (repeatable).")
@click.option("--exclude", multiple=True, metavar="PHRASE", help="Leave out units that say this (repeatable).")
@click.option("--unit", type=click.Choice(["sentence", "paragraph", "turn", "answer", "source"]), default="sentence",
              show_default=True, help="What a hit is: the unit around the words.")
@click.option("--min-matches", type=int, default=1, show_default=True,
              help="How many of the distinct terms a unit must say.")
@click.option("--case-sensitive", is_flag=True, help="Match words exactly as written (no lemmas, no lower-casing).")
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE", help="Only sources with this descriptor, wave, kind… (repeatable).")
@click.option("--include-interviewer", is_flag=True, help="Also search what the interviewer says.")
@click.option("--by", "by", default=None, metavar="FIELD",
              help="Instead of the hits: per value of FIELD, units, sources and cases with a hit, and % of cases.")
@click.option("--code", default=None, help="Code every hit with this code (suggested, for review; see --apply).")
@click.option("--apply", is_flag=True, help="With --code: store the codes as applied, not as suggestions.")
@click.option("--dry-run", is_flag=True, help="With --code: count what would be coded; write nothing.")
@click.option("--processes", type=int, default=1, show_default=True, help="Processes to search on.")
@click.option("--cluster", default=None, metavar="ADDRESS|local[:N]",
              help="Search on a Dask cluster, as autocode does. Needs pip install 'qualcode[dask]'.")
@format_option
@click.pass_context
def search(ctx: click.Context, terms: tuple[str, ...], regexes: tuple[str, ...], exclude: tuple[str, ...], unit: str,
           min_matches: int, case_sensitive: bool, where: tuple[str, ...], include_interviewer: bool, by: str | None,
           code: str | None, apply: bool, dry_run: bool, processes: int, cluster: str | None, fmt: str) -> None:
    """Find the units that say TERMS (words or phrases, matched by lemma: "mentor" finds
    "mentors" and "Mentoring"), shown in context with the words marked «…».

    With --by FIELD, count them per group instead; with --code, code them all as one run
    that 'qualcode review' shows and 'qualcode undo' takes back.
    """
    if (apply or dry_run) and not code:
        raise UsageError("--apply and --dry-run go with --code")
    if code and by:
        raise UsageError("--by counts the hits and --code codes them: use one at a time")
    project = open_project(ctx)
    options = dict(regex=list(regexes), exclude=list(exclude), unit=unit, min_matches=min_matches,
                   case_sensitive=case_sensitive, where=parse_where(where) or None,
                   include_interviewer=include_interviewer, n_process=processes, cluster=cluster)
    if code:
        result = project.code_search(list(terms), code, apply=apply, dry_run=dry_run, **options)
        if fmt == "table":
            click.echo(result.summary())
        emit_frame(result.counts, fmt)
        return
    hits = project.search_text(list(terms), **options)
    if by:
        emit_frame(project.search_counts(hits, by, where=options["where"]), fmt)
        return
    if fmt == "table":
        click.echo(f"{len(hits)} {unit}s in {hits['source'].nunique()} sources ({hits['case'].nunique()} cases)")
        emit_frame(hits[["source", "start", "matched", "context"]], fmt, max_text=140)
        return
    emit_frame(hits, fmt)
