"""Scan a folder of outputs for names that should not be there, so a team can gate a
release on it (``qualcode redact check DIR`` exits 1 on a leak).

Text is read from every file a study hands out: HTML, Markdown, CSV, TXT, JSON, SVG and
XML as text; XLSX, DOCX, QDPX and other zip-based files entry by entry (XML entities
unescaped, so "O&#39;Brien" is seen as "O'Brien"); the text chunks of PNG files
(figure metadata). A leak is a confirmed name the anonymiser would still replace, or a
candidate nobody has decided on yet.
"""
from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcode.privacy.anonymiser import Anonymiser

TEXT_SUFFIXES = {".html", ".htm", ".md", ".csv", ".tsv", ".txt", ".json", ".svg", ".xml", ".qde", ".qdc", ".yaml",
                 ".yml", ".tex", ".rtf"}
ZIP_SUFFIXES = {".xlsx", ".docx", ".pptx", ".qdpx", ".odt", ".ods", ".zip"}
#: an entry of a zip file larger than this (uncompressed) is read only this far: a
#: report's sheets are far smaller, and a zip bomb must not fill the memory
MAX_ENTRY_BYTES = 200_000_000
MAX_FILE_BYTES = 500_000_000
COLUMNS = ["file", "found", "status", "context"]
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


@dataclass(frozen=True)
class Leak:
    file: str
    found: str
    status: str  # "confirmed" (should have been replaced) or "unconfirmed" (nobody decided)
    context: str


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) pieces of one file."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES)
        text = raw.decode("utf-8-sig", errors="replace")
        yield str(path), html.unescape(text) if suffix in {".html", ".htm", ".svg", ".xml", ".qde", ".qdc"} else text
    elif suffix in ZIP_SUFFIXES:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                name = info.filename.lower()
                if not name.endswith((".xml", ".rels", ".txt", ".html", ".csv", ".json", ".qde", ".svg", ".md")):
                    continue
                with archive.open(info) as handle:
                    raw = handle.read(MAX_ENTRY_BYTES)
                text = raw.decode("utf-8-sig", errors="replace")
                # the text of a cell or a paragraph may be split over runs: join tags with nothing
                yield f"{path}:{info.filename}", html.unescape(re.sub(r"<[^>]+>", "", text)) + "\n" + html.unescape(text)
    elif suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            info = " ".join(f"{k} {v}" for k, v in (image.text or {}).items() if isinstance(v, str))
        if info:
            yield str(path), info


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 30):end + 30].split())


def check_folder(folder: str | Path, anonymiser: Anonymiser, candidates: Iterable[str] = ()) -> pd.DataFrame:
    """Every leak in the files under ``folder``: one row per (file, name), with where it
    was seen. ``candidates`` are names found in the project that nobody has decided on;
    they are looked for as written (whole words, case-sensitive)."""
    from qualcode.privacy.candidates import _name_pattern

    pending = _name_pattern([c for c in candidates if c.strip()])
    folder = Path(folder)
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    leaks: dict[tuple[str, str], Leak] = {}
    for path in files:
        try:
            pieces = list(_texts(path))
        except (zipfile.BadZipFile, OSError) as exc:
            leaks[(str(path), "")] = Leak(str(path), "", "unreadable", f"could not be read: {exc}")
            continue
        for where, text in pieces:
            text = _DATA_URI.sub(" ", text)  # embedded images are not text anyone reads
            for start, end, _ in anonymiser.spans(text):
                found = " ".join(text[start:end].split())
                leaks.setdefault((where, found.casefold()), Leak(where, found, "confirmed", _context(text, start, end)))
            if pending is not None:
                for m in pending.finditer(text):
                    found = " ".join(m.group().split())
                    leaks.setdefault((where, found.casefold()),
                                     Leak(where, found, "unconfirmed", _context(text, m.start(), m.end())))
    rows = [leak.__dict__ for leak in leaks.values()]
    return pd.DataFrame(rows, columns=COLUMNS)
