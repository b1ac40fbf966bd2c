"""Read a codebook kept as a spreadsheet (``.csv`` or ``.xlsx``).

Teams often draft the codebook in Excel before any coding. Accepted layouts (column
names are matched case-insensitively, surrounding spaces ignored):

* ``path``: the full path, levels separated by ``/`` (or ``\\``, or ``>``), e.g.
  ``Arenas/Self/Confidence``; parents are created as needed;
* ``name`` and ``parent``: the parent given by its name (unique in the sheet) or by its
  path; an empty parent makes a top-level code; rows may come in any order;

plus optional ``description``, ``colour``/``color`` (``#rrggbb``), ``inclusion``,
``exclusion`` and ``examples``. A duplicate path, an unknown or ambiguous parent, or a
parent cycle is an :class:`~qualcode.errors.ImportFormatError` naming the row (as the
spreadsheet numbers it, header = row 1).
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.errors import ImportFormatError, shown
from qualcode.ingest.office import read_excel_frame
from qualcode.interop.exchange import ExchangeProject, ExCode
from qualcode.interop.guids import project_namespace

_SPLIT = re.compile(r"\s*(?:/|\\|>)\s*")
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_NS = project_namespace("codebook-table")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _colour(value: str, label: str, row: int) -> str | None:
    if not value:
        return None
    m = _HEX.match(value)
    if not m:
        raise ImportFormatError(f"{label}: row {row}: colour {value!r} is not a hex colour like #1f77b4")
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.lower()


def _read(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_excel_frame(path, path.name, ImportFormatError, dtype=str, sheet_name=0).fillna("")
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:  # a ValueError: before the general case
        raise ImportFormatError(f"{path.name}: not UTF-8 text (byte offset {exc.start}); save the csv as UTF-8") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ImportFormatError(
            f"{path.name}: cannot read the table ({str(exc).strip()}); save it again as csv or xlsx with a header row"
        ) from None
    raise ImportFormatError(f"{path.name}: expected a .csv or .xlsx codebook")


def read_codebook_table(path: str | Path) -> ExchangeProject:
    """Read a spreadsheet codebook into an exchange project holding only codes."""
    path = Path(path)
    label = path.name
    frame = _read(path)
    cols = {str(c).strip().lower(): c for c in frame.columns}
    colour_col = cols.get("colour", cols.get("color"))
    has_path = "path" in cols
    if not has_path and "name" not in cols:
        raise ImportFormatError(f"{label}: needs a 'path' column, or 'name' and 'parent' columns (found {shown(list(frame.columns))})")

    rows: list[tuple[int, tuple[str, ...] | None, str, str, dict[str, str]]] = []  # (row, path, name, parent, fields)
    for i, record in enumerate(frame.to_dict("records")):
        row = i + 2
        fields = {
            "description": _cell(record.get(cols.get("description"))) if "description" in cols else "",
            "colour": _cell(record.get(colour_col)) if colour_col is not None else "",
            "inclusion": _cell(record.get(cols["inclusion"])) if "inclusion" in cols else "",
            "exclusion": _cell(record.get(cols["exclusion"])) if "exclusion" in cols else "",
            "examples": _cell(record.get(cols["examples"])) if "examples" in cols else "",
        }
        if has_path and _cell(record.get(cols["path"])):
            parts = tuple(p for p in _SPLIT.split(_cell(record[cols["path"]])) if p)
            rows.append((row, parts, parts[-1], "", fields))
        else:
            name = _cell(record.get(cols["name"])) if "name" in cols else ""
            if not name:
                if any(fields.values()):
                    raise ImportFormatError(f"{label}: row {row} has no code name or path")
                continue  # blank line
            parent = _cell(record.get(cols["parent"])) if "parent" in cols else ""
            rows.append((row, None, name, parent, fields))

    # Resolve name/parent rows to paths.
    by_name: dict[str, list[int]] = {}
    for idx, (_, parts, name, _, _) in enumerate(rows):
        by_name.setdefault(name, []).append(idx)
    resolved: dict[int, tuple[str, ...]] = {}

    def resolve(idx: int, trail: tuple[int, ...] = ()) -> tuple[str, ...]:
        if idx in resolved:
            return resolved[idx]
        row, parts, name, parent, _ = rows[idx]
        if parts is not None:
            resolved[idx] = parts
            return parts
        if idx in trail:
            raise ImportFormatError(f"{label}: row {row}: code '{name}' is its own ancestor (parent cycle)")
        if not parent:
            resolved[idx] = (name,)
            return resolved[idx]
        parent_parts = tuple(p for p in _SPLIT.split(parent) if p)
        if len(parent_parts) > 1:
            resolved[idx] = parent_parts + (name,)
            return resolved[idx]
        matches = by_name.get(parent, [])
        if not matches:
            raise ImportFormatError(f"{label}: row {row}: parent '{parent}' of code '{name}' is not in the sheet; add it or give its path")
        if len(matches) > 1:
            raise ImportFormatError(f"{label}: row {row}: parent '{parent}' is ambiguous (several codes have that name); give the parent's path")
        resolved[idx] = resolve(matches[0], trail + (idx,)) + (name,)
        return resolved[idx]

    nodes: dict[tuple[str, ...], ExCode] = {}
    defined: dict[tuple[str, ...], int] = {}
    project = ExchangeProject(name=path.stem, origin=label)

    def node(parts: tuple[str, ...]) -> ExCode:
        if parts not in nodes:
            code = ExCode(guid=str(uuid.uuid5(_NS, "\x1f".join(parts))), name=parts[-1])
            nodes[parts] = code
            (node(parts[:-1]).children if len(parts) > 1 else project.codes).append(code)
        return nodes[parts]

    for idx, (row, _, _, _, fields) in enumerate(rows):
        parts = resolve(idx)
        if parts in defined:
            raise ImportFormatError(f"{label}: row {row}: code '{'/'.join(parts)}' is already defined in row {defined[parts]}")
        defined[parts] = row
        code = node(parts)
        code.description = fields["description"]
        code.colour = _colour(fields["colour"], label, row)
        code.inclusion = fields["inclusion"]
        code.exclusion = fields["exclusion"]
        code.examples = fields["examples"]
    return project
