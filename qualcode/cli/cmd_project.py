"""Commands that build a project: init, ingest, descriptors, codebook, sources."""
from __future__ import annotations

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, emit_mapping, format_option
from qualcode.errors import UsageError

KINDS = ("auto", "transcript", "email", "document", "subtitles", "questionnaire")
LAYOUTS = ("auto", "otter", "teams", "zoom", "rev", "trint", "descript", "labels", "name-lines", "zoom-captions")


@cli.command()
@click.argument("target", metavar="[FILE|URL]", required=False)
@click.option("--title", default="", help="The study's title, used in reports.")
@click.pass_context
def init(ctx: click.Context, target: str | None, title: str) -> None:
    """Create a new, empty project (a *.qcproj file, or a PostgreSQL URL); without
    FILE|URL, the one given with --project."""
    target = target or ctx.obj.get("project")
    if not target:
        raise UsageError("give the project to create: qualcode init study.qcproj (or a postgresql:// URL)")
    from qualcode.project import Project

    project = Project.create(target, title=title)
    project.close()
    click.echo(f"created {target}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--kind", type=click.Choice(KINDS), default="auto", show_default=True, help="How to read the files.")
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True,
              help="Transcript layout when guessing is not enough: otter/teams/zoom (name and time on a line, "
                   "words below), rev/trint/descript/labels ('Name:' labels), zoom-captions ('[Name] 10:02:33 : words', "
                   "Zoom's saved captions), name-lines (name alone on a line).")
@click.option("--wave", default=None, help="Wave of these sources (default: from file names like 'wave 2').")
@click.option("--name", default=None, help="Source name for a single file (default: the file name without extension).")
@click.option("--key", "key_column", default=None, help="Questionnaire column naming the respondent (case).")
@click.option("--invited", type=int, default=None, help="Questionnaire: how many people were invited.")
@format_option
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], kind: str, layout: str, wave: str | None, name: str | None,
           key_column: str | None, invited: int | None, fmt: str) -> None:
    """Read files or folders (recursively) into the project; say per file what was found
    (kind, transcript format, speakers, turns).

    Transcripts are recognised by their content: Otter, Teams and Zoom exports (a name and
    a time on a line, the words below; Otter's keyword header and footer are not content),
    Zoom's saved captions ('[Name] 10:02:33 : words'), WebVTT with <v Name> voices or 'Name:' cues, Rev 'Name (00:01:02):', Trint and
    Descript '[00:01:02] Name:', 'NAME:', 'Q:'/'A:', 'I:'/'R:', and Word files with a
    speaker per paragraph. A file that looks like a transcript but gives no speakers is
    named in a warning: ingest it again with --kind transcript --layout LAYOUT and it is
    read again in place. Speakers who ask most of the questions are guessed to be
    interviewers; see 'qualcode speakers'.
    """
    report = open_project(ctx).ingest(*paths, kind=kind, wave=wave, name=name, key_column=key_column,
                                      invited=invited, layout=layout)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if fmt != "table":  # the table alone on stdout, for scripts; the summary beside it
        click.echo(report.summary(), err=True)
        emit_frame(report.table(), fmt)
        return
    click.echo(report.summary())
    if report.files:
        emit_frame(report.table(), fmt, max_text=40)
    if report.guessed_interviewers:
        click.echo(
            f"interviewer (guessed, asks most questions): {', '.join(report.guessed_interviewers)}; their turns "
            "are left out of coding, search, word counts and quotes. Check with 'qualcode speakers'; "
            "accept with 'qualcode speakers confirm' or correct with 'qualcode speakers set-role NAME participant'."
        )


@cli.group(invoke_without_command=True)
@format_option
@click.pass_context
def sources(ctx: click.Context, fmt: str) -> None:
    """List the sources with their kind, case, wave and length; or fix them (rename, set,
    remove, link)."""
    if ctx.invoked_subcommand is not None:
        return
    frame = open_project(ctx).sources()
    if not frame.empty and fmt == "table":  # a blank, not pandas' <NA>, where a source has no case or wave
        frame = frame.assign(case=frame["case"].astype(object).fillna(""), wave=frame["wave"].astype(object).fillna(""))
    emit_frame(frame[["source", "kind", "case", "wave", "length"]] if not frame.empty else frame, fmt)


@sources.command("rename")
@click.argument("old")
@click.argument("new")
@click.pass_context
def sources_rename(ctx: click.Context, old: str, new: str) -> None:
    """Give source OLD the name NEW (its codings and memos stay with it)."""
    click.echo(open_project(ctx).rename_source(old, new))


