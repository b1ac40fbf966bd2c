"""PDF (pypdf): the text layer of each page, pages separated by a blank line.

A PDF holds positioned glyphs, not paragraphs, so the text is what pypdf extracts, with
trailing spaces removed from each line. A scanned PDF has no text layer: rather than
ingest an empty source, the reader says OCR is needed. Password-protected files are
refused (one that opens with an empty password, as many "protected" PDFs do, is read).
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest.decode import normalise_text
from qualcode.ingest.records import ReadResult
from qualcode.ingest.readers.text import source_from_text

#: What pypdf lets out of a damaged file besides its own ``PyPdfError``: its parser
#: follows object references the file supplies, so a flipped byte surfaces as a number
#: where a dictionary was expected (AttributeError), a reference past the end
#: (LookupError), a cycle (RecursionError), a bad stream (zlib/struct errors) or an
#: assertion. The code in the ``try`` below is pypdf's alone, so each of these means
#: "this file is damaged", never a bug of ours.
#: (``PyPdfError`` joins them in ``read_pdf``, where pypdf is imported.)
PDF_FILE_ERRORS = (ValueError, LookupError, TypeError, OSError, AttributeError, ArithmeticError,
                   RuntimeError, AssertionError, EOFError, struct.error, zlib.error)


def read_pdf(path: Path, *, name: str, kind: str = "auto", wave: str | None = None, layout: str = "auto") -> ReadResult:
    """Read a .pdf's text; kind ``document`` unless its text is speaker turns."""
    import pypdf  # here, not at import: a folder of .txt transcripts need not load it
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(
                f"{path}: the PDF is password-protected; save an unprotected copy and ingest that"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except (FileNotDecryptedError, DependencyError):
        raise IngestError(
            f"{path}: the PDF is encrypted and cannot be opened; save an unprotected copy and ingest that"
        ) from None
    except (PyPdfError, *PDF_FILE_ERRORS) as error:
        raise IngestError(
            f"{path}: not a readable PDF ({type(error).__name__}); re-export it as PDF or save it as .docx/.txt"
        ) from None
    cleaned = []
    for page in pages:
        lines = [line.rstrip() for line in normalise_text(page).split("\n")]
        cleaned.append("\n".join(lines).strip("\n"))
    text = "\n\n".join(page for page in cleaned if page.strip())
    if not text.strip():
        raise IngestError(
            f"{path}: the PDF has no extractable text (scanned pages?); run OCR on it "
            "(e.g. ocrmypdf) and ingest the result"
        )
    source = source_from_text(
        text, origin=str(path), name=name, kind=kind, wave=wave, meta={"pages": len(pages)}, layout=layout,
    )
    return ReadResult(sources=[source])
