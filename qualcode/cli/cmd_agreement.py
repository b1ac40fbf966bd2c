"""Commands for several coders (issue 7): ``qualcode agreement``, ``consensus`` and ``done``.

(Merging a coder's copy of the project is ``qualcode merge``, in ``cmd_interop``.)
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, format_option
from qualcode.coding.agreement.measure import AgreementResult
from qualcode.coding.agreement.table import export_table, headline, notes, pair_table, readable_table
from qualcode.errors import ExportError, UsageError
from qualcode.project.agreement import PROJECT_UNITS
from qualcode.search.mask import parse_where
from qualcode.csv_safety import safe_frame


@cli.command("agreement")
@click.option("--coders", required=True, metavar="A,B[,C]", help="Coders to compare, separated by commas.")
@click.option("--unit", type=click.Choice(PROJECT_UNITS), default="excerpt", show_default=True,
              help="What is compared: the coded excerpts, units cut from the text, or every character.")
@click.option("--code", "codes", multiple=True, help="Only this code and its children (repeatable).")
@click.option("--source", "sources", multiple=True,
              help="A source every coder coded (repeatable); default: sources where each coder applied a code or marked done.")
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE",
              help="Only material whose descriptor, wave, source or kind has this value (repeatable).")
@click.option("--min-overlap", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="sentence/paragraph/turn/answer: share of a unit a coder's spans must cover to count.")
@click.option("--disagreements", "disagreements_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE.csv", help="Also write the disagreement list (unit, text, what each coder applied).")
@format_option
@click.pass_context
def agreement_command(ctx: click.Context, coders: str, unit: str, codes: tuple[str, ...], sources: tuple[str, ...],
                      where: tuple[str, ...], min_overlap: float, disagreements_file: str | None, fmt: str) -> None:
    """Inter-coder agreement per code: kappa, alpha, percent agreement and counts, pooled over codes."""
    names = [c.strip() for c in coders.split(",") if c.strip()]
    if len(names) < 2:
        raise UsageError(f"--coders needs two or more names separated by commas, got {coders!r}")
    project = open_project(ctx)
    result = project.agreement(
        names, unit=unit, codes=list(codes) or None, sources=list(sources) or None,
        min_overlap=min_overlap, where=parse_where(where) or None,
    )
    if disagreements_file:  # a list that leaves the project: confirmed names become pseudonyms
        _write_disagreements(project.anonymiser().frame(result.disagreements), Path(disagreements_file))
    if fmt == "json":
        click.echo(json.dumps(_as_json(result), indent=1, ensure_ascii=False, default=str))
    elif fmt == "csv":
        emit_frame(export_table(result), "csv")
    else:
        _print_text(result)


def _print_text(result: AgreementResult) -> None:
    click.echo(headline(result))
    click.echo("")
    _print_table(readable_table(result), left=("code", "kappa band", "alpha band", "note"))
    if len(result.coders) > 2:
        click.echo("")
        _print_table(pair_table(result), left=("coder A", "coder B", "kappa band", "note"))
    click.echo("")
    for line in notes(result):
        click.echo(line)
    click.echo("")
    click.echo(f"Interpretation (conventions, not tests): {result.interpretation}")


def _print_table(frame: pd.DataFrame, left: tuple[str, ...]) -> None:
    """A text table with names and notes aligned left (they are read, not compared) and figures right."""
    cells = {col: [str(col)] + ["" if v is None else str(v) for v in frame[col]] for col in frame.columns}
    widths = {col: max(len(v) for v in values) for col, values in cells.items()}
    for i in range(len(frame) + 1):
        parts = [cells[col][i].ljust(widths[col]) if col in left else cells[col][i].rjust(widths[col])
                 for col in frame.columns]
        click.echo("  ".join(parts).rstrip())


def _write_disagreements(disagreements: pd.DataFrame, path: Path) -> None:
    try:
        safe_frame(disagreements).to_csv(path, index=False, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write the disagreement list to {path} ({exc.strerror}); choose a writable file") from exc
    n = len(disagreements)
    click.echo(f"{n:,} disagreement row{'' if n == 1 else 's'} written to {path}", err=True)


def _as_json(result: AgreementResult) -> dict[str, Any]:
    """Everything, with NaN as null (JSON has no NaN)."""
    def records(frame: Any) -> list[dict[str, Any]]:
        return json.loads(frame.to_json(orient="records", force_ascii=False))

    pooled = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in result.pooled.items()}
    pooled["coders"] = list(result.coders)
    return {
        "unit": result.unit_name or result.unit,
        "coders": list(result.coders),
        "pooled": pooled,
        "per_code": records(result.per_code),
        "pooled_pairwise": records(result.pooled_pairwise),
        "pairwise": records(result.pairwise),
        "notes": notes(result),
        "interpretation": result.interpretation,
        "n_disagreements": len(result.disagreements),
    }


@cli.command("consensus")
@click.option("--coder", default=None, help="Mark this coder's applied codings as the project's final coding.")
@click.option("--application", "application_ids", type=int, multiple=True, metavar="ID",
              help="Mark this application as final instead (repeatable; ids as in --format csv listings).")
@click.option("--add", is_flag=True, help="Add to the current final coding instead of replacing it.")
@click.option("--clear", is_flag=True, help="Unmark the whole final coding (codings stay).")
@click.option("--by", default=None, help="Who decided (default: $QUALCODE_CODER or the login name).")
@click.pass_context
def consensus_command(ctx: click.Context, coder: str | None, application_ids: tuple[int, ...], add: bool,
                      clear: bool, by: str | None) -> None:
    """Mark the consensus (final) coding, keeping every coder's codings; without options, show it."""
    chosen = sum(bool(x) for x in (coder, application_ids, clear))
    if chosen > 1:
        raise UsageError("use one of --coder, --application or --clear")
    if add and (clear or not chosen):
        raise UsageError("--add goes with --coder or --application")
    project = open_project(ctx)
    if clear:
        n = project.clear_final()
        click.echo(f"Final coding cleared: {n:,} application{'' if n == 1 else 's'} unmarked; all codings kept.")
        return
    if chosen:
        report = project.set_final(coder=coder, application_ids=list(application_ids) or None, by=by, replace=not add)
        source = f"{report.coder}'s applied codings" if report.coder else "the chosen applications"
        click.echo(f"Final coding: {report.final:,} applications ({'added' if add else 'set'} from {source}, "
                   f"by {report.by}); {report.others:,} other applied applications kept for the record.")
        return
    info = project.consensus_info()
    if not info["final"]:
        click.echo("No final coding yet: mark one with 'qualcode consensus --coder NAME'.")
        return
    parts = ", ".join(f"{name} {n:,}" for name, n in info["by_coder"].items())
    made = f", made from {' + '.join(info['made_from'])}" if info["made_from"] else ""
    when = f"; last changed by {info['set_by']} at {info['set_at']} UTC" if info["set_by"] else ""
    click.echo(f"Final coding: {info['final']:,} applications ({parts}){made}{when}.")


