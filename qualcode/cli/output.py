"""Printing tables: text by default, ``--format csv`` or ``--format json`` for scripts."""
from __future__ import annotations

import json
from typing import Any

import click
import pandas as pd

from qualcode.csv_safety import safe_frame

FORMATS = ("table", "csv", "json")

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output as a text table, CSV or JSON.",
)


def emit_frame(frame: pd.DataFrame, fmt: str, *, max_text: int = 70, index: bool = False) -> None:
    """Print a DataFrame; in table form long text is shortened (CSV/JSON keep it whole)."""
    if fmt == "csv":  # text a spreadsheet would run as a formula gets a leading '
        click.echo(safe_frame(frame).to_csv(index=index), nl=False)
        return
    if fmt == "json":
        data = frame.reset_index() if index else frame
        click.echo(data.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
        return
    if frame.empty:
        click.echo("(nothing)")
        return
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_object_dtype(shown[column]) or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: _shorten(v, max_text))
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
        click.echo(shown.to_string(index=index))


def _shorten(value: Any, limit: int) -> Any:
    if not isinstance(value, str):
        return value
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def emit_mapping(data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=1, default=str, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(safe_frame(pd.DataFrame({"key": list(data), "value": list(data.values())})).to_csv(index=False), nl=False)
    else:
        width = max((len(k) for k in data), default=0)
        for key, value in data.items():
            shown = f"{value:.3g}" if isinstance(value, float) else ("-" if value is None else value)
            click.echo(f"{key.replace('_', ' '):<{width}}  {shown}")
