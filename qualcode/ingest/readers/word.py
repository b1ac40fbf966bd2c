"""Word documents (.docx, python-docx): paragraphs and tables in document order.

Each non-empty paragraph becomes a blank-line-separated paragraph of the stored text and
each table a block of tab-separated rows, so the text reads as the document does. Many
interview write-ups open with a small two-column table (Participant / Wave / Mode /
Date); that table is metadata, not interview content, so it goes into ``meta`` (and
``wave``, ``case``) and is left out of the text -- it also tends to hold names that must
not reach an export. When the paragraphs are speaker turns the source is a transcript.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import IngestError
from qualcode.ingest.office import DOCX_FIX, library_errors, open_docx
from qualcode.ingest.decode import normalise_text
from qualcode.ingest.records import ReadResult
from qualcode.ingest.readers import normalise_wave
from qualcode.ingest.readers.text import source_from_text

if TYPE_CHECKING:  # python-docx loads when a .docx is read, not for a folder of .txt files
    from docx.table import Table

META_LABELS = frozenset({
    "participant", "case", "id", "interviewee", "respondent", "wave", "mode", "date", "role",
    "interviewer", "organisation", "organization", "cohort", "location", "interview date",
    "duration", "region", "site", "pseudonym",
})
MAX_ITEMS_BEFORE_META = 2  # a title (and subtitle) may precede the metadata table


def _table_rows(table: Table) -> list[list[str]]:
    """Cell texts per row, a merged cell once (python-docx repeats it per grid column)."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:  # merged across columns
                continue
            previous = cell._tc
            cells.append(" ".join(normalise_text(cell.text).split()))
        rows.append(cells)
    return rows


def _metadata(rows: list[list[str]]) -> dict[str, str] | None:
    """``{label: value}`` when the table is a two-column label/value table."""
    if not rows or any(len(row) != 2 for row in rows):
        return None
    labels = [row[0].strip().rstrip(":").strip().lower() for row in rows]
    if not any(label in META_LABELS for label in labels):
        return None
    return {label: row[1].strip() for label, row in zip(labels, rows) if label}


def _blocks(document: Any) -> tuple[list[str], dict[str, Any]]:
    """Paragraph and table texts in document order, and the metadata table's fields."""
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    meta: dict[str, Any] = {}
    items_seen = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = normalise_text(item.text).strip()
            if text:
                blocks.append(text)
                items_seen += 1
            continue
        rows = _table_rows(item)
        table_meta = _metadata(rows) if not meta and items_seen <= MAX_ITEMS_BEFORE_META else None
        if table_meta is not None:
            meta.update(table_meta)
        else:
            lines = ["\t".join(cells).rstrip() for cells in rows]
            table_text = "\n".join(line for line in lines if line.strip())
            if table_text:
                blocks.append(table_text)
        items_seen += 1
    return blocks, meta


def read_docx(path: Path, *, name: str, kind: str = "auto", wave: str | None = None, layout: str = "auto") -> ReadResult:
    """Read a .docx: text, optional metadata table, transcript turns when present."""
    document = open_docx(path, str(path), IngestError)
    with library_errors(str(path), "Word .docx file", IngestError, DOCX_FIX):  # parts are parsed lazily
        blocks, meta = _blocks(document)
    text = "\n\n".join(blocks)
    if not text.strip():
        raise IngestError(f"{path}: the Word document has no text; there is nothing to ingest")
    content_wave = normalise_wave(meta["wave"]) if meta.get("wave") else None
    case = meta.get("participant") or meta.get("case") or None
    source = source_from_text(
        text, origin=str(path), name=name, kind=kind,
        wave=wave if wave is not None else content_wave, case=case, meta=meta, layout=layout,
    )
    return ReadResult(sources=[source])

