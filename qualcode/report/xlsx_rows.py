"""The data rows of a workbook's table sheets, written as SpreadsheetML text.

openpyxl costs 10-13 microseconds a cell (a cell object per value, type binding, lxml
calls per element) and XlsxWriter about 10: the report's excerpts sheet alone (100,000
rows of 10 columns) took 18 s of a 10^6-codings report. A table's data block holds only
numbers, booleans and text, each column with one style, so its rows are rendered here
column by column as the very markup openpyxl writes for the same cells (inline strings,
``%.16g`` numbers, characters outside ASCII as character references, ``xml:space`` on
text with outer whitespace), and spliced into the sheet openpyxl saved with its caption
and header rows. openpyxl still writes everything else (styles, widths, panes, filters,
images, links); ``tests/test_report_excel_rows.py`` holds every sheet byte-identical to
openpyxl's own.
"""
from __future__ import annotations

import math
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter

from qualcode.csv_safety import FORMULA_PREFIXES

#: rows rendered and written at a time (bounds the memory a 10^6-row sheet needs)
CHUNK_ROWS = 20_000
_SHEET_DATA_END = b"</sheetData>"


@dataclass
class BlockColumn:
    """One column of a data block: its values (None, bool, int, float or str), the style
    id every value carries (None: no style) and the one formula-like text carries (the
    column's style with Excel's quote prefix; None only when no value is formula-like)."""

    values: Sequence[Any]
    style: int | None
    guarded_style: int | None


@dataclass
class RowBlock:
    """Rows ``first_row, first_row + 1, …`` of openpyxl worksheet ``sheet``."""

    sheet: Any
    first_row: int
    columns: list[BlockColumn] = field(default_factory=list)

    @property
    def part(self) -> str:
        """The sheet's path in the package (``xl/worksheets/sheet3.xml``), known once the
        workbook is saved (openpyxl numbers the sheets then)."""
        return str(self.sheet.path).lstrip("/")

    @property
    def n_rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0


_PLAIN_TYPES = frozenset({type(None), bool, int, str})


def writable(values: Sequence[Any]) -> bool:
    """True when every value is one this module renders exactly as openpyxl would: None,
    a bool, an int, a finite float or text (already cleaned of what XML cannot hold)."""
    plain = _PLAIN_TYPES
    for value in values:
        kind = value.__class__
        if kind in plain:
            continue
        if kind is not float or not math.isfinite(value):
            return False
    return True


def _escape(text: str) -> str:
    """Text content as lxml escapes it (before the ASCII character references, which are
    applied to a whole chunk at once)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _column_cells(letter: str, column: BlockColumn, first_row: int, start: int, stop: int) -> list[str]:
    """The ``<c>`` elements of rows ``start:stop`` of one column ("" where it is empty)."""
    values = column.values[start:stop]
    rows = range(first_row + start, first_row + stop)
    styled = f' s="{column.style}"' if column.style is not None else ""
    guarded = f' s="{column.guarded_style}"'
    kinds = {value.__class__ for value in values}
    if kinds == {str}:  # a text column (the excerpts' texts, names): one expression a cell
        texts = values if not _needs_escaping(values) else [_escape(value) for value in values]
        return [f'<c r="{letter}{row}"{guarded if value.startswith(FORMULA_PREFIXES) else styled} t="inlineStr">'
                + ("</c>" if not value else
                   f'<is><t{"" if value == value.strip() else _PRESERVE}>{text}</t></is></c>')
                for row, value, text in zip(rows, values, texts)]
    if kinds == {int} and -_EXACT < min(values) and max(values) < _EXACT:  # ids, counts: "%.16g" is str()
        return [f'<c r="{letter}{row}"{styled} t="n"><v>{value}</v></c>' for row, value in zip(rows, values)]
    out: list[str] = []
    append = out.append
    for row, value in zip(rows, values):
        if value is None:
            append("")
        elif value.__class__ is str:
            attrs = guarded if value.startswith(FORMULA_PREFIXES) else styled
            if not value:
                append(f'<c r="{letter}{row}"{attrs} t="inlineStr"></c>')
            elif value != value.strip():
                append(f'<c r="{letter}{row}"{attrs} t="inlineStr"><is><t{_PRESERVE}>{_escape(value)}</t></is></c>')
            else:
                append(f'<c r="{letter}{row}"{attrs} t="inlineStr"><is><t>{_escape(value)}</t></is></c>')
        elif value is True or value is False:
            append(f'<c r="{letter}{row}"{styled} t="b"><v>{1 if value else 0}</v></c>')
        else:
            append(f'<c r="{letter}{row}"{styled} t="n"><v>{"%.16g" % value}</v></c>')
    return out


_PRESERVE = ' xml:space="preserve"'
#: integers below this print the same with str() as with openpyxl's "%.16g"
_EXACT = 10**15


def _needs_escaping(texts: Sequence[str]) -> bool:
    """Whether any of ``texts`` holds a character lxml escapes (one scan of their join)."""
    joined = "".join(texts)
    return "&" in joined or "<" in joined or ">" in joined or "\r" in joined


def render(block: RowBlock, start: int, stop: int) -> bytes:
    """Rows ``start:stop`` of ``block`` as the sheet's XML bytes."""
    columns = [_column_cells(get_column_letter(i), column, block.first_row, start, stop)
               for i, column in enumerate(block.columns, 1)]
    rows = range(block.first_row + start, block.first_row + stop)
    text = "".join(f'<row r="{r}">' + "".join(cells) + "</row>" for r, cells in zip(rows, zip(*columns)))
    # lxml writes the sheet as ASCII: every other character as a decimal reference
    return text.encode("ascii", "xmlcharrefreplace")


def _write_block(block: RowBlock, out: IO[bytes]) -> None:
    for start in range(0, block.n_rows, CHUNK_ROWS):
        out.write(render(block, start, min(start + CHUNK_ROWS, block.n_rows)))


def splice(saved: IO[bytes], blocks: Sequence[RowBlock], path: Path) -> None:
    """Copy the package ``saved`` (as openpyxl saved it) to ``path`` with each block's
    rows inserted at the end of its sheet's ``<sheetData>``; every other part is copied
    as it is, with its name, date and compression."""
    by_part = {block.part: block for block in blocks}
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            block = by_part.pop(info.filename, None)
            if block is None or not block.n_rows:
                zout.writestr(info, data)
                continue
            end = data.rindex(_SHEET_DATA_END)
            # the sheet goes through a file, so the archive knows its size (ZIP64 only if needed)
            with tempfile.TemporaryFile() as sheet:
                sheet.write(data[:end])
                _write_block(block, sheet)
                sheet.write(data[end:])
                size = sheet.tell()
                sheet.seek(0)
                member = zipfile.ZipInfo(info.filename, info.date_time)
                member.compress_type = info.compress_type
                member.external_attr = info.external_attr
                member.file_size = size
                with zout.open(member, "w") as target:
                    shutil.copyfileobj(sheet, target, 1 << 20)
    if by_part:
        raise ValueError(f"no sheet {next(iter(by_part))} in the saved workbook")
