"""Reading a descriptor table (csv/xlsx: one row per case) into typed fields.

Pure: the file goes in, typed columns come out. Types are inferred the way a researcher
would read the column (all numbers -> number; ISO dates -> date; yes/no -> boolean; few
distinct values -> category; otherwise text) and can be forced per column.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.errors import DescriptorError, shown
from qualcode.ingest.office import read_excel_frame

TYPES = ("category", "number", "date", "text", "boolean")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")


@dataclass
class DescriptorColumn:
    name: str
    type: str
    values: list[Any]  # typed, aligned with DescriptorTable.keys; None where missing


@dataclass
class DescriptorTable:
    path: str
    key: str
    keys: list[str]
    columns: list[DescriptorColumn]


def read_table(path: str | Path) -> pd.DataFrame:
    """A csv or xlsx file as strings (first sheet), with clear errors."""
    path = Path(path)
    if not path.exists():
        raise DescriptorError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xlsm"):
            frame = read_excel_frame(path, str(path), DescriptorError, dtype=str, keep_default_na=False)
        else:
            raise DescriptorError(f"{path}: unsupported descriptor file type {suffix!r}; use .csv or .xlsx")
    # UnicodeDecodeError and pandas' ParserError are ValueErrors: the specific ones first.
    except UnicodeDecodeError as exc:
        raise DescriptorError(f"{path}: not UTF-8 text (byte offset {exc.start}); save the csv as UTF-8") from exc
    except pd.errors.ParserError as exc:
        raise DescriptorError(f"{path}: malformed csv ({str(exc).strip()}); re-save it from your spreadsheet") from exc
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise DescriptorError(f"{path}: cannot be read as {suffix[1:]} ({exc}); re-save it from your spreadsheet") from exc
    if frame.empty and not len(frame.columns):
        raise DescriptorError(f"{path}: the file is empty")
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took the extra leading cells as an index
        raise DescriptorError(f"{path}: rows have more cells than the header row has names; "
                              "name every column or remove the extra cells")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip() if col.dtype == object or str(col.dtype) == "string" else col)


def parse_descriptor_table(path: str | Path, key: str, types: dict[str, str] | None = None) -> DescriptorTable:
    """Read and type a descriptor table; ``types`` forces a column's type."""
    frame = read_table(path)
    types = dict(types or {})
    if key not in frame.columns:
        raise DescriptorError(
            f"{path}: no key column {key!r}; the columns are {shown(list(frame.columns))}; pass --key with one of them"
        )
    for column, type_ in types.items():
        if type_ not in TYPES:
            raise DescriptorError(f"type {type_!r} for column {column!r} is not one of {', '.join(TYPES)}")
        if column not in frame.columns:
            raise DescriptorError(f"{path}: no column {column!r} to type; the columns are {shown(list(frame.columns))}")
    keys = frame[key].fillna("").astype(str)
    empty = [i + 2 for i, k in enumerate(keys) if not k]
    if empty:
        raise DescriptorError(f"{path}: row(s) {', '.join(map(str, empty[:5]))} have an empty {key!r}; every row needs a key")
    dupes = keys[keys.duplicated(keep=False)]
    if not dupes.empty:
        first = dupes.iloc[0]
        rows = [str(i + 2) for i in dupes.index[dupes == first]]
        raise DescriptorError(f"{path}: duplicate key {first!r} in rows {', '.join(rows)}; each case must appear once")
    columns: list[DescriptorColumn] = []
    for column in frame.columns:
        if column == key:
            continue
        raw = [None if v in ("", None) else str(v) for v in frame[column].tolist()]
        type_ = types.get(column) or infer_type(raw)
        columns.append(DescriptorColumn(column, type_, [convert(v, type_, path, i + 2, column) for i, v in enumerate(raw)]))
    return DescriptorTable(str(path), key, keys.tolist(), columns)


def infer_type(values: list[str | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "text"
    lowered = {v.lower() for v in present}
    if lowered <= (_TRUE | _FALSE) and lowered & {"yes", "no", "true", "false", "y", "n"}:
        return "boolean"
    if all(_is_number(v) for v in present):
        return "number"
    if all(_ISO_DATE.match(v) for v in present):
        return "date"
    distinct = len(set(present))
    if distinct <= 20 or distinct <= 0.5 * len(present):
        return "category"
    return "text"


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True


def convert(value: str | None, type_: str, path: str | Path, row: int, column: str) -> Any:
    if value is None:
        return None
    if type_ == "number":
        try:
            return float(value.replace(",", ""))
        except ValueError:
            raise DescriptorError(f"{path}: row {row}, column {column!r}: {value!r} is not a number") from None
    if type_ == "boolean":
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise DescriptorError(f"{path}: row {row}, column {column!r}: {value!r} is not yes/no")
    if type_ == "date":
        try:
            return pd.Timestamp(value).date() if len(value) <= 10 else pd.Timestamp(value).to_pydatetime()
        except ValueError:
            raise DescriptorError(f"{path}: row {row}, column {column!r}: {value!r} is not a date (use YYYY-MM-DD)") from None
    return value
