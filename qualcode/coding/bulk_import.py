"""Bulk import of codings from a CSV file: ``source,start,end,code,coder[,weight]``, or
``source,quote[,occurrence],code,coder[,weight]`` when a team codes by quoting passages.

Validation is vectorised (pandas) and complete before anything is written: a bad row is
reported by its line number in the file and nothing is stored. A million rows load in
well under a minute because excerpts and applications go in with ``executemany``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from qualcode.coding.spans import find_quote
from qualcode.errors import CodingError, ImportFormatError
from qualcode.store import coding as store_coding
from qualcode.store import codes as store_codes
from qualcode.store import sources as store_sources
from qualcode.store.database import Database

REQUIRED = ("source", "start", "end", "code", "coder")
BY_QUOTE = ("source", "quote", "code", "coder")


@dataclass
class CodingImportReport:
    rows: int
    excerpts: int
    applications: int
    duplicates: int

    def summary(self) -> str:
        dup = f", {self.duplicates} already present" if self.duplicates else ""
        return f"{self.applications} coding(s) imported on {self.excerpts} excerpt(s) from {self.rows} row(s){dup}"


def read_codings_csv(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise ImportFormatError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{path}: not UTF-8 text (byte {exc.start}); save the csv as UTF-8") from exc
    except pd.errors.EmptyDataError as exc:
        raise ImportFormatError(f"{path}: the file is empty; expected columns {','.join(REQUIRED)}[,weight]") from exc
    except pd.errors.ParserError as exc:
        raise ImportFormatError(f"{path}: malformed csv ({str(exc).splitlines()[0]})") from exc
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took the extra leading cells as an index
        raise ImportFormatError(f"{path}: rows have more cells than the header row has names; "
                                "name every column or remove the extra cells")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    wanted = BY_QUOTE if "quote" in frame.columns and "start" not in frame.columns else REQUIRED
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ImportFormatError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(REQUIRED)}[,weight] "
            f"or {','.join(BY_QUOTE)}[,occurrence,weight], found {','.join(frame.columns)}"
        )
    return frame


def import_codings(db: Database, path: str | Path, *, create_codes: bool = False, origin: str = "import") -> CodingImportReport:
    frame = read_codings_csv(path)
    with db.begin() as conn:
        return _import_frame(conn, frame, str(path), create_codes=create_codes, origin=origin)


def _fail(path: str, row_index: int, message: str) -> CodingError:
    return CodingError(f"{path}: line {row_index + 2}: {message}; nothing was imported")


def _source_lookup(conn: Connection) -> tuple[dict[str, int], dict[int, int]]:
    names: dict[str, int] = {}
    lengths: dict[int, int] = {}
    rows = store_sources.names_and_files(conn)
    for r in rows:
        lengths[r.id] = r.length
        if r.origin_path:
            file_name = PurePath(r.origin_path).name
            names.setdefault(file_name, r.id)
            names.setdefault(PurePath(file_name).stem, r.id)
    for r in rows:
        names[r.name] = r.id  # the unique name wins over file names
    return names, lengths


def _spans_from_quotes(conn: Connection, frame: pd.DataFrame, source_id: pd.Series, path: str) -> pd.DataFrame:
    """Fill start/end from a ``quote`` column (and ``occurrence``, 1 when blank)."""
    texts = store_sources.texts(conn, [int(s) for s in source_id.unique()])
    occurrence = frame["occurrence"] if "occurrence" in frame.columns else pd.Series("", index=frame.index)
    starts: list[int] = []
    ends: list[int] = []
    for i, (sid, quote, occ) in enumerate(zip(source_id, frame["quote"], occurrence)):
        occ = str(occ).strip()
        if occ and not occ.isdigit():
            raise _fail(path, i, f"occurrence {occ!r} is not a whole number")
        try:
            a, b = find_quote(texts[int(sid)], str(quote), frame["source"].iloc[i], int(occ) if occ else 1)
        except CodingError as exc:
            raise _fail(path, i, str(exc).split("; check")[0]) from exc
        starts.append(a)
        ends.append(b)
    frame = frame.copy()
    frame["start"] = [str(a) for a in starts]
    frame["end"] = [str(b) for b in ends]
    return frame


def _import_frame(conn: Connection, frame: pd.DataFrame, path: str, *, create_codes: bool, origin: str) -> CodingImportReport:
    if frame.empty:
        return CodingImportReport(0, 0, 0, 0)
    names, lengths = _source_lookup(conn)
    source_id = frame["source"].map(names)
    bad = source_id.isna()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise _fail(path, i, f"no source named {frame['source'].iloc[i]!r} in the project")
    source_id = source_id.astype("int64")
    if "start" not in frame.columns:
        frame = _spans_from_quotes(conn, frame, source_id, path)
    start = pd.to_numeric(frame["start"], errors="coerce")
    end = pd.to_numeric(frame["end"], errors="coerce")
    for column, values in (("start", start), ("end", end)):
        # NaN, inf ("81e9997" is a float too) and fractions; a whole number past 2**53 is no offset either
        bad = ~((values.abs() < 2**53) & (values == values.round()))
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise _fail(path, i, f"{column} {frame[column].iloc[i]!r} is not a whole number")
    start, end = start.astype("int64"), end.astype("int64")
    length = source_id.map(lengths).astype("int64")
    bad = (start < 0) | (end <= start) | (end > length)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise _fail(
            path, i,
            f"offsets [{start.iloc[i]}, {end.iloc[i]}) are not a span of {frame['source'].iloc[i]!r} "
            f"(length {length.iloc[i]}); need 0 <= start < end <= length",
        )
    code_paths = frame["code"].str.strip().str.strip("/")
    known = store_codes.path_ids(conn)
    unknown = sorted(set(code_paths) - set(known))
    if unknown:
        if not create_codes:
            i = int(np.argmax(code_paths.isin(unknown).to_numpy()))
            raise _fail(path, i, f"no code {code_paths.iloc[i]!r} in the codebook (use --create-codes to add missing codes)")
        for p in unknown:
            store_codes.ensure_path(conn, p)
        known = store_codes.path_ids(conn)
    coders = frame["coder"].str.strip()
    if (coders == "").any():
        i = int(np.argmax((coders == "").to_numpy()))
        raise _fail(path, i, "the coder is empty; name who coded it")
    weight = pd.Series(np.nan, index=frame.index)
    if "weight" in frame.columns:
        weight = pd.to_numeric(frame["weight"].replace("", np.nan), errors="coerce")
        bad = weight.isna() & (frame["weight"].str.strip() != "")
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise _fail(path, i, f"weight {frame['weight'].iloc[i]!r} is not a number; "
                                 "give a number in the code's range or leave it empty")
        # the same range ``code --weight`` enforces; inf and nan are never in it
        ranges = store_codes.weight_ranges(conn)
        ids = code_paths.map(known)
        lo, hi = ids.map(lambda c: ranges[c][0]), ids.map(lambda c: ranges[c][1])
        bad = weight.notna() & ~((weight >= lo) & (weight <= hi))
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise _fail(path, i, f"weight {frame['weight'].iloc[i].strip()} is outside {lo.iloc[i]:g}..{hi.iloc[i]:g} "
                                 f"for code {code_paths.iloc[i]!r}; give a weight in the code's range or leave it empty")
    coder_ids = store_coding.ensure_coders(conn, sorted(set(coders)))
    texts = store_sources.texts(conn, [int(s) for s in source_id.unique()])
    spans = pd.DataFrame({"source_id": source_id, "start": start, "end": end})
    spans["text"] = [texts[s][a:b] for s, a, b in zip(spans["source_id"], spans["start"], spans["end"])]
    excerpt_ids = store_coding.ensure_excerpts(conn, spans)
    rows = [
        {
            "excerpt_id": int(e),
            "code_id": known[c],
            "coder_id": coder_ids[k],
            "weight": None if w != w else float(w),
            "origin": origin,
        }
        for e, c, k, w in zip(excerpt_ids, code_paths, coders, weight)
    ]
    inserted = store_coding.insert_applications(conn, rows)
    return CodingImportReport(
        rows=len(frame),
        excerpts=int(excerpt_ids.attrs["inserted"]),  # this import's, even with others importing at once
        applications=inserted,
        duplicates=len(rows) - inserted,
    )