@sources.command("set")
@click.argument("source")
@click.option("--case", default=None, help="The case it belongs to (created if new).")
@click.option("--no-case", is_flag=True, help="It belongs to no case.")
@click.option("--wave", default=None, help="Its wave.")
@click.option("--no-wave", is_flag=True, help="Clear its wave.")
@click.option("--descriptor", "descriptors", multiple=True, metavar="FIELD=VALUE",
              help="A descriptor of its case (repeatable).")
@click.pass_context
def sources_set(ctx: click.Context, source: str, case: str | None, no_case: bool, wave: str | None, no_wave: bool,
                descriptors: tuple[str, ...]) -> None:
    """Set a source's case, wave or its case's descriptors."""
    kwargs: dict[str, object] = {}
    if case is not None or no_case:
        if case is not None and no_case:
            raise UsageError("give --case NAME or --no-case, not both")
        kwargs["case"] = None if no_case else case
    if wave is not None or no_wave:
        if wave is not None and no_wave:
            raise UsageError("give --wave W or --no-wave, not both")
        kwargs["wave"] = None if no_wave else wave
    values = {}
    for item in descriptors:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise UsageError(f"--descriptor {item!r}: write FIELD=VALUE")
        values[field.strip()] = value.strip()
    click.echo(open_project(ctx).set_source(source, descriptors=values or None, **kwargs))  # type: ignore[arg-type]


