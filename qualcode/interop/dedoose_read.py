"""Read a Dedoose excerpt export (``.xlsx`` or ``.csv``), optionally with the media texts.

Dedoose's excerpt export has one row per excerpt:

* ``Media Title``, ``Excerpt Range`` (``"120-345"``, or ``"Page 2: 10-50"`` for PDFs,
  a time range for audio/video), ``Excerpt Creator``, ``Excerpt Date`` (``M/D/YYYY``),
  ``Excerpt Copy`` (the excerpt's text), ``Resource Creator``, ``Resource Date``,
  ``Codes Applied Combined`` (leaf code names joined by ``", "``);
* for every code ``Code: <path> Applied`` (True/False), ``Code: <path> Range`` (the
  code's allowed *weight* range, e.g. ``"1-10"``) and ``Code: <path> Weight``, where
  ``<path>`` joins parent and child with a backslash (``Gateway to Support\\Becoming a
  Gateway``);
* any further columns are descriptor fields of the media's case.

The export does not say how ``Excerpt Range`` counts (0- or 1-based, end inclusive or
not), and texts pass through Excel, so a range is never trusted blindly: with media
texts, each excerpt is placed where its ``Excerpt Copy`` actually is: first at the range
read the plausible ways, then at the nearest exact occurrence, then at the nearest
occurrence ignoring differences in white space. Excerpts found nowhere are listed in
``ExchangeProject.unmatched`` (row, media, range, reason) and not imported. Without
media texts the sources have no text, selections keep the raw range and the copy as
``quote``. Weights are kept on the codings and weight ranges on the codes. Columns other
than the standard ones whose value is constant within each media title become
source-level variables.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from qualcode.errors import ImportFormatError
from qualcode.ingest.office import docx_paragraph_text, read_excel_frame
from qualcode.interop.exchange import (
    ExchangeProject,
    ExCode,
    ExCoding,
    ExSelection,
    ExSource,
    ExUser,
    ExVariable,
    VariableValue,
)
from qualcode.interop.guids import project_namespace
from qualcode.interop.refi_offsets import normalise_text
from qualcode.interop.refi_read import decode_text_bytes

STANDARD = {
    "media title", "excerpt range", "excerpt creator", "excerpt date", "excerpt copy",
    "resource creator", "resource date", "codes applied combined",
}
_CODE_COL = re.compile(r"^code:\s*(?P<path>.+?)\s+(?P<what>applied|range|weight)$", re.IGNORECASE)
_RANGE = re.compile(r"^\s*(?:page\s*(?P<page>\d+)\s*:\s*)?(?P<a>\d+)\s*-\s*(?P<b>\d+)\s*$", re.IGNORECASE)
_TRUE = {"true", "1", "yes", "y", "x", "applied"}
_MEDIA_SUFFIXES = (".txt", ".md", ".docx")
NAMESPACE = project_namespace("dedoose")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def _applied(value: Any) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return str(value).strip().lower() in _TRUE


def _number(value: Any) -> float | None:
    if _blank(value) or isinstance(value, bool):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _date(value: Any) -> datetime | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    for fmt in ("%m/%d/%Y", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _excel_text(value: Any) -> str:
    """Excel escapes CR as ``_x000D_`` in stored strings; undo it and normalise."""
    return normalise_text(str(value).replace("_x000D_", "\r"))


def read_table(path: Path) -> pd.DataFrame:
    """The export as strings/objects, no type guessing (codes and ids stay as written)."""
    try:
        if path.suffix.lower() == ".csv":
            try:
                return pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                return pd.read_csv(path, dtype=object, keep_default_na=False, encoding="cp1252")
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_excel_frame(path, path.name, ImportFormatError, dtype=object, sheet_name=0)
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: file not found") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ImportFormatError(f"{path.name}: cannot read the table ({exc})") from None
    raise ImportFormatError(f"{path.name}: expected a .xlsx or .csv Dedoose excerpt export")


def load_media_texts(media_dir: Path, titles: list[str], warnings: list[str]) -> dict[str, str]:
    """Media title -> normalised text from files named like the title (.txt, .md, .docx)."""
    if not media_dir.is_dir():
        raise ImportFormatError(f"{media_dir}: media folder not found")
    files: dict[str, Path] = {}
    for f in sorted(media_dir.iterdir()):
        if f.is_file() and f.suffix.lower() in _MEDIA_SUFFIXES:
            files.setdefault(f.name.lower(), f)
            files.setdefault(f.stem.lower(), f)
    texts: dict[str, str] = {}
    for title in titles:
        f = files.get(title.lower())
        if f is None:
            warnings.append(f"no media text for '{title}' in {media_dir.name}/ (looked for {title}.txt, .md, .docx)")
            continue
        if f.suffix.lower() == ".docx":
            texts[title] = normalise_text(docx_paragraph_text(f, f"{media_dir.name}/{f.name}", ImportFormatError))
        else:
            texts[title] = normalise_text(decode_text_bytes(f.read_bytes(), f.name, warnings))
    return texts


def locate(text: str, quote: str, rng: tuple[int, int] | None) -> tuple[int, int, str] | None:
    """Where ``quote`` is in ``text``: ``(start, end, how)`` or None.

    ``how`` is "range" when a reading of the range fits, "search" for the nearest exact
    occurrence, "fuzzy" when only a white-space-insensitive match was found.
    """
    wanted = quote.strip()
    if not wanted:
        return None
    if rng is not None:
        a, b = rng
        for s, e in ((a, b), (a - 1, b), (a, b + 1), (a - 1, b - 1), (a + 1, b + 1)):
            if 0 <= s <= e <= len(text):
                piece = text[s:e]
                if piece == quote:
                    return s, e, "range"
                if piece.strip() == wanted:
                    lead = len(piece) - len(piece.lstrip())
                    return s + lead, s + lead + len(wanted), "range"
    anchor = rng[0] if rng is not None else 0
    hits = [m.start() for m in re.finditer(re.escape(wanted), text)]
    if hits:
        best = min(hits, key=lambda h: abs(h - anchor))
        return best, best + len(wanted), "search"
    pattern = r"\s+".join(re.escape(w) for w in wanted.split())
    spans = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    if spans:
        s, e = min(spans, key=lambda span: abs(span[0] - anchor))
        return s, e, "fuzzy"
    return None


class _DedooseReader:
    def __init__(self, frame: pd.DataFrame, label: str) -> None:
        self.frame = frame
        self.label = label
        self.p = ExchangeProject(name=label.rsplit(".", 1)[0], origin="Dedoose")
        self.cols = {str(c).strip().lower(): c for c in frame.columns}
        self.users: dict[str, str] = {}
        self.code_cols: dict[str, dict[str, Any]] = {}  # path -> {"applied": col, "range": col, "weight": col}
        self.code_nodes: dict[tuple[str, ...], ExCode] = {}

    def guid(self, *parts: object) -> str:
        return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(p) for p in parts)))

    def col(self, name: str) -> Any | None:
        return self.cols.get(name)

    def user(self, name: Any) -> str | None:
        if _blank(name):
            return None
        key = str(name).strip()
        if key not in self.users:
            self.users[key] = self.guid("user", key)
            self.p.users.append(ExUser(guid=self.users[key], name=key))
        return self.users[key]

    def check_columns(self) -> None:
        if self.col("media title") is None or (self.col("excerpt copy") is None and self.col("excerpt range") is None):
            found = ", ".join(str(c) for c in self.frame.columns[:12])
            raise ImportFormatError(
                f"{self.label}: not a Dedoose excerpt export (needs 'Media Title' and 'Excerpt Copy' or 'Excerpt Range'; found {found})"
            )
        for c in self.frame.columns:
            m = _CODE_COL.match(str(c).strip())
            if m:
                self.code_cols.setdefault(m.group("path").strip(), {})[m.group("what").lower()] = c

    def code(self, path: tuple[str, ...]) -> ExCode:
        """The code at ``path``, creating it and its parents in the tree."""
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in self.code_nodes:
                node = ExCode(guid=self.guid("code", *prefix), name=prefix[-1])
                siblings = self.code_nodes[prefix[:-1]].children if depth > 1 else self.p.codes
                siblings.append(node)
                self.code_nodes[prefix] = node
        return self.code_nodes[path]

    def build_codes(self) -> dict[str, tuple[str, ...]]:
        """Code tree from the ``Code: <path> ...`` columns; weight ranges from ``Range``."""
        paths: dict[str, tuple[str, ...]] = {}
        for raw_path, cols in self.code_cols.items():
            parts = tuple(p.strip() for p in raw_path.split("\\") if p.strip())
            code = self.code(parts)
            paths[raw_path] = parts
            for value in self.frame[cols["range"]] if "range" in cols else []:
                m = _RANGE.match(str(value)) if not _blank(value) else None
                if m and not m.group("page"):
                    code.weight_min, code.weight_max = float(m.group("a")), float(m.group("b"))
                    break
        return paths

    def read(self, media_texts: Mapping[str, str] | None) -> ExchangeProject:
        frame = self.frame
        titles = [str(t).strip() for t in frame[self.col("media title")] if not _blank(t)]
        unique_titles = list(dict.fromkeys(titles))
        texts = {k: normalise_text(v) for k, v in (media_texts or {}).items()}
        sources: dict[str, ExSource] = {}
        for title in unique_titles:
            sources[title] = ExSource(guid=self.guid("source", title), name=title, text=texts.get(title), kind="text")
            self.p.sources.append(sources[title])
        code_paths = self.build_codes()
        self.read_variables(unique_titles, sources)
        spans: dict[tuple[str, int, int], ExSelection] = {}
        stats = {"range": 0, "search": 0, "fuzzy": 0}
        for i, row in enumerate(frame.itertuples(index=False)):
            record = dict(zip(frame.columns, row))
            excel_row = i + 2  # header is row 1
            title_value = record[self.col("media title")]
            if _blank(title_value):
                self.p.warnings.append(f"{self.label}: row {excel_row} has no Media Title; skipped")
                continue
            source = sources[str(title_value).strip()]
            range_text = record.get(self.col("excerpt range"), None) if self.col("excerpt range") is not None else None
            m = _RANGE.match(str(range_text)) if not _blank(range_text) else None
            rng = (int(m.group("a")), int(m.group("b"))) if m else None
            copy_col = self.col("excerpt copy")
            quote = _excel_text(record[copy_col]) if copy_col is not None and not _blank(record[copy_col]) else ""
            if source.text is not None:
                where = locate(source.text, quote, rng)
                if where is None:
                    self.p.unmatched.append(
                        {"row": excel_row, "media": source.name, "range": None if _blank(range_text) else str(range_text),
                         "reason": "excerpt text not found in the media text" if quote else "no Excerpt Copy to look for",
                         "quote": quote[:80]}
                    )
                    continue
                start, end, how = where
                stats[how] += 1
            else:
                start, end = rng if rng is not None else (0, 0)
            creator = self.user(record.get(self.col("excerpt creator"))) if self.col("excerpt creator") is not None else None
            created = _date(record.get(self.col("excerpt date"))) if self.col("excerpt date") is not None else None
            key = (source.guid, start, end)
            selection = spans.get(key)
            if selection is None:
                selection = ExSelection(
                    guid=self.guid("selection", source.name, start, end), source_guid=source.guid, start=start, end=end,
                    creator_guid=creator, created=created, quote=quote or None,
                )
                spans[key] = selection
                self.p.selections.append(selection)
            self.add_codings(selection, record, code_paths, creator, created, excel_row)
        if stats["search"] or stats["fuzzy"]:
            self.p.warnings.append(
                f"{self.label}: {stats['search'] + stats['fuzzy']} excerpt(s) were placed by their text because their range "
                f"did not match it ({stats['fuzzy']} only ignoring white space)"
            )
        if self.p.unmatched:
            self.p.warnings.append(f"{self.label}: {len(self.p.unmatched)} excerpt(s) not found in their media text; see unmatched")
        return self.p

    def add_codings(self, selection: ExSelection, record: dict[Any, Any], code_paths: dict[str, tuple[str, ...]],
                    creator: str | None, created: datetime | None, excel_row: int) -> None:
        applied: list[tuple[str, float | None]] = []
        if self.code_cols:
            for raw_path, cols in self.code_cols.items():
                if "applied" in cols and _applied(record[cols["applied"]]):
                    weight = _number(record[cols["weight"]]) if "weight" in cols else None
                    applied.append((self.code(code_paths[raw_path]).guid, weight))
        elif self.col("codes applied combined") is not None:
            combined = record[self.col("codes applied combined")]
            if not _blank(combined):
                sep = ";" if ";" in str(combined) else ","
                applied = [(self.code((name.strip(),)).guid, None) for name in str(combined).split(sep) if name.strip()]
        existing = {(c.code_guid, c.coder_guid) for c in selection.codings}
        for code_guid, weight in applied:
            if (code_guid, creator) in existing:
                continue
            existing.add((code_guid, creator))
            selection.codings.append(
                ExCoding(code_guid=code_guid, coder_guid=creator, weight=weight, created=created,
                         guid=self.guid("coding", selection.guid, code_guid, creator or "", excel_row))
            )

    def read_variables(self, titles: list[str], sources: dict[str, ExSource]) -> None:
        """Extra columns constant within each media title become source variables."""
        title_col = self.col("media title")
        for c in self.frame.columns:
            name = str(c).strip()
            if name.lower() in STANDARD or _CODE_COL.match(name):
                continue
            per_title: dict[str, set[str]] = {}
            for title, value in zip(self.frame[title_col], self.frame[c]):
                if _blank(title):
                    continue
                per_title.setdefault(str(title).strip(), set()).add("" if _blank(value) else str(value).strip())
            if any(len(v) > 1 for v in per_title.values()):
                self.p.skip("Dedoose column varying within a media title")
                self.p.warnings.append(f"{self.label}: column '{name}' varies within a media title; not imported")
                continue
            values = {t: next(iter(v)) for t, v in per_title.items()}
            present = [v for v in values.values() if v]
            numeric = bool(present) and all(_number(v) is not None for v in present)
            var = ExVariable(guid=self.guid("variable", name), name=name, type="number" if numeric else "category", applies_to="source")
            self.p.variables.append(var)
            for title, value in values.items():
                typed: VariableValue = (_number(value) if numeric else value) if value else None
                sources[title].variable_values[var.guid] = typed


def read_dedoose(
    path: str | Path,
    *,
    media_dir: str | Path | None = None,
    media_texts: Mapping[str, str] | None = None,
) -> ExchangeProject:
    """Read a Dedoose excerpt export into the exchange model.

    ``media_dir`` holds one text per media, named like its Media Title (``.txt``, ``.md``
    or ``.docx``); ``media_texts`` maps titles to texts directly (the project can pass
    texts it has already ingested). Either makes selections exact; see the module notes.
    """
    path = Path(path)
    frame = read_table(path)
    reader = _DedooseReader(frame, path.name)
    reader.check_columns()
    texts = dict(media_texts or {})
    if media_dir is not None:
        titles = list(dict.fromkeys(str(t).strip() for t in frame[reader.col("media title")] if not _blank(t)))
        found = load_media_texts(Path(media_dir), [t for t in titles if t not in texts], reader.p.warnings)
        texts.update(found)
    return reader.read(texts)
