"""The Excel workbook of a report (openpyxl, streamed).

One sheet per table plus a Contents sheet that links to each; each figure embedded beside
the first table of its section (the numbers behind a chart sit next to it, as a reader
copying both into a report wants them), a Figures sheet for figures of sections without a
table and, when the report has quotes, a Quotes sheet. Every table sheet has its
caption on top, a bold frozen header row with filters, number and % formats, widths that
fit, wrapped long text, and colour scales on heat-map tables.

Excerpt text is participants' words, so no text cell is ever written as a formula: text
that begins with ``=``, ``+``, ``-`` or ``@`` (or tab / CR) is stored as a string with
Excel's quote prefix. The workbook is written in openpyxl's write-only mode so a project
with 10^5-10^6 excerpts streams to disk instead of building every cell in memory, and the
tables' data rows (numbers and text) are rendered by :mod:`qualcode.report.xlsx_rows` as
the markup openpyxl writes for them, ten times faster than a cell object per value.
"""
from __future__ import annotations

import math
import re
import tempfile
from copy import copy
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as XLImage
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from PIL import Image as PILImage

from qualcode.report import xlsx_rows
from qualcode.report.xlsx_rows import BlockColumn, RowBlock

from qualcode.report.content import (
    FORMULA_PREFIXES,
    NUMERIC_FORMATS,
    P_FLOOR,
    Report,
    Table,
    format_cell,
    is_formula_like,
    is_missing,
    unique_names,
)
from qualcode.report.figures import ReportError

#: Excel limits and conventions.
MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
_INVALID_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
_RESERVED_SHEET_NAMES = {"history"}

#: Rows above the header on a table sheet: caption, link back / note.
HEADER_ROW = 3
#: Widest a column gets before its text wraps, in Excel character units.
MAX_WIDTH = 60
#: Figures are embedded at this width (pixels at 96 dpi, about 16.5 cm): readable, not huge.
FIGURE_WIDTH_PX = 620
#: Default Excel row height in pixels, for spacing images.
ROW_PX = 20

_EXCEL_FORMATS = {"count": "#,##0", "text": "@"}
_BOLD = Font(bold=True)
_LINK = Font(color="0563C1", underline="single")
_CAPTION = Font(bold=True, size=12)
_TITLE = Font(bold=True, size=16)
_NOTE = Font(italic=True, color="666666")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="bottom")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
#: Heat-map colour scale: white to a mid blue that keeps black numbers readable.
_HEAT_RULE = dict(start_type="num", start_value=0, start_color="FFFFFF", end_type="max", end_color="5B9BD5")


def safe_sheet_names(names: Sequence[str], taken: Iterable[str] = ()) -> list[str]:
    """Valid, unique Excel sheet names for ``names``: no ``[]:*?/\\``, no leading or
    trailing apostrophe, at most 31 characters, unique ignoring case, not "History"."""
    cleaned = []
    for name in names:
        s = " ".join(str(name).translate(_INVALID_SHEET_CHARS).split()).strip("'").strip()
        if not s or s.lower() in _RESERVED_SHEET_NAMES:
            s = (s + " table").strip() if s else "Table"
        cleaned.append(s)
    return unique_names(cleaned, MAX_SHEET_NAME, set(taken))