@cli.command("done")
@click.argument("sources", nargs=-1)
@click.option("--coder", default=None, help="Whose reading it records (default: $QUALCODE_CODER or the login name).")
@click.option("--undo", is_flag=True, help="Take the marks back.")
@format_option
@click.pass_context
def done_command(ctx: click.Context, sources: tuple[str, ...], coder: str | None, undo: bool, fmt: str) -> None:
    """Mark SOURCES as read and coded by a coder, even where they found nothing to code.

    Agreement counts a source for a coder when they applied a code in it or marked it
    done; in a marked source every unit without their code is a "no" from them. Without
    SOURCES, list who coded which source.
    """
    project = open_project(ctx)
    if not sources:
        if undo or coder:
            raise UsageError("--coder and --undo need the sources to mark, e.g. qualcode done 'CEO-07 wave 1'")
        emit_frame(project.coverage(), fmt)
        return
    from qualcode.project import default_coder

    who = coder or default_coder()
    if undo:
        n = project.unmark_coded(list(sources), coder=who)
        click.echo(f"removed {n} mark(s) of {who}")
    else:
        n = project.mark_coded(list(sources), coder=who)
        click.echo(f"marked {n} source(s) as coded by {who}" + ("" if n == len(sources) else
                                                                f" ({len(sources) - n} already marked)"))
