"""Opening Word and Excel files from strangers: within limits, with one-line errors.

python-docx and openpyxl are good at well-formed files and raise whatever their parser
meets on a damaged one (``KeyError``, ``TypeError``, lxml's and ElementTree's syntax
errors, ``zlib.error``…), sometimes only while the rows are being read. Every reader of
.docx/.xlsx (ingest, descriptors, codebook tables, Dedoose exports, documents inside a
.qdpx) goes through here, so each gets the same two guarantees:

* the archive is checked first by :func:`qualcode.untrusted.check_zip` (inflated size
  bounded, every member's CRC and deflate stream verified);
* anything the library raises while the file is read -- opening *and* iterating -- is
  turned into the caller's ``QualcodeError`` naming the file and what to do
  (:func:`library_errors`). Errors of qualcode itself are not caught.

openpyxl's read-only mode trusts the sheet's ``<dimension>`` element, which other tools
write stale (a sheet says ``A1:C3`` and holds ten rows); :func:`sheet_rows` resets it so
every row is read.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.untrusted import check_zip

DOCX_FIX = "open it in Word and save it again as .docx"
XLSX_FIX = "open it in Excel and save it again as .xlsx"


@contextmanager
def library_errors(where: str, what: str, error: type[QualcodeError], fix: str) -> Iterator[None]:
    """Turn an exception raised by a file-format library into ``error`` (one line)."""
    try:
        yield
    except (QualcodeError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx/openpyxl raise anything on damaged XML
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise error(f"{where}: not a readable {what} ({type(exc).__name__}{': ' + detail if detail else ''}); {fix}") from exc


def open_docx(source: str | Path | bytes, where: str, error: type[QualcodeError]) -> Any:
    """A python-docx ``Document`` of a checked archive (read its content inside
    ``library_errors`` too: python-docx parses parts lazily)."""
    check_zip(source, where, error, what="Word .docx file", fix=DOCX_FIX)
    import docx  # python-docx: imported where used

    with library_errors(where, "Word .docx file", error, DOCX_FIX):
        return docx.Document(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source))


def docx_paragraph_text(source: str | Path | bytes, where: str, error: type[QualcodeError]) -> str:
    """The paragraphs of a .docx, one per line (for texts that only need the words)."""
    document = open_docx(source, where, error)
    with library_errors(where, "Word .docx file", error, DOCX_FIX):
        return "\n".join(p.text for p in document.paragraphs)


def open_workbook(path: str | Path, where: str, error: type[QualcodeError]) -> Any:
    """An openpyxl workbook (read-only, cached values) of a checked archive."""
    check_zip(path, where, error, what="Excel .xlsx workbook", fix=XLSX_FIX)
    import openpyxl  # imported where used

    with library_errors(where, "Excel .xlsx workbook", error, XLSX_FIX):
        return openpyxl.load_workbook(str(path), read_only=True, data_only=True)


def sheet_rows(sheet: Any, where: str, error: type[QualcodeError]) -> list[list[Any]]:
    """Every row of a read-only sheet as values, whatever its ``<dimension>`` claims."""
    with library_errors(where, "Excel .xlsx workbook", error, XLSX_FIX):
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a stale <dimension> would cut the rows short
        return [list(row) for row in sheet.iter_rows(values_only=True)]


def formulas_without_values(path: str | Path, where: str, error: type[QualcodeError]) -> dict[str, list[str]]:
    """Sheet title -> cells (``B7``) holding a formula whose result was never saved.

    A workbook written by a script (openpyxl, pandas) rather than by Excel has formulas
    but no cached results; read for values, those cells look empty. Only workbooks whose
    sheets contain a formula at all are read a second time, for the formulas."""
    import zipfile

    with zipfile.ZipFile(str(path)) as archive:
        if not any(b"<f" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")):
            return {}
    import openpyxl

    found: dict[str, list[str]] = {}
    with library_errors(where, "Excel .xlsx workbook", error, XLSX_FIX):
        values = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(str(path), read_only=True, data_only=False)
        try:
            for value_sheet, formula_sheet in zip(values.worksheets, formulas.worksheets):
                for sheet in (value_sheet, formula_sheet):
                    sheet.reset_dimensions()
                for value_row, formula_row in zip(value_sheet.iter_rows(), formula_sheet.iter_rows()):
                    for value_cell, formula_cell in zip(value_row, formula_row):
                        if (value_cell.value is None and isinstance(formula_cell.value, str)
                                and formula_cell.value.startswith("=")):
                            found.setdefault(formula_sheet.title, []).append(formula_cell.coordinate)
        finally:
            values.close()
            formulas.close()
    return found


def read_excel_frame(path: str | Path, where: str, error: type[QualcodeError], **options: Any) -> Any:
    """``pandas.read_excel`` of a checked archive, library errors made one line."""
    check_zip(path, where, error, what="Excel .xlsx workbook", fix=XLSX_FIX)
    import pandas as pd

    with library_errors(where, "Excel .xlsx workbook", error, XLSX_FIX):
        return pd.read_excel(path, engine="openpyxl", **options)
