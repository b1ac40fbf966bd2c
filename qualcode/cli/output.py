"""Printing tables: text by default, ``--format csv`` or ``--format json`` for scripts."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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
        from qualcode.csv_safety import safe_frame  # (pandas: loaded by a command, not by --help)

        click.echo(safe_frame(frame).to_csv(index=index), nl=False)
        return
    if fmt == "json":
        data = frame.reset_index() if index else frame
        click.echo(data.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
        return
    if frame.empty:
        click.echo("(nothing)")
        return
    import pandas as pd

    if index and frame.size > _WIDE_CELLS:
        fast = _wide_count_table(frame)
        if fast is not None:
            # bytes straight to standard output: ``click.echo`` would decode, search for
            # colour codes and encode again each line of 30,000 numbers
            click.get_text_stream("stdout").flush()
            out = click.get_binary_stream("stdout")
            for line in fast:
                for part in line:
                    out.write(part)
            out.flush()
            return
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_object_dtype(shown[column]) or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: _shorten(v, max_text))
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
        click.echo(shown.to_string(index=index))


#: a table with more cells than this (codes x 30,000 sources) is printed by
#: :func:`_wide_count_table` when it can be: pandas' ``to_string`` makes a Python
#: string per cell, seconds and a gigabyte for 6 million cells
_WIDE_CELLS = 100_000


def _wide_count_table(frame: pd.DataFrame) -> Iterator[tuple[bytes | memoryview, ...]] | None:
    """The lines ``frame.to_string()`` prints for a table of counts (non-negative integer
    columns, text labels), character for character, as UTF-8 with their newlines, made a
    few rows at a time with numpy (each row's digits laid into a byte buffer at its
    columns' right edges) and handed out one by one, each as its parts (label, then the
    numbers, not copied into one string: a line of 30,000 counts is half a megabyte), so
    the whole text is never held at once. None when the frame is anything else (pandas
    prints it then)."""
    import numpy as np
    import pandas as pd

    if isinstance(frame.index, pd.MultiIndex) or isinstance(frame.columns, pd.MultiIndex):
        return None
    if not all(pd.api.types.is_integer_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in set(frame.dtypes)):
        return None
    labels, names = frame.index.tolist(), frame.columns.tolist()
    if not all(isinstance(x, str) and x == x.strip() for x in labels + names):
        return None  # (pandas trims the space around a header; such tables are small anyway)
    values = frame.to_numpy(dtype=np.int64)
    if values.size == 0 or values.min() < 0:
        return None
    digits = np.ones(values.shape, dtype=np.int8)  # decimal digits of each count
    for power in range(1, len(str(int(values.max())))):
        digits += values >= 10 ** power
    widths = np.maximum(digits.max(axis=0), [len(n) for n in names])
    row_name, column_name = frame.index.name, frame.columns.name
    first = max([len(x) for x in labels] + [len(str(row_name or "")), len(str(column_name or ""))])
    ends = np.cumsum(widths + 2)  # each column: two spaces, then the value right-aligned

    def lines() -> Iterator[tuple[bytes | memoryview, ...]]:
        yield ((str(column_name or "").ljust(first) + "".join("  " + n.rjust(w) for n, w in zip(names, widths))
                + "\n").encode("utf-8"),)
        if row_name is not None:
            yield ((str(row_name).ljust(first) + " " * int(ends[-1]) + "\n").encode("utf-8"),)
        chunk = max(1, 4_000_000 // int(ends[-1]))  # rows laid out at once: a few MB of buffer
        for top in range(0, len(labels), chunk):
            rest = values[top:top + chunk].copy()
            width = digits[top:top + chunk]
            buffer = np.full((len(rest), int(ends[-1]) + 1), ord(" "), dtype=np.uint8)
            buffer[:, -1] = ord("\n")
            for place in range(int(width.max())):
                at = ends - 1 - place
                buffer[:, at] = np.where(width > place, ord("0") + rest % 10, buffer[:, at])
                rest //= 10
            for label, row in zip(labels[top:top + chunk], buffer):
                yield label.ljust(first).encode("utf-8"), memoryview(row)

    return lines()


def _shorten(value: Any, limit: int) -> Any:
    if not isinstance(value, str):
        return value
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def emit_mapping(data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=1, default=str, ensure_ascii=False))
    elif fmt == "csv":
        import pandas as pd

        from qualcode.csv_safety import safe_frame

        click.echo(safe_frame(pd.DataFrame({"key": list(data), "value": list(data.values())})).to_csv(index=False), nl=False)
    else:
        width = max((len(k) for k in data), default=0)
        for key, value in data.items():
            shown = f"{value:.3g}" if isinstance(value, float) else ("-" if value is None else value)
            click.echo(f"{key.replace('_', ' '):<{width}}  {shown}")
