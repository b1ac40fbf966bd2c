"""Charts for evaluation reports: pure functions from a table to a matplotlib Figure.

Each function takes the DataFrame (or Series) an analysis returns, draws one page-width
figure in the house style of :mod:`qualcode.report.figures`, and returns the Figure; saving
is :func:`qualcode.report.figures.save_figure`. Nothing here reads the project, prints or
shows a window, so the same calls work in a notebook, the CLI and the report builder.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from qualcode.report.figures import (
    GRID_COLOUR,
    PAGE_WIDTH,
    PALETTE,
    ReportError,
    bar_height_inches,
    bottom_legend,
    branch_colours,
    code_label,
    max_line_length,
    message_figure,
    new_figure,
    set_title,
    styled,
    text_colour_on,
    top_branch,
    wrap_label,
)

ValueFormat = Literal["count", "percent", "decimal"]

#: Sequential colour map for heat maps: white to Okabe-Ito blue (reads in grey print too).
HEAT_CMAP = LinearSegmentedColormap.from_list("qualcode_heat", ["#FFFFFF", "#CFE3F2", "#0072B2", "#08306B"])

#: Colours of successive waves: light to dark for the first two, so "later" reads as "darker".
WAVE_COLOURS: tuple[str, ...] = ("#56B4E9", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00")

# Rough width of one character of 8.5 pt DejaVu Sans, in inches (for margin sizing).
_CHAR_INCH = 0.068


def _format_value(value: float, fmt: ValueFormat, decimals: int = 1) -> str:
    if pd.isna(value):
        return ""
    if fmt == "count":
        return f"{value:,.0f}"
    if fmt == "percent":
        return f"{value:.{decimals}f}%" if decimals else f"{value:.0f}%"
    return f"{value:.{decimals}f}"


def _as_series(data: pd.Series | pd.DataFrame, value: str | None, label: str | None,
               what: str) -> pd.Series:
    """The numeric series to draw, indexed by label, whatever shape the caller has."""
    if isinstance(data, pd.Series):
        series = data
    elif isinstance(data, pd.DataFrame):
        frame = data.set_index(label) if label is not None else data
        if label is not None and label not in data.columns:
            raise ReportError(f"{what}: no column {label!r} for labels; columns are {list(data.columns)}")
        if value is None:
            numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
            if len(numeric) != 1:
                raise ReportError(f"{what}: say which column to draw with value=; numeric columns are {numeric}")
            value = numeric[0]
        if value not in frame.columns:
            raise ReportError(f"{what}: no column {value!r}; columns are {list(frame.columns)}")
        series = frame[value]
    else:
        raise ReportError(f"{what}: expected a pandas Series or DataFrame, got {type(data).__name__}")
    series = pd.to_numeric(series, errors="coerce").astype(float)
    series.index = series.index.map(str)
    return series.dropna()


def _branch_of(labels: pd.Index, data: pd.Series | pd.DataFrame, branch: object,
               label: str | None) -> list[str] | None:
    """Top-level branch per label, from a column, a mapping, or the code path itself."""
    if branch is None or branch is False:
        return None
    if branch == "path":
        return [top_branch(x) for x in labels]
    if isinstance(branch, str):
        if not isinstance(data, pd.DataFrame) or branch not in data.columns:
            raise ReportError(f"frequency_bars: no column {branch!r} for branch colours; "
                              "pass a column name, a mapping code -> branch, or 'path'")
        keys = data[label] if label is not None else data.index
        mapping = dict(zip(keys.map(str), data[branch].astype(str)))
    elif isinstance(branch, (Mapping, pd.Series)):
        mapping = {str(k): str(v) for k, v in dict(branch).items()}
    else:
        raise ReportError(f"frequency_bars: branch must be a column name, a mapping or 'path', not {branch!r}")
    return [mapping.get(x, "Other") for x in labels]


@styled
def frequency_bars(data: pd.Series | pd.DataFrame, value: str | None = None, *,
                   label: str | None = None, branch: str | Mapping[str, str] | pd.Series | None = None,
                   colours: Mapping[str, str] | None = None, top: int | None = 30, title: str | None = None, xlabel: str | None = None,
                   fmt: ValueFormat = "count", levels: int = 2, sort: bool = True) -> Figure:
    """Horizontal bars, largest first: how often each code (or word, or group) occurs.

    ``data`` is a Series (index: labels) or a DataFrame with the numbers in column
    ``value`` and labels in column ``label`` (default: the index). ``branch`` colours each
    bar by its top-level code: a column name, a mapping label -> branch, or ``"path"`` to
    take the first part of the code path; a legend names the branches. ``colours`` maps
    branch -> colour (e.g. the codebook's), as for the code cloud. ``top`` keeps the
    largest N (the axis label says how many were left out). ``fmt="percent"`` expects
    values on a 0-100 scale.
    """
    series = _as_series(data, value, label, "frequency_bars")
    if series.empty:
        return message_figure("No values to show", title)
    total = len(series)
    if sort:
        series = series.sort_values(ascending=False, kind="stable")
    if top is not None and total > top:
        series = series.iloc[:top]
    branches = _branch_of(series.index, data, branch, label)

    labels = [code_label(x, levels=levels, width=32) for x in series.index]
    two_line = any("\n" in lab for lab in labels)
    fig = new_figure(PAGE_WIDTH, bar_height_inches(len(series), per_bar=0.34 if two_line else 0.26))
    ax = fig.subplots()
    y = np.arange(len(series))
    if branches is not None:
        colour_of = branch_colours(branches, colours)
        bar_colours = [colour_of[b] for b in branches]
    else:
        bar_colours = [PALETTE[0]] * len(series)
    ax.barh(y, series.to_numpy(), color=bar_colours, height=0.72, zorder=2)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.xaxis.grid(True, zorder=0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=(fmt == "count")))
    vmax = float(series.max()) if len(series) else 1.0
    ax.set_xlim(0, (vmax if vmax > 0 else 1.0) * 1.13)
    if fmt == "percent":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    for yi, v in zip(y, series.to_numpy()):
        ax.text(v + vmax * 0.01, yi, _format_value(v, fmt), va="center", ha="left", fontsize=8)
    axis_label = xlabel or {"count": "Count", "percent": "% of cases", "decimal": "Value"}[fmt]
    if top is not None and total > top:
        axis_label += f"  (top {top} of {total})"
    ax.set_xlabel(axis_label)
    set_title(fig, title)
    if branches is not None:
        handles = [Patch(color=c, label=b) for b, c in branch_colours(branches, colours).items()]
        bottom_legend(fig, handles)
    return fig


def _heat_geometry(n_rows: int, n_cols: int, row_labels: Sequence[str],
                   col_labels: Sequence[str]) -> tuple[float, float, float, float]:
    """Figure width and height, cell width and row height (inches) for the page and labels."""
    row_w = max_line_length(row_labels) * _CHAR_INCH + 0.3
    colourbar_w = 1.0
    cell = min(0.6, (PAGE_WIDTH - row_w - colourbar_w) / max(n_cols, 1))
    cell = max(cell, 0.1)
    col_factor = 1.0 if cell < 0.3 else 0.75  # 90 or 45 degree column labels
    col_h = max_line_length(col_labels) * _CHAR_INCH * col_factor + 0.3
    two_line = any("\n" in label for label in row_labels)
    row_h = max(cell, 0.34 if two_line else 0.2)
    row_h = min(row_h, max(0.1, 7.5 / max(n_rows, 1)))
    width = min(PAGE_WIDTH, row_w + colourbar_w + cell * n_cols + 0.2)
    height = min(9.5, 0.7 + col_h + row_h * n_rows)
    return max(width, 3.5), max(height, 2.2), cell, row_h


_GROUP_SIZE = re.compile(r"\s*\(n=[\d,]+\)$")


def _column_label(text: str, levels: int, width: int = 34) -> str:
    """One line for a heat-map column: a group's size ``(n=12)`` is kept whole after a
    name cut short ("Chief executive of a small… (n=12)"), never cut off itself."""
    size = _GROUP_SIZE.search(text)
    if size is None:
        return code_label(text, levels=levels, width=width, max_lines=1)
    suffix = size.group(0).strip()
    name = code_label(text[:size.start()], levels=levels, width=max(8, width - len(suffix) - 1), max_lines=1)
    return f"{name} {suffix}"


@styled
def heatmap(table: pd.DataFrame, *, title: str | None = None, value_label: str = "Count",
            fmt: ValueFormat = "count", decimals: int = 0, annotate: bool | None = None,
            mask_diagonal: bool = False, levels: int = 2, row_title: str | None = None,
            col_title: str | None = None, vmax: float | None = None) -> Figure:
    """A heat map of a code x code or code x group table with the value in each cell.

    Rows and columns keep the table's order; labels are shortened code paths, columns at
    45 degrees. ``annotate`` (default: when there are at most 400 cells and they are big
    enough) writes each value in its cell in black or white, whichever reads.
    ``mask_diagonal`` blanks the diagonal (a code's co-occurrence with itself), which would
    otherwise swamp the colour scale. Missing values are left blank.
    """
    if not isinstance(table, pd.DataFrame):
        raise ReportError(f"heatmap: expected a DataFrame, got {type(table).__name__}")
    if table.empty:
        return message_figure("No values to show", title)
    values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if mask_diagonal:
        values = values.copy()
        for i, r in enumerate(table.index):
            for j, c in enumerate(table.columns):
                if str(r) == str(c):
                    values[i, j] = np.nan
    n_rows, n_cols = values.shape
    row_labels = [code_label(str(x), levels=levels, width=26) for x in table.index]
    # Columns get one line each: multi-line labels at an angle run into their neighbours.
    col_labels = [_column_label(str(x), levels) for x in table.columns]
    width, height, cell, row_h = _heat_geometry(n_rows, n_cols, row_labels, col_labels)
    if n_rows > 30 or row_h < 0.3:
        row_labels = [code_label(str(x), levels=levels, width=30, max_lines=1) for x in table.index]
    fig = new_figure(width, height)
    ax = fig.subplots()
    finite = values[np.isfinite(values)]
    top_value = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    norm = Normalize(vmin=0.0, vmax=top_value if top_value > 0 else 1.0)
    cmap = HEAT_CMAP.with_extremes(bad="#D9D9D9" if mask_diagonal else "#F2F2F2")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto",
                      interpolation="nearest")
    col_size = 8.5 if cell >= 0.2 else max(5.0, 8.5 * cell / 0.2)
    row_size = 8.5 if row_h >= 0.2 else max(5.0, 8.5 * row_h / 0.2)
    if cell >= 0.3:
        ax.set_xticks(np.arange(n_cols), col_labels, rotation=45, ha="right", rotation_mode="anchor",
                      fontsize=col_size)
    else:
        ax.set_xticks(np.arange(n_cols), col_labels, rotation=90, fontsize=col_size)
    ax.set_yticks(np.arange(n_rows), row_labels, fontsize=row_size)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    # thin white grid between cells
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=min(1.0, 4 * min(cell, row_h)))
    ax.tick_params(which="minor", length=0)
    if annotate is None:
        annotate = n_rows * n_cols <= 400 and min(cell, row_h) >= 0.19
    if annotate:
        size = min(8.5, max(5.5, min(cell, row_h) * 30))
        for i in range(n_rows):
            for j in range(n_cols):
                v = values[i, j]
                if np.isfinite(v):
                    colour = text_colour_on(cmap(norm(v)))
                    ax.text(j, i, _format_value(v, fmt, decimals), ha="center", va="center",
                            fontsize=size, color=colour)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, aspect=25, pad=0.02)
    bar.set_label(value_label)
    bar.outline.set_visible(False)
    if fmt == "percent":
        bar.formatter = FuncFormatter(lambda v, _: f"{v:.0f}%")
        bar.update_ticks()
    elif fmt == "count" and not decimals:
        # counts are whole: a scale of 0..2 would otherwise be ticked 0.25, 0.5, ... 1.75
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    if row_title:
        ax.set_ylabel(row_title)
    if col_title:
        ax.set_xlabel(col_title)
    set_title(fig, title)
    return fig


def cooccurrence_heatmap(matrix: pd.DataFrame, *, title: str | None = "Code co-occurrence",
                         value_label: str = "Excerpts coded with both", **kwargs: object) -> Figure:
    """:func:`heatmap` for a symmetric code x code count matrix, diagonal blanked."""
    return heatmap(matrix, title=title, value_label=value_label, mask_diagonal=True, **kwargs)  # type: ignore[arg-type]


@styled
def wave_comparison(data: pd.DataFrame, *, waves: Sequence[str] | None = None, label: str | None = None,
                    names: Sequence[str] | None = None, top: int | None = 25, title: str | None = None, xlabel: str | None = None,
                    fmt: ValueFormat = "count", levels: int = 2) -> Figure:
    """Grouped horizontal bars: each code's value in wave 1, wave 2, … side by side.

    ``data`` is wide: one row per code (labels in the index or column ``label``) and one
    numeric column per wave, named by ``waves`` (default: every numeric column, in order).
    ``names`` are the legend's labels (default: the column names), e.g. ``waves=
    ["pct_first", "pct_second"], names=["Wave 1", "Wave 2"], fmt="percent"`` for the
    analysis ``wave_change`` table. Codes are ordered by their total across waves;
    ``top`` keeps the largest N.
    """
    if not isinstance(data, pd.DataFrame):
        raise ReportError(f"wave_comparison: expected a DataFrame, got {type(data).__name__}")
    frame = data.set_index(label) if label is not None else data
    if waves is None:
        waves = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    missing = [w for w in waves if w not in frame.columns]
    if missing:
        raise ReportError(f"wave_comparison: no column(s) {missing}; columns are {list(frame.columns)}")
    if not waves:
        raise ReportError("wave_comparison: no numeric wave columns; pass waves=[...]")
    if names is not None and len(names) != len(waves):
        raise ReportError(f"wave_comparison: {len(names)} names for {len(waves)} wave columns")
    legend_names = [str(n) for n in (names if names is not None else waves)]
    table = frame[list(waves)].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    table.index = table.index.map(str)
    if table.empty:
        return message_figure("No values to show", title)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    total = len(table)
    if top is not None and total > top:
        table = table.iloc[:top]
    k = len(waves)
    n = len(table)
    group = 0.8
    bar = group / k
    fig = new_figure(PAGE_WIDTH, bar_height_inches(n, per_bar=0.16 * k + 0.12, extra=1.3))
    ax = fig.subplots()
    y = np.arange(n)
    vmax = float(table.to_numpy().max()) or 1.0
    for w_i, wave in enumerate(waves):
        offsets = y - group / 2 + bar * (w_i + 0.5)
        vals = table[wave].to_numpy()
        ax.barh(offsets, vals, height=bar * 0.92, color=WAVE_COLOURS[w_i % len(WAVE_COLOURS)],
                label=legend_names[w_i], zorder=2)
        for yo, v in zip(offsets, vals):
            ax.text(v + vmax * 0.01, yo, _format_value(v, fmt, 0), va="center", ha="left",
                    fontsize=6.5 if k > 2 else 7)
    ax.set_yticks(y, [code_label(x, levels=levels, width=32) for x in table.index])
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.xaxis.grid(True, zorder=0)
    ax.set_xlim(0, vmax * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=(fmt == "count")))
    if fmt == "percent":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    axis_label = xlabel or {"count": "Count", "percent": "% of cases", "decimal": "Value"}[fmt]
    if top is not None and total > top:
        axis_label += f"  (top {top} of {total})"
    ax.set_xlabel(axis_label)
    set_title(fig, title)
    bottom_legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def _tint(colour: str, amount: float) -> tuple[float, float, float]:
    """``colour`` mixed with white: amount 0 = the colour, 1 = white."""
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def likert_colours(n_negative: int, n_positive: int, neutral: bool) -> list[tuple[float, float, float]]:
    """Vermillion shades for disagreement, blue shades for agreement, grey for neutral.

    The strongest level is the darkest, so the two ends of the scale stand out and the
    pairing survives red-green colour blindness and greyscale printing.
    """
    neg = [_tint("#D55E00", 0.65 * i / max(n_negative - 1, 1)) for i in range(n_negative)] if n_negative else []
    pos = [_tint("#0072B2", 0.65 * (1 - i / max(n_positive - 1, 1))) for i in range(n_positive)] if n_positive else []
    if n_negative == 1:
        neg = [_tint("#D55E00", 0.25)]
    if n_positive == 1:
        pos = [_tint("#0072B2", 0.25)]
    mid = [to_rgb("#C8C8C8")] if neutral else []
    return neg + mid + pos


#: Columns of the analysis ``likert`` table that are not answer levels.
LIKERT_SUMMARY_COLUMNS = frozenset({"battery", "column", "question", "group", "n", "pct_agree", "median",
                                    "median_level"})


@styled
def likert_bars(counts: pd.DataFrame, *, levels: Sequence[str] | None = None, label: str | None = None,
                neutral: str | bool | None = None, title: str | None = None,
                sort: bool = False, label_min: float = 5.0, item_width: int = 38) -> Figure:
    """Diverging stacked bars for a battery of scale items, centred on the neutral level.

    ``counts`` has one row per item (labels in the index or column ``label``, e.g.
    ``"question"``) and one column per level holding the number of answers, ordered
    low -> high (or give ``levels`` in that order). Without ``levels`` every column but
    the label and the summary columns of the analysis ``likert`` table (``n``,
    ``pct_agree``, ``median``…) is a level, so that table can be passed as it is. ``neutral`` names the middle level; by default it is the middle column
    when there is an odd number of levels, and none when even (``False`` forces none).
    Bars show % of each item's answers: disagreement left of zero, agreement right, the
    neutral level split across zero; each side's total is written at its end and the
    item's n after its label. ``sort`` orders items by % agreeing.
    """
    if not isinstance(counts, pd.DataFrame):
        raise ReportError(f"likert_bars: expected a DataFrame (items x levels), got {type(counts).__name__}")
    if label is not None:
        if label not in counts.columns:
            raise ReportError(f"likert_bars: no column {label!r} for item labels; columns are {list(counts.columns)}")
        counts = counts.set_index(label)
    if levels is None:
        levels = [str(c) for c in counts.columns if str(c) not in LIKERT_SUMMARY_COLUMNS]
    levels = list(levels)
    frame = counts.copy()
    frame.columns = [str(c) for c in frame.columns]
    missing = [lv for lv in levels if lv not in frame.columns]
    if missing:
        raise ReportError(f"likert_bars: no column(s) for level(s) {missing}; columns are {list(frame.columns)}")
    if len(levels) < 2:
        raise ReportError(f"likert_bars: a scale needs at least two levels, got {levels}")
    frame = frame[levels].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    if neutral is None:
        neutral_level = levels[len(levels) // 2] if len(levels) % 2 == 1 else None
    elif neutral is False:
        neutral_level = None
    elif neutral is True:
        if len(levels) % 2 == 0:
            raise ReportError(f"likert_bars: {len(levels)} levels have no middle; name the neutral level")
        neutral_level = levels[len(levels) // 2]
    else:
        if neutral not in levels:
            raise ReportError(f"likert_bars: neutral level {neutral!r} is not one of {levels}")
        neutral_level = str(neutral)
    if neutral_level is not None:
        mid = levels.index(neutral_level)
        negative, positive = levels[:mid], levels[mid + 1:]
    else:
        half = len(levels) // 2
        negative, positive = levels[:half], levels[half:]
    n = frame.sum(axis=1)
    frame = frame[n > 0]
    n = n[n > 0]
    if frame.empty:
        return message_figure("No answers to show", title)
    pct = frame.div(n, axis=0) * 100.0
    if sort:
        order = pct[positive].sum(axis=1).sort_values(ascending=False, kind="stable").index
        pct, n = pct.loc[order], n.loc[order]
    colours = likert_colours(len(negative), len(positive), neutral_level is not None)

    n_items = len(pct)
    item_labels = [f"{wrap_label(str(i), item_width, 3)}\n(n={int(c)})" for i, c in zip(pct.index, n)]
    lines = sum(label.count("\n") + 1 for label in item_labels)
    height = min(9.5, max(2.4, 1.5 + 0.17 * lines + 0.12 * n_items))
    fig = new_figure(PAGE_WIDTH, height)
    ax = fig.subplots()
    y = np.arange(n_items)
    left = -pct[negative].sum(axis=1).to_numpy()
    if neutral_level is not None:
        left = left - pct[neutral_level].to_numpy() / 2
    start = left.copy()
    for level, colour in zip(levels, colours):
        widths = pct[level].to_numpy()
        ax.barh(y, widths, left=start, color=colour, height=0.7, label=wrap_label(level, 16, 3),
                edgecolor="white", linewidth=0.6, zorder=2)
        for yi, x0, w in zip(y, start, widths):
            if w >= label_min:
                ax.text(x0 + w / 2, yi, f"{w:.0f}", ha="center", va="center", fontsize=7.5,
                        color=text_colour_on(colour))
        start = start + widths
    extent = float(max(np.abs(left).max(), np.abs(start).max()))
    limit = min(100.0, np.ceil((extent + 12) / 25) * 25)
    ax.set_xlim(-limit, limit)
    neg_total = pct[negative].sum(axis=1).to_numpy()
    pos_total = pct[positive].sum(axis=1).to_numpy()
    for yi, l_end, r_end, nt, pt in zip(y, left, start, neg_total, pos_total):
        ax.text(l_end - 1.5, yi, f"{nt:.0f}%", ha="right", va="center", fontsize=7.5, fontweight="bold",
                color="#A04000")
        ax.text(r_end + 1.5, yi, f"{pt:.0f}%", ha="left", va="center", fontsize=7.5, fontweight="bold",
                color="#005080")
    ax.axvline(0, color="#444444", linewidth=0.8, zorder=1)  # behind the bars: neutral labels stay clear
    ax.set_yticks(y, item_labels)
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}%"))
    ax.xaxis.grid(True, zorder=0)
    ax.set_xlabel("% of answers")
    set_title(fig, title)
    bottom_legend(fig, ax.get_legend_handles_labels()[0], handlelength=1.0)
    return fig


def _t_quantile(df: float) -> float:
    from scipy.special import stdtrit  # what scipy.stats.t.ppf calls, without importing scipy.stats (~1 s)

    return float(stdtrit(df, 0.975))


@styled
def ratings_chart(data: pd.DataFrame, *, label: str | None = None, mean: str = "mean", n: str = "n",
                  interval: Literal["auto", "ci", "sd", "iqr", "range", "none"] = "auto",
                  scale: tuple[float, float] = (0, 10), title: str | None = None,
                  xlabel: str | None = None, label_width: int = 36) -> Figure:
    """Mean rating per objective as a dot with an interval and "mean (n=…)" beside it.

    ``data`` has one row per objective (labels in the index or column ``label``), the mean
    in ``mean`` and the number of ratings in ``n`` (the analysis ``ratings`` table fits,
    with ``label="question"``). The line is, with ``interval="auto"``: columns
    ``ci_low``/``ci_high`` if present, else a 95% t-interval from ``sd`` and n, else the
    quartiles ``q1``/``q3`` ("iqr": the middle half of the marks, the "7 to 8" of a
    report), else ``min``/``max`` ("range"), else nothing; the axis label says which. An objective with no
    ratings (n = 0 or no mean) is listed with "no ratings", as reports print "-".
    """
    if not isinstance(data, pd.DataFrame):
        raise ReportError(f"ratings_chart: expected a DataFrame, got {type(data).__name__}")
    frame = data.set_index(label) if label is not None else data
    for col in (mean, n):
        if col not in frame.columns:
            raise ReportError(f"ratings_chart: no column {col!r}; columns are {list(frame.columns)}")
    if frame.empty:
        return message_figure("No ratings to show", title)
    means = pd.to_numeric(frame[mean], errors="coerce").to_numpy(dtype=float)
    counts = pd.to_numeric(frame[n], errors="coerce").fillna(0).to_numpy(dtype=float)
    cols = set(frame.columns)
    if interval == "auto":
        interval = ("ci" if {"ci_low", "ci_high"} <= cols else "sd" if "sd" in cols
                    else "iqr" if {"q1", "q3"} <= cols else "range" if {"min", "max"} <= cols else "none")
    needed = {"ci": ["ci_low", "ci_high"], "sd": ["sd"], "iqr": ["q1", "q3"], "range": ["min", "max"]}
    missing = [c for c in needed.get(interval, []) if c not in cols]
    if missing:
        raise ReportError(f"ratings_chart: interval={interval!r} needs column(s) {missing}")
    low = high = None
    what = ""
    if interval == "ci":
        low = pd.to_numeric(frame["ci_low"], errors="coerce").to_numpy(dtype=float)
        high = pd.to_numeric(frame["ci_high"], errors="coerce").to_numpy(dtype=float)
        what = "lines: 95% confidence interval"
    elif interval == "sd":
        sd = pd.to_numeric(frame["sd"], errors="coerce").to_numpy(dtype=float)
        half = np.array([_t_quantile(c - 1) * s / np.sqrt(c) if c > 1 and np.isfinite(s) else np.nan
                         for s, c in zip(sd, counts)])
        low, high = means - half, means + half
        what = "lines: 95% confidence interval"
    elif interval == "iqr":
        low = pd.to_numeric(frame["q1"], errors="coerce").to_numpy(dtype=float)
        high = pd.to_numeric(frame["q3"], errors="coerce").to_numpy(dtype=float)
        what = "lines: middle half of the marks (quartiles)"
    elif interval == "range":
        low = pd.to_numeric(frame["min"], errors="coerce").to_numpy(dtype=float)
        high = pd.to_numeric(frame["max"], errors="coerce").to_numpy(dtype=float)
        what = "lines: lowest to highest rating"
    lo_s, hi_s = scale
    if low is not None and high is not None:
        low, high = np.clip(low, lo_s, hi_s), np.clip(high, lo_s, hi_s)

    labels = [wrap_label(str(x), label_width, 3) for x in frame.index]
    lines = sum(lab.count("\n") + 1 for lab in labels)
    fig = new_figure(PAGE_WIDTH, min(9.0, max(2.2, 1.2 + 0.2 * lines + 0.18 * len(labels))))
    ax = fig.subplots()
    y = np.arange(len(labels))
    for yi in y:
        ax.axhline(yi, color=GRID_COLOUR, linewidth=0.6, zorder=0)
    span = hi_s - lo_s
    for yi, m, c in zip(y, means, counts):
        rated = np.isfinite(m) and c > 0
        if rated and low is not None and high is not None and np.isfinite(low[yi]) and np.isfinite(high[yi]):
            ax.plot([low[yi], high[yi]], [yi, yi], color=PALETTE[0], linewidth=2.2, alpha=0.45,
                    solid_capstyle="round", zorder=2, gid="interval")
        if rated:
            ax.plot([m], [yi], "o", color=PALETTE[0], markersize=8, zorder=3, gid="mean")
            text = f"{m:.1f}  (n={int(c)})"
        else:
            text = "no ratings"
        ax.text(hi_s + span * 0.03, yi, text, ha="left", va="center", fontsize=8.5,
                color="#222222" if rated else "#888888", clip_on=False)
    ax.set_xlim(lo_s, hi_s)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    if span <= 10:
        ax.set_xticks(np.arange(lo_s, hi_s + 1, 1))
    ax.xaxis.grid(True, zorder=0)
    ax.set_axisbelow(True)
    default_label = f"Mean rating ({lo_s:g}-{hi_s:g})" + (f"; {what}" if what else "")
    ax.set_xlabel(xlabel or default_label)
    set_title(fig, title)
    return fig
