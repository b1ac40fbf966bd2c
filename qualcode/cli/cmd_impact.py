"""Commands for impact and logic models (issue 6): ``qualcode impact MODEL.yaml --out DIR``."""
from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame
from qualcode.impact import COOCCURRENCE
from qualcode.search.mask import parse_where


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for impact.xlsx, impact.md and figures/ (PNG and SVG diagrams).")
@click.option("--by", default=None, metavar="FIELD",
              help="Descriptor for the group table (default: role, when the project has it).")
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE",
              help="Only material (and questionnaire answers) with this descriptor, wave, source or kind (repeatable).")
@click.option("--cooccurrence", type=click.Choice(COOCCURRENCE), default=None,
              help="Where two elements count as coded together (default: as the model says, else excerpt).")
@click.pass_context
def impact(ctx: click.Context, model: str, out_dir: str, by: str | None, where: tuple[str, ...],
           cooccurrence: str | None) -> None:
    """Summarise an impact or logic model (MODEL.yaml) and write its tables, diagrams and quotes."""
    project = open_project(ctx)
    if by is None and "role" in project.descriptors().columns:
        by = "role"
    conditions = parse_where(where) or None
    summary = project.impact_summary(model, conditions, by, cooccurrence=cooccurrence)
    paths = project.impact(summary, out_dir)
    shown = summary.elements[["element", "kind", "cases", "pct_cases", "evidence", "excerpts"]].copy()
    shown["kind"] = [st or k for k, st in zip(summary.elements["kind"], summary.elements["stage"])]
    emit_frame(shown.round(1), "table")
    click.echo(f"base: {summary.case_base} cases; written to {Path(out_dir)}:")
    for path in paths:
        click.echo(f"  {path}")