def _sheet_ref(sheet: str, cell: str = "A1") -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _excel_value(value: Any) -> Any:
    """A pandas/numpy value as something openpyxl writes; text cleaned of characters XML
    cannot hold and cut to Excel's cell limit."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (int, date)):
        return value
    text = value if isinstance(value, str) else str(value)
    text = _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _text_cell(ws: Any, text: str, style: WriteOnlyCell | None = None) -> WriteOnlyCell:
    """A cell that holds ``text`` as a string whatever it starts with: never a formula
    (``=...``), never an error value (``#N/A``). Formula-like text also gets Excel's quote
    prefix, so it stays text even when someone edits the cell."""
    formula_like = is_formula_like(text)
    cell = WriteOnlyCell(ws)
    if style is not None:
        # Share the column's style array (fast); copy it when this cell changes it.
        cell._style = copy(style._style) if formula_like else style._style
    cell.value = text
    if cell.data_type != "s":
        cell.data_type = "s"
    if formula_like:
        cell.quotePrefix = True
    return cell


def _styled(ws: Any, value: Any, style: WriteOnlyCell) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    cell._style = style._style
    return cell


_ERROR_CODES = frozenset(ERROR_CODES)


def _needs_text_cell(value: object) -> bool:
    """Text openpyxl would not store as a plain string: a formula or an error code."""
    return isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value in _ERROR_CODES)


#: code points XML 1.0 cannot hold beyond openpyxl's control characters (lxml refuses them,
#: and a lone surrogate cannot be encoded): dropped like the control characters
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _clean_text(value: str) -> str:
    if not value.isprintable():  # cheap test first; the regexes only for the rare control character
        value = _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 1] + "…"
    return value


_WHOLE_NUMBER = r"(?:0|[1-9][0-9]{0,8})"


def _numbers_kept_as_text(series: pd.Series) -> bool:
    """True for a text column whose every value is a whole number without a leading zero
    (an id like "007" keeps its zeros, so stays text)."""
    if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
        return False
    present = series.dropna()
    if present.empty or not all(isinstance(v, str) for v in present.head(1000).tolist()):
        return False
    if not present.head(1000).astype(str).str.fullmatch(_WHOLE_NUMBER).all():
        return False  # a text column shows it in its first rows: 10^5 excerpts are not all matched
    return bool(present.astype(str).str.fullmatch(_WHOLE_NUMBER).all())


def _python_values(series: pd.Series, numeric: bool, scale: float) -> list[Any]:
    """A column as plain Python values openpyxl can write, missing values as None.

    Vectorised by dtype: per-value conversion of 10^6 cells is where a big workbook's time
    goes, so numbers go through numpy and text only through a cheap printable check.
    """
    if numeric and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        arr = series.to_numpy(dtype=float, na_value=np.nan) * scale
        missing = ~np.isfinite(arr)
        if pd.api.types.is_integer_dtype(series) and scale == 1.0:
            values = np.where(missing, 0, arr).astype(np.int64).tolist()
        else:
            values = arr.tolist()
        for i in np.flatnonzero(missing):
            values[i] = None
        return values
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if _numbers_kept_as_text(series):
        # wave "1", cohort "2": labels that are whole numbers are written as numbers, so
        # Excel neither flags them "number stored as text" nor sorts 10 before 2
        return [None if pd.isna(v) else int(str(v)) for v in series.tolist()]
    if pd.api.types.is_string_dtype(series) or series.dtype == object:
        missing = series.isna().to_numpy()
        values = series.tolist()
        for i, v in enumerate(values):
            if missing[i]:
                values[i] = None
            elif isinstance(v, str):
                values[i] = _clean_text(v)
            else:
                values[i] = _excel_value(v)
        if numeric and scale != 1.0:
            values = [v * scale if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in values]
        return values
    return [_excel_value(v) for v in series.tolist()]


class _Column:
    """How one column is written: Excel format, width, wrapping, and a cell maker."""

    def __init__(self, ws: Any, table: Table, name: str, series: pd.Series):
        self.fmt = table.column_format(name, series)
        decimals = table.column_decimals(name)
        self.scale = 0.01 if self.fmt == "percent" else 1.0
        self.numeric = self.fmt in NUMERIC_FORMATS
        if self.fmt in ("percent", "fraction"):
            number_format = "0%" if decimals == 0 else "0." + "0" * decimals + "%"
        elif self.fmt == "pvalue":  # the number stays a number; only its display says "<0.001"
            number_format = f'[<{P_FLOOR}]"<{P_FLOOR}";0.000'
        elif self.fmt == "decimal":
            number_format = "0" if decimals == 0 else "#,##0." + "0" * decimals
        else:
            number_format = _EXCEL_FORMATS.get(self.fmt, "General")
        sample = series.iloc[:2000].tolist()
        texts = [format_cell(v, self.fmt, decimals) for v in sample]
        longest = max((max((len(line) for line in t.split("\n")), default=0) for t in texts), default=0)
        header_len = max((len(w) for w in str(name).split()), default=0)
        self.wrap = longest > MAX_WIDTH or any("\n" in t for t in texts)
        self.width = float(min(MAX_WIDTH, max(8, longest + 2, min(header_len + 2, 30))))
        if not self.numeric and self.wrap:
            self.width = float(MAX_WIDTH)
        self.style = WriteOnlyCell(ws)
        if self.numeric:
            self.style.number_format = number_format
        self.style.alignment = _WRAP if self.wrap else _TOP
        self.ws = ws
        self.values = _python_values(series, self.numeric, self.scale)

    def maker(self) -> Callable[[Any], Any] | None:
        """A function from a value to what is appended, or None when values go in as they are."""
        ws, style = self.ws, self.style
        if self.numeric or self.wrap:
            def styled(value: Any) -> Any:
                if isinstance(value, str):
                    return _text_cell(ws, value, style)
                return _styled(ws, value, style)
            return styled
        if any(_needs_text_cell(v) for v in self.values):
            def guarded(value: Any) -> Any:
                return _text_cell(ws, value) if _needs_text_cell(value) else value
            return guarded
        return None


def _check(report: Report) -> None:
    """Fail before the first byte is streamed: a half-written workbook helps nobody."""
    for _, table in report.tables():
        if len(table.frame) > MAX_ROWS - HEADER_ROW:
            raise ReportError(f"table {table.caption!r} has {len(table.frame):,} rows, more than an Excel "
                              f"sheet holds ({MAX_ROWS - HEADER_ROW:,}); filter it or export it as CSV")
    for _, fig in report.figures():
        if not fig.png.is_file():
            raise ReportError(f"figure {fig.caption!r}: PNG {fig.png} does not exist; save the figure first")


def _write_table_sheet(wb: Workbook, sheet: str, table: Table, contents: str,
                       images: Sequence[tuple[str, XLImage]] = (), blocks: list[RowBlock] | None = None) -> int:
    """Write one table, with ``images`` (anchor cell, image) beside it; returns the number
    of data rows written. With ``blocks``, the data rows are added there as a
    :class:`RowBlock` for :func:`xlsx_rows.splice` (when every value is one it renders)
    instead of being streamed cell by cell through openpyxl."""
    ws = wb.create_sheet(sheet)
    data = table.data()
    for cell, image in images:
        ws.add_image(image, cell)
    columns = [_Column(ws, table, str(name), data.iloc[:, i]) for i, name in enumerate(data.columns)]
    for i, col in enumerate(columns, 1):  # widths must be set before the first row streams
        ws.column_dimensions[get_column_letter(i)].width = col.width
    n_cols = max(len(columns), 1)
    n_rows = len(data)
    first_is_label = bool(columns) and not columns[0].numeric and n_cols > 1
    ws.freeze_panes = f"{'B' if first_is_label else 'A'}{HEADER_ROW + 1}"
    last = get_column_letter(n_cols)
    if columns:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + n_rows}"
    numeric_cols = [i for i, col in enumerate(columns, 1) if col.numeric]
    if table.heatmap and n_rows and numeric_cols:
        # One scale over the whole block, so colours compare across columns (text is ignored).
        ref = (f"{get_column_letter(numeric_cols[0])}{HEADER_ROW + 1}:"
               f"{get_column_letter(numeric_cols[-1])}{HEADER_ROW + n_rows}")
        ws.conditional_formatting.add(ref, ColorScaleRule(**_HEAT_RULE))

    caption = _text_cell(ws, table.caption)
    caption.font = _CAPTION
    ws.append([caption])
    back = WriteOnlyCell(ws, "← Contents")
    back.hyperlink = Hyperlink(ref="", location=_sheet_ref(contents))
    back.font = _LINK
    row2: list[Any] = [back]
    if table.note:
        note = _text_cell(ws, table.note)
        note.font = _NOTE
        row2.append(note)
    ws.append(row2)
    header = []
    for name in data.columns:
        cell = _text_cell(ws, str(name))
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGN
        header.append(cell)
    ws.append(header)
    if blocks is not None and n_rows and columns:
        block = _row_block(ws, columns)
        if block is not None:
            blocks.append(block)
            return n_rows
    makers = [col.maker() for col in columns]
    plain = all(m is None for m in makers)
    for row in zip(*(col.values for col in columns)):
        if plain:
            ws.append(row)
        else:
            ws.append([v if m is None or v is None else m(v) for v, m in zip(row, makers)])
    return n_rows


def _row_block(ws: Any, columns: Sequence[_Column]) -> RowBlock | None:
    """The table's data rows as a :class:`RowBlock`, or None when a value needs openpyxl
    (a date, a time). The styles the rows use are registered with the workbook in the
    order a cell-by-cell write would first meet them (row by row), and only those, so the
    styles part and every ``s`` attribute are the same as openpyxl's."""
    if not all(xlsx_rows.writable(col.values) for col in columns):
        return None
    firsts: list[tuple[int, int, WriteOnlyCell]] = []  # (row, column, a cell whose style is first met there)
    block_columns = []
    for i, col in enumerate(columns):
        values = col.values
        guarded_at = next((r for r, v in enumerate(values) if v.__class__ is str and v.startswith(FORMULA_PREFIXES)),
                          None)
        styled = guarded = None
        if col.numeric or col.wrap:
            first = next((r for r, v in enumerate(values)
                          if v is not None and not (v.__class__ is str and v.startswith(FORMULA_PREFIXES))), None)
            if first is not None:
                styled = _styled(ws, None, col.style)
                firsts.append((first, i, styled))
        if guarded_at is not None:  # the column's style with the quote prefix (plain: the prefix alone)
            guarded = _text_cell(ws, "=", col.style if col.numeric or col.wrap else None)
            firsts.append((guarded_at, i, guarded))
        block_columns.append((values, styled, guarded))
    ids = {id(cell): cell.style_id for _, _, cell in sorted(firsts, key=lambda f: f[:2])}
    return RowBlock(ws, HEADER_ROW + 1, [
        BlockColumn(values, ids[id(styled)] if styled is not None else None,
                    ids[id(guarded)] if guarded is not None else None)
        for values, styled, guarded in block_columns])


def _image_for_sheet(png: Path) -> XLImage:
    with PILImage.open(png) as im:
        width, height = im.size
    image = XLImage(str(png))
    scale = min(1.0, FIGURE_WIDTH_PX / width)
    image.width, image.height = int(width * scale), int(height * scale)
    return image


@dataclass
class _Placed:
    """Where one figure went: its sheet, the cell its link points at, its caption and image."""

    sheet: str
    cell: str  # beside a table: the image's anchor; on the Figures sheet: its caption's cell
    caption: str
    image: XLImage
    row: int


def _place_figures(report: Report, table_sheets: dict[int, tuple[str, Table]]) -> list[_Placed]:
    """Each figure beside the first table of its section, stacked top to bottom from the
    header row; figures of a section without a table go to the Figures sheet under their
    captions. ``table_sheets`` maps ``id(section)`` to its first table's sheet and table."""
    placed = []
    next_row: dict[str, int] = {}
    gallery_row = 3
    for n, (section, fig) in enumerate(report.figures(), 1):
        image = _image_for_sheet(fig.png)
        caption = f"Figure {n}. {fig.caption}"
        rows = math.ceil(image.height / ROW_PX)
        home = table_sheets.get(id(section))
        if home is not None:
            sheet, table = home
            row = next_row.get(sheet, HEADER_ROW)
            column = get_column_letter(max(len(table.data().columns), 1) + 2)  # one empty column after the table
            placed.append(_Placed(sheet, f"{column}{row}", caption, image, row))
            next_row[sheet] = row + rows + 2
        else:
            placed.append(_Placed("Figures", f"A{gallery_row}", caption, image, gallery_row))
            gallery_row += 1 + rows + 2
    return placed


def _write_figures_sheet(wb: Workbook, sheet: str, layout: list[tuple[int, str, XLImage]],
                         contents: str) -> None:
    """Figures of sections without a table, each under its caption (layout: caption row,
    caption, image)."""
    ws = wb.create_sheet(sheet)
    ws.column_dimensions["A"].width = 100
    back = WriteOnlyCell(ws, "← Contents")
    back.hyperlink = Hyperlink(ref="", location=_sheet_ref(contents))
    back.font = _LINK
    ws.append([back])
    written = 1
    for row, text, image in layout:
        while written < row - 1:
            ws.append([])
            written += 1
        caption = _text_cell(ws, text)
        caption.font = _CAPTION
        ws.append([caption])
        written += 1
        ws.add_image(image, f"A{row + 1}")


def _write_quotes_sheet(wb: Workbook, sheet: str, report: Report, contents: str,
                        blocks: list[RowBlock] | None = None) -> None:
    rows = [(s.title, q.text, q.attribution) for s in report.sections for q in s.quotes]
    table = Table(pd.DataFrame(rows, columns=["Section", "Quote", "Attribution"]), "Quotes")
    _write_table_sheet(wb, sheet, table, contents, blocks=blocks)


def write_excel(report: Report, path: str | Path, *, cell_by_cell: bool = False) -> Path:
    """Write ``report`` as one ``.xlsx`` workbook at ``path`` (folders created); returns it.

    Sheets: Contents (title, headline, a link and caption per sheet and figure), one per
    table in report order (named after the table, made valid and unique) with its
    section's figures beside it, Figures (the PNGs of sections without a table, under
    their captions) and Quotes when there are any.

    Tables' data rows are rendered by :mod:`qualcode.report.xlsx_rows` and spliced into
    the saved package (the same bytes, ten times faster); ``cell_by_cell`` streams every
    cell through openpyxl instead (what the tests compare with).
    """
    _check(report)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = [(s, t) for s, t in report.tables()]
    has_quotes = any(s.quotes for s in report.sections)
    with_tables = {id(s) for s, _ in tables}
    gallery = any(id(s) not in with_tables for s, _ in report.figures())
    fixed = ["Contents"] + (["Figures"] if gallery else []) + (["Quotes"] if has_quotes else [])
    sheets = safe_sheet_names([t.name for _, t in tables], taken=fixed)
    first_tables: dict[int, tuple[str, Table]] = {}
    for sheet, (section, table) in zip(sheets, tables):
        first_tables.setdefault(id(section), (sheet, table))
    placed = _place_figures(report, first_tables)

    wb = Workbook(write_only=True)
    contents = "Contents"
    ws = wb.create_sheet(contents)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 28
    ws.column_dimensions["D"].width = 10
    title = _text_cell(ws, report.title)
    title.font = _TITLE
    ws.append([title])
    if report.subtitle:
        ws.append([_text_cell(ws, report.subtitle)])
    if report.headline is not None:
        ws.append([_text_cell(ws, report.headline.text())])
    ws.append([])
    header = []
    for text in ("Sheet", "Contents", "Section", "Rows"):
        cell = _text_cell(ws, text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        header.append(cell)
    ws.append(header)

    def link(sheet: str, cell: str = "A1") -> WriteOnlyCell:
        c = _text_cell(ws, sheet)
        c.hyperlink = Hyperlink(ref="", location=_sheet_ref(sheet, cell))
        c.font = _LINK
        return c

    for sheet, (section, table) in zip(sheets, tables):
        ws.append([link(sheet), _text_cell(ws, table.caption), _text_cell(ws, section.title), len(table.frame)])
    for where, (section, _) in zip(placed, report.figures()):
        ws.append([link(where.sheet, where.cell), _text_cell(ws, where.caption), _text_cell(ws, section.title), None])
    if has_quotes:
        n_quotes = sum(len(s.quotes) for s in report.sections)
        ws.append([link("Quotes"), _text_cell(ws, f"{n_quotes} quotes with attributions"), None, n_quotes])

    blocks: list[RowBlock] | None = None if cell_by_cell else []
    for sheet, (_, table) in zip(sheets, tables):
        _write_table_sheet(wb, sheet, table, contents, [(p.cell, p.image) for p in placed if p.sheet == sheet], blocks)
    if gallery:
        _write_figures_sheet(wb, "Figures", [(p.row, p.caption, p.image) for p in placed if p.sheet == "Figures"],
                             contents)
    if has_quotes:
        _write_quotes_sheet(wb, "Quotes", report, contents, blocks)
    if not blocks:
        wb.save(path)
        return path
    with tempfile.TemporaryFile() as saved:  # the workbook without the blocks' rows: captions, headers, figures
        wb.save(saved)
        saved.seek(0)
        xlsx_rows.splice(saved, blocks, path)
    return path
