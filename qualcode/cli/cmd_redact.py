"""``qualcode redact …``: find names, confirm them once, check outputs for leaks.

``qualcode redact NAME…`` (no sub-command) still adds names to the list, as it did
before names were detected.
"""
from __future__ import annotations

import sys
from typing import Any

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, format_option
from qualcode.errors import UsageError

KIND_CHOICE = click.Choice(["person", "organisation", "place", "email", "phone", "postcode", "url", "other"])


class _DefaultToAdd(click.Group):
    """A group whose first argument, when it is not a sub-command, is a name to add."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


@cli.group("redact", cls=_DefaultToAdd)
def redact_group() -> None:
    """Names of people, organisations and places: find them (suggest), confirm them
    (accept, reject, merge, label), and check a folder of outputs for leaks (check).
    Every export replaces a confirmed name by its pseudonym, e.g. [Person 4]."""


@redact_group.command("add")
@click.argument("names", nargs=-1)
@click.option("--file", "name_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A file with one name per line.")
@click.pass_context
def redact_add(ctx: click.Context, names: tuple[str, ...], name_file: str | None) -> None:
    """Confirm names, each one its own person, organisation or place (kind guessed)."""
    given = list(names)
    if name_file:
        from qualcode.ingest.decode import read_text_file  # decoded as ingest decodes: one line when it cannot be

        given += [line.strip() for line in read_text_file(name_file)[0].splitlines()
                  if line.strip() and not line.startswith("#")]
    if not given:
        raise UsageError("give names, or --file with one name per line")
    added = open_project(ctx).add_redaction_names(given)
    click.echo(f"{added} name(s) added to the redaction list")


@redact_group.command("suggest")
@click.option("--all", "show_all", is_flag=True, help="Also list names already accepted or rejected.")
@click.option("--kind", "kinds", multiple=True, type=KIND_CHOICE, help="Only this kind (repeatable).")
@click.option("-n", "limit", type=int, default=None, help="At most this many rows.")
@format_option
@click.pass_context
def redact_suggest(ctx: click.Context, show_all: bool, kinds: tuple[str, ...], limit: int | None, fmt: str) -> None:
    """Candidate names found in the project, most mentioned first, with a context and the
    fuller name each is probably a variant of. Decide with accept / reject / merge."""
    table = open_project(ctx).redaction_candidates(include_decided=show_all)
    if kinds and not table.empty:
        table = table[table["kind"].isin(kinds)]
    if limit:
        table = table.head(limit)
    if fmt == "table" and not show_all:
        table = table.drop(columns=["status", "label"])
    emit_frame(table, fmt, max_text=60)
    if fmt == "table" and not table.empty:
        click.echo(f"\n{len(table)} candidate(s). Decide: qualcode redact accept NAME [VARIANT…]; "
                   "qualcode redact reject NAME…", err=True)


@redact_group.command("accept")
@click.argument("names", nargs=-1, required=True)
@click.option("--kind", type=KIND_CHOICE, default=None, help="What it is (default: guessed).")
@click.option("--label", default=None, help="Your own pseudonym instead of [Person 4].")
@click.option("--with-variants", is_flag=True, help="Also take the candidates suggested as its variants.")
@click.pass_context
def redact_accept(ctx: click.Context, names: tuple[str, ...], kind: str | None, label: str | None,
                  with_variants: bool) -> None:
    """Confirm NAMES as ways of writing ONE person, organisation or place."""
    project = open_project(ctx)
    given = list(names)
    if with_variants:
        table = project.redaction_candidates()
        if not table.empty:
            heads = {n.casefold() for n in given}
            given += [c for c, v in zip(table["candidate"], table["variant_of"]) if v and v.casefold() in heads]
    pseudonym = project.confirm_names(given, kind, label)
    click.echo(f"{', '.join(dict.fromkeys(given))} -> {pseudonym}")


@redact_group.command("reject")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def redact_reject(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Mark candidates as not names: never replaced, never suggested again."""
    n = open_project(ctx).reject_names(list(names))
    click.echo(f"{n} candidate(s) rejected")


@redact_group.command("merge")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def redact_merge(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Make NAMES one entity; the first keeps its pseudonym ("Sarah Jones" "Ms Jones")."""
    pseudonym = open_project(ctx).merge_names(list(names))
    click.echo(f"{', '.join(names)} -> {pseudonym}")


@redact_group.command("label")
@click.argument("name")
@click.argument("label", required=False)
@click.pass_context
def redact_label(ctx: click.Context, name: str, label: str | None) -> None:
    """Give NAME's entity your own pseudonym (no LABEL: back to the numbered one)."""
    click.echo(f"{name} -> {open_project(ctx).label_name(name, label)}")


@redact_group.command("forget")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def redact_forget(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Undo decisions: the names are suggested again."""
    click.echo(f"{open_project(ctx).forget_names(list(names))} decision(s) removed")


@redact_group.command("list")
@format_option
@click.pass_context
def redact_list(ctx: click.Context, fmt: str) -> None:
    """Every decided name with its kind, decision and pseudonym."""
    emit_frame(open_project(ctx).redactions(), fmt)


@redact_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def redact_export(ctx: click.Context, file: str) -> None:
    """Write the decisions as CSV (name, decision, kind, entity, label)."""
    click.echo(f"wrote {open_project(ctx).export_redactions(file)}")


@redact_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def redact_import(ctx: click.Context, file: str) -> None:
    """Apply a CSV of decisions (name, decision[, kind, entity, label]); rows sharing an
    entity are one name."""
    counts = open_project(ctx).import_redactions(file)
    click.echo(f"{counts['accepted']} name(s) accepted, {counts['rejected']} rejected")


@redact_group.command("check")
@click.argument("folder", type=click.Path(exists=True))
@click.option("--confirmed-only", is_flag=True, help="Only look for confirmed names, not undecided candidates.")
@format_option
@click.pass_context
def redact_check(ctx: click.Context, folder: str, confirmed_only: bool, fmt: str) -> None:
    """Scan FOLDER's files (HTML, Markdown, CSV, XLSX, DOCX, QDPX, SVG, PNG text…) for
    confirmed names and undecided candidates; exit 1 if any is found."""
    leaks = open_project(ctx).check_outputs(folder, unconfirmed=not confirmed_only)
    if leaks.empty:
        click.echo(f"{folder}: no confirmed name and no undecided candidate found")
        return
    emit_frame(leaks, fmt, max_text=80)
    kinds: dict[str, Any] = leaks["status"].value_counts().to_dict()
    click.echo(f"{len(leaks)} leak(s) in {leaks['file'].nunique()} file(s): "
               + ", ".join(f"{n} {k}" for k, n in kinds.items()), err=True)
    sys.exit(1)