@sources.command("remove")
@click.argument("names", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Say what would go, change nothing.")
@click.pass_context
def sources_remove(ctx: click.Context, names: tuple[str, ...], dry_run: bool) -> None:
    """Remove sources with their excerpts, codings, memos and coders' marks."""
    for line in open_project(ctx).remove_sources(list(names), dry_run=dry_run).lines():
        click.echo(line)


@sources.command("link")
@click.option("--pattern", default=None, metavar="REGEX",
              help="A regular expression on source names; its group 'case' (or first group) is the case, "
                   "e.g. 'Study_(?P<case>P\\d+)_'.")
@click.option("--mapping", type=click.Path(), default=None, help="A csv/xlsx with two columns: source, case.")
@click.option("--relink", is_flag=True, help="Also move sources that already belong to another case.")
@click.option("--existing-cases", is_flag=True, help="Only link to cases that exist (create none).")
@click.option("--dry-run", is_flag=True, help="Say what would be linked, change nothing.")
@click.pass_context
def sources_link(ctx: click.Context, pattern: str | None, mapping: str | None, relink: bool, existing_cases: bool,
                 dry_run: bool) -> None:
    """Link sources to cases by a pattern in their names or a mapping file; names the
    sources that did not link."""
    report = open_project(ctx).link_sources(pattern=pattern, mapping=mapping, relink=relink,
                                            create_cases=not existing_cases, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)


@cli.command()
@click.argument("source")
@click.option("--start", type=int, default=None, help="First code point to show.")
@click.option("--end", type=int, default=None, help="Code point after the last one to show.")
@click.pass_context
def show(ctx: click.Context, source: str, start: int | None, end: int | None) -> None:
    """Print a source's stored text (offsets in 'code' refer to this text)."""
    click.echo(open_project(ctx).source_text(source, start, end))


#: Table labels that say what a bare key does not (the csv and json keys stay as the API names them).
STATUS_LABELS = {"cases": "participants in the project", "base": "of them with coded material (base of %)",
                 "excerpts": "excerpts (suggestions included)"}


@cli.command()
@format_option
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Headline counts: sources, coded excerpts, participants and those with coded material (the base of every %), responses, codes."""
    emit_summary(open_project(ctx).summary(), fmt)


def emit_summary(summary: dict, fmt: str) -> None:
    """``Project.summary()`` for ``status`` and ``demo``: as a table, the headline sentence
    first (the report's own words) and keys labelled for a reader; csv/json keep the API's keys."""
    if fmt == "table":
        summary = dict(summary)
        click.echo(summary.pop("headline") + ".")
        click.echo()
        order = list(summary)
        order.insert(order.index("cases") + 1, order.pop(order.index("base")))
        labels = dict(STATUS_LABELS)
        if summary.get("base_unit") == "source":  # no cases: the base is sources (docs/numbers.md)
            labels["base"] = "sources with coded material (base of %)"
        summary = {labels.get(key, key): summary[key] for key in order}
    emit_mapping(summary, fmt)


@cli.group()
def descriptors() -> None:
    """Participant descriptors (role, cohort, mode…)."""


@descriptors.command("import")
@click.argument("file", type=click.Path())
@click.option("--key", required=True, help="Column whose values name the cases.")
@click.option("--type", "types", multiple=True, metavar="COLUMN=TYPE",
              help="Force a column's type: category, number, date, text, boolean.")
@click.pass_context
def descriptors_import(ctx: click.Context, file: str, key: str, types: tuple[str, ...]) -> None:
    """Import a csv/xlsx table with one row per case."""
    forced: dict[str, str] = {}
    for item in types:
        if "=" not in item:
            raise UsageError(f"--type {item!r} must look like COLUMN=TYPE")
        column, type_ = item.split("=", 1)
        forced[column.strip()] = type_.strip()
    result = open_project(ctx).import_descriptors(file, key, forced)
    click.echo(f"{result['cases']} case(s), {result['fields']} descriptor(s); {result['sources_linked']} source(s) linked to cases")
    missing = result.get("sources_not_linked") or []
    if missing:
        shown = ", ".join(f"'{n}'" for n in missing[:50]) + (f" and {len(missing) - 50} more" if len(missing) > 50 else "")
        click.echo(f"{len(missing)} source(s) belong to no case: {shown}; link them with "
                   "'qualcode sources link --pattern REGEX' or '--mapping FILE'")


@descriptors.command("show")
@format_option
@click.pass_context
def descriptors_show(ctx: click.Context, fmt: str) -> None:
    """Print the cases and their descriptor values."""
    emit_frame(open_project(ctx).descriptors(), fmt)


@cli.group()
def codebook() -> None:
    """The codebook: import, show, export, add, rename, move, merge, remove."""


@codebook.command("import")
@click.argument("file", type=click.Path())
@click.pass_context
def codebook_import(ctx: click.Context, file: str) -> None:
    """Add the codes of a codebook: YAML, REFI-QDA .qdc, or a csv/xlsx table (name, parent or path, description)."""
    report = open_project(ctx).import_codebook_file(file)
    click.echo(f"{report.added.get('codes', 0)} code(s) added ({report.in_file.get('codes', 0)} in the file)")
    for line in report.lines()[1:]:
        click.echo(line, err=True)


@codebook.command("show")
@format_option
@click.pass_context
def codebook_show(ctx: click.Context, fmt: str) -> None:
    """Print the code tree with descriptions, in the codebook's own order."""
    from qualcode.analysis import in_tree_order

    codes = in_tree_order(open_project(ctx).codes())
    if fmt != "table":
        emit_frame(codes.drop(columns=["rules", "examples"]), fmt)
        return
    for row in codes.itertuples():
        description = f"  - {row.description}" if row.description else ""
        click.echo(f"{'  ' * row.depth}{row.name}{description}")


@codebook.command("export")
@click.argument("file", type=click.Path())
@click.pass_context
def codebook_export(ctx: click.Context, file: str) -> None:
    """Write the codebook as YAML."""
    path = open_project(ctx).export_codebook(file)
    click.echo(f"wrote {path}")


@codebook.command("add")
@click.argument("path")
@click.option("--description", default="", help="What the code means.")
@click.option("--colour", default="", help="Colour like #1b9e77.")
@click.pass_context
def codebook_add(ctx: click.Context, path: str, description: str, colour: str) -> None:
    """Add a code by its path, e.g. "Issues/Governance" (parents are created)."""
    attributes = {k: v for k, v in {"description": description, "colour": colour}.items() if v}
    project = open_project(ctx)
    existed = project.has_code(path)
    project.add_code(path, **attributes)
    if existed:
        click.echo(f"{path} is already in the codebook; nothing added"
                   + (" (empty fields filled in)" if attributes else ""))
    else:
        click.echo(f"added {path}")


@codebook.command("rename")
@click.argument("code")
@click.argument("new_name")
@click.pass_context
def codebook_rename(ctx: click.Context, code: str, new_name: str) -> None:
    """Rename a code (its applications and children follow)."""
    click.echo(f"renamed to {open_project(ctx).rename_code(code, new_name)}")


@codebook.command("move")
@click.argument("code")
@click.option("--to", "parent", default=None, help="New parent path (omit for the top level).")
@click.pass_context
def codebook_move(ctx: click.Context, code: str, parent: str | None) -> None:
    """Move a code under another parent."""
    click.echo(f"moved to {open_project(ctx).move_code(code, parent)}")


@codebook.command("merge")
@click.argument("source")
@click.argument("target")
@click.pass_context
def codebook_merge(ctx: click.Context, source: str, target: str) -> None:
    """Merge code SOURCE into TARGET (applications and children move)."""
    moved = open_project(ctx).merge_codes(source, target)
    click.echo(f"merged {source} into {target}: {moved} application(s) moved")


@codebook.command("remove")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Confirm removing the code, its children and their applications.")
@click.pass_context
def codebook_remove(ctx: click.Context, code: str, yes: bool) -> None:
    """Remove a code with its children and all their applications."""
    if not yes:
        raise UsageError(f"removing {code!r} deletes its children and applications; add --yes to confirm")
    click.echo(f"removed {open_project(ctx).remove_code(code)} code(s)")
