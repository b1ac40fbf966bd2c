"""What a report says, independent of the file it is written to.

The project assembles a :class:`Report` (headline counts, sections of text, tables,
figures and quotes) once; the Excel, HTML, Markdown and CSV writers each render the same
object, so the numbers in every format agree. Tables carry their number formats here,
because "62" means 62 % in one table and 62 excerpts in the next.

Percent convention: a ``"percent"`` column holds values on a 0-100 scale (62.0 means
62 %), as the analyses return them; a ``"fraction"`` column holds 0-1 values.
"""
from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from qualcode.analysis.base import HeadlineNumbers
from qualcode.report.figures import ReportError, save_figure

NumberFormat = Literal["count", "percent", "fraction", "decimal", "pvalue", "text"]
_FORMATS = ("count", "percent", "fraction", "decimal", "pvalue", "text")
NUMERIC_FORMATS = ("count", "percent", "fraction", "decimal", "pvalue")
P_FLOOR = 0.001  # p-values below it print as "<0.001": more digits claim a precision no test has

from qualcode.csv_safety import FORMULA_PREFIXES, is_formula_like, safe_frame  # noqa: E402,F401 - defined once, there


def slug(text: str, max_len: int = 40) -> str:
    """A file-name-safe ASCII slug: ``"Codes by role (% of cases)"`` -> ``"codes-by-role-of-cases"``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return (s[:max_len].rstrip("-") or "table")


@dataclass
class Table:
    """A DataFrame with a caption and the number format of each column.

    ``formats`` maps column -> ``"count"``, ``"percent"`` (0-100), ``"fraction"`` (0-1),
    ``"decimal"``, ``"pvalue"`` (three decimals, "<0.001" below that) or ``"text"``;
    unlisted columns are inferred (integers -> count, whole floats -> count, other floats
    -> decimal, everything else -> text). ``decimals`` is the
    number of decimals of percent/decimal columns, one int or per column. ``heatmap`` asks
    writers to shade numeric cells by value (co-occurrence, crosstabs). ``index`` writes
    the index as the first column(s); by default when it holds labels (named, several levels,
    or not integers), never pandas' leftover row numbers.
    """

    frame: pd.DataFrame
    caption: str
    name: str = ""
    formats: dict[str, NumberFormat] = field(default_factory=dict)
    decimals: int | Mapping[str, int] = 1
    heatmap: bool = False
    index: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise ReportError(f"table {self.caption!r}: expected a DataFrame, got {type(self.frame).__name__}")
        if not self.name:
            self.name = self.caption
        bad = {c: f for c, f in self.formats.items() if f not in _FORMATS}
        if bad:
            raise ReportError(f"table {self.caption!r}: unknown format(s) {bad}; use one of {list(_FORMATS)}")

    def data(self) -> pd.DataFrame:
        """The frame as written: index as leading column(s) when wanted, flat string headers."""
        frame = self.frame
        write_index = self.index
        if write_index is None:
            # a named index (codes down the side) is data; an unnamed one is pandas' row
            # numbering left over from a filter, never a column a reader wants
            idx = frame.index
            write_index = (isinstance(idx, pd.MultiIndex) or idx.name is not None
                           or not pd.api.types.is_integer_dtype(idx))
        if write_index:
            names = [n if n is not None else ("" if frame.index.nlevels == 1 else f"level {i}")
                     for i, n in enumerate(frame.index.names)]
            frame = frame.copy()
            frame.index = frame.index.set_names(names)
            # a column named like the index would clash on reset_index
            frame = frame.reset_index(allow_duplicates=True)
        else:
            frame = frame.reset_index(drop=True)
        if isinstance(frame.columns, pd.MultiIndex):
            frame.columns = [" / ".join(str(p) for p in col if str(p) != "") for col in frame.columns]
        else:
            frame.columns = [str(c) for c in frame.columns]
        return frame

    def column_format(self, column: str, series: pd.Series | None = None) -> NumberFormat:
        """The format of ``column``: as given, or inferred from the values."""
        if column in self.formats:
            return self.formats[column]
        if series is None:
            series = self.data()[column]
        return infer_format(series, column)

    def column_decimals(self, column: str) -> int:
        if isinstance(self.decimals, Mapping):
            return int(self.decimals.get(column, 1))
        return int(self.decimals)

    def formatted(self) -> pd.DataFrame:
        """Every cell as display text (for HTML and Markdown): 1,234 · 62.0% · 7.4."""
        data = self.data()
        out = {}
        for col_pos, col in enumerate(data.columns):
            series = data.iloc[:, col_pos]
            fmt = self.column_format(col, series)
            decimals = self.column_decimals(col)
            out[col_pos] = [format_cell(v, fmt, decimals) for v in series.tolist()]
        result = pd.DataFrame(out, index=data.index)
        result.columns = list(data.columns)
        return result


def infer_format(series: pd.Series, column: str = "") -> NumberFormat:
    """Integers (and floats that are all whole numbers) are counts; other floats decimals;
    identifiers (``id``, ``*_id``) are text, so 1234 never shows as "1,234"; numeric
    columns named ``pct…``/``…_pct``/``…%`` are percentages on a 0-100 scale, as the
    analyses name them (``pct_cases``, ``pct_agree``, ``pct_first``)."""
    name = str(column).lower()
    if name == "id" or name.endswith("_id"):
        return "text"
    if (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
            and (name.startswith("pct") or name.endswith("_pct") or name.endswith("%"))):
        return "percent"
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    if pd.api.types.is_float_dtype(series):
        values = series.dropna().to_numpy(dtype=float)
        if values.size and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return "count"
        return "decimal"
    return "text"


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def format_cell(value: object, fmt: NumberFormat, decimals: int = 1) -> str:
    """One value as report text; missing values are empty."""
    if is_missing(value):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if fmt != "text" and isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return ""
        if fmt == "count":
            return f"{v:,.0f}"
        if fmt == "percent":
            return f"{v:,.{decimals}f}%"
        if fmt == "fraction":
            return f"{v * 100:,.{decimals}f}%"
        if fmt == "pvalue":
            return f"<{P_FLOOR:g}" if v < P_FLOOR else f"{v:.3f}"
        return f"{v:,.{decimals}f}"
    return str(value)


@dataclass
class FigureRef:
    """A figure saved on disk (PNG, optionally SVG) with its caption."""

    png: Path
    caption: str
    svg: Path | None = None
    name: str = ""

    def __post_init__(self) -> None:
        self.png = Path(self.png)
        self.svg = Path(self.svg) if self.svg is not None else None
        if not self.name:
            self.name = self.png.stem


@dataclass
class Quote:
    """An anonymised excerpt and its attribution, e.g. ``"— CEO, wave 2"``."""

    text: str
    attribution: str = ""


@dataclass
class Section:
    """A heading with paragraphs (blank-line separated), figures, tables and quotes,
    rendered in that order."""

    title: str
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    # Set by Report.add_section: lets add_figure keep file names unique across the report.
    report: Report | None = field(default=None, repr=False, compare=False)

    def add_table(self, frame: pd.DataFrame, caption: str, **options: Any) -> Table:
        """Append a :class:`Table` (options as its fields) and return it."""
        table = Table(frame, caption, **options)
        self.tables.append(table)
        return table

    def add_figure(self, figure: Figure | str | Path, caption: str, folder: str | Path | None = None,
                   name: str | None = None) -> FigureRef:
        """Append a figure: a PNG path, or a matplotlib Figure saved (PNG + SVG) into ``folder``."""
        if isinstance(figure, Figure):
            if folder is None:
                raise ReportError(f"figure {caption!r}: pass folder= to save a matplotlib Figure")
            used = {f.png.resolve() for _, f in self.report.figures()} if self.report else set()
            used |= {f.png.resolve() for f in self.figures}
            stem, n = slug(name or caption), 1
            target = Path(folder) / stem
            while target.with_suffix(".png").resolve() in used:
                n += 1
                target = Path(folder) / f"{stem}-{n}"
            saved = save_figure(figure, target)
            ref = FigureRef(saved.png, caption, saved.svg, name or saved.png.stem)
        else:
            ref = FigureRef(Path(figure), caption, name=name or "")
        self.figures.append(ref)
        return ref

    def add_quote(self, text: str, attribution: str = "") -> Quote:
        quote = Quote(text, attribution)
        self.quotes.append(quote)
        return quote

    def paragraphs(self) -> list[str]:
        return [" ".join(p.split()) for p in re.split(r"\n\s*\n", self.text or "") if p.strip()]


@dataclass
class Headline:
    """The study at a glance: "170 sources; 1,350 coded excerpts; 124 questionnaire
    responses (62% response rate)". ``invited`` (people asked to answer) gives the
    response rate; ``response_rate`` (0-100) can be given instead. ``cases`` and ``base``
    (the participants, or sources, whose material carries a code: what every % is out
    of) are both named. The wording is :class:`qualcode.analysis.base.HeadlineNumbers`',
    the one ``qualcode status`` and ``Project.summary()`` use."""

    sources: int
    excerpts: int
    responses: int | None = None
    invited: int | None = None
    response_rate: float | None = None
    cases: int | None = None
    base: int | None = None
    base_unit: str = "case"

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any]) -> "Headline":
        """The headline of a ``Project.summary()`` mapping."""
        n = HeadlineNumbers.from_summary(summary)
        return cls(sources=n.sources, excerpts=n.coded_excerpts, responses=n.responses, invited=n.invited,
                   cases=n.cases, base=n.base, base_unit=n.base_unit)

    def numbers(self) -> HeadlineNumbers:
        return HeadlineNumbers(sources=self.sources, coded_excerpts=self.excerpts, cases=self.cases,
                               base=self.base, base_unit=self.base_unit, responses=self.responses,
                               invited=self.invited, response_rate=self.response_rate)

    def rate(self) -> float | None:
        """Response rate in percent, or None when it cannot be known."""
        return self.numbers().rate()

    def tiles(self) -> list[tuple[str, str]]:
        """(number, label) pairs for tiles."""
        return self.numbers().tiles()

    def parts(self) -> list[str]:
        return self.numbers().parts()

    def text(self) -> str:
        return self.numbers().text()


@dataclass
class Report:
    """A whole report: title, headline counts and sections, in order."""

    title: str
    subtitle: str = ""
    headline: Headline | None = None
    sections: list[Section] = field(default_factory=list)

    def add_section(self, title: str, text: str = "") -> Section:
        section = Section(title, text, report=self)
        self.sections.append(section)
        return section

    def tables(self) -> Iterator[tuple[Section, Table]]:
        for section in self.sections:
            for table in section.tables:
                yield section, table

    def figures(self) -> Iterator[tuple[Section, FigureRef]]:
        for section in self.sections:
            for fig in section.figures:
                yield section, fig


def _cut_at_word(name: str, max_len: int) -> str:
    """``name`` within ``max_len`` characters, cut after a whole word where one ends in the
    second half ("Participants and sources by" rather than "Participants and sources by rol")."""
    if len(name) <= max_len:
        return name.rstrip()
    cut = name[: max_len + 1]
    space = cut.rfind(" ")
    if space >= max_len // 2:
        kept = name[:space]
        if kept.count("(") > kept.count(")"):  # "Codes by role (%": the bracket never closes
            kept = kept[: kept.rfind("(")]
        words = kept.rstrip(" ,;:-(").split(" ")
        while len(words) > 2 and words[-1].lower() in _DANGLING:
            words.pop()  # "... sources by" reads as cut; "... sources" does not
        return " ".join(words)
    return name[:max_len].rstrip()


_DANGLING = {"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"}


def unique_names(names: list[str], max_len: int, taken: set[str] | None = None,
                 key: Any = str.lower) -> list[str]:
    """Make ``names`` unique (compared by ``key``) within ``max_len`` characters by adding
    `` (2)``, `` (3)``… — sheet names and file names must not collide."""
    seen = {key(t) for t in (taken or set())}
    out = []
    for name in names:
        base = _cut_at_word(name, max_len) or "table"
        candidate, n = base, 1
        while key(candidate) in seen:
            n += 1
            suffix = f" ({n})"
            candidate = _cut_at_word(base, max_len - len(suffix)) + suffix
        seen.add(key(candidate))
        out.append(candidate)
    return out


def write_csv(report: Report, folder: str | Path, *, escape_formulas: bool = True) -> list[Path]:
    """Write every table of ``report`` to ``folder`` as ``NN-name.csv`` (UTF-8 with BOM, so
    Excel reads accents). Values are written raw (percent columns stay 0-100).

    With ``escape_formulas`` (the default) a text cell or column header starting with
    ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` so a spreadsheet shows it
    instead of running it (``qualcode.csv_safety``); numbers are never touched. Returns
    the paths in report order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = [t for _, t in report.tables()]
    stems = unique_names([f"{i:02d}-{slug(t.name)}" for i, t in enumerate(tables, 1)], 60)
    paths = []
    for table, stem in zip(tables, stems):
        data = table.data()
        if escape_formulas:
            data = safe_frame(data)
        path = folder / f"{stem}.csv"
        data.to_csv(path, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        paths.append(path)
    return paths
