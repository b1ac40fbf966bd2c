"""Code-tree helpers shared by the analyses.

The analyses key codes by their path (``"Arenas/Self/Confidence"``): paths are unique,
readable in a table, and carry their own ancestry, so child-sum counts work even when no
codebook frame is passed. When ``project.codes()`` is passed, its order (depth first,
siblings by ``position``) and its unused codes (zero rows) are kept, so tables read like
the codebook.
"""
from __future__ import annotations

from collections.abc import Iterable
import numpy as np
import pandas as pd

from qualcode.errors import NotFoundError, UsageError

SEP = "/"
TABLE_COLUMNS = ["code", "name", "depth", "top", "parent"]


def _ancestors(path: str) -> list[str]:
    """Proper ancestors of a path, nearest first: "A/B/C" -> ["A/B", "A"]."""
    parts = path.split(SEP)
    return [SEP.join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]


def _row(path: str) -> dict[str, object]:
    parts = path.split(SEP)
    return {
        "code": path,
        "name": parts[-1],
        "depth": len(parts) - 1,
        "top": parts[0],
        "parent": SEP.join(parts[:-1]),
    }


def code_table(apps: pd.DataFrame | None = None, codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """The codes an analysis reports on, in tree order.

    Columns: ``code`` (path), ``name``, ``depth`` (0 = top level), ``top`` (top-level
    ancestor's name), ``parent`` (parent path, ``""`` at top level); RangeIndex = the
    column index used in the sparse matrices. With ``codebook`` (the ``codes()`` frame)
    every codebook code is listed; codes found in ``apps`` but missing from the codebook
    (a stale codebook frame) are added from their paths rather than dropped, so no
    application goes uncounted.
    """
    paths: set[str] = set()
    if apps is not None and len(apps):
        if "code" not in apps.columns:
            raise UsageError("the applications frame has no 'code' column; build it with project.applications()")
        # distinct values first, then text: the column may be a categorical of 10^6 rows
        paths.update(pd.Index(pd.unique(apps["code"])).astype(str))
    position: dict[str, int] = {}
    if codebook is not None and len(codebook):
        for path, pos in zip(codebook["path"].astype(str),
                             codebook["position"] if "position" in codebook.columns else [0] * len(codebook)):
            paths.add(path)
            position[path] = int(pos) if pd.notna(pos) else 0
    # every ancestor of a listed path is a code too (parents of imported paths)
    for p in list(paths):
        paths.update(_ancestors(p))
    table = pd.DataFrame([_row(p) for p in paths], columns=TABLE_COLUMNS)
    unknown = 1 << 30  # codes not in the codebook sort after their codebook siblings

    def key(p: str) -> tuple:
        parts = p.split(SEP)
        prefixes = [SEP.join(parts[: k + 1]) for k in range(len(parts))]
        return tuple((position.get(q, unknown), part) for q, part in zip(prefixes, parts))

    table["_k"] = table["code"].map(key)
    table = table.sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)
    table["depth"] = table["depth"].astype(int)
    return table


def in_tree_order(codebook: pd.DataFrame) -> pd.DataFrame:
    """The ``codes()`` frame in the codebook's own order (each parent before its
    children, siblings by ``position``), as the codebook file lists them."""
    if codebook.empty:
        return codebook
    order = code_table(None, codebook)["code"]
    ranked = codebook.assign(_rank=codebook["path"].map({p: i for i, p in enumerate(order)}))
    return ranked.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def ancestor_table(table: pd.DataFrame) -> np.ndarray:
    """Row ``i``: code ``i``'s column, then its ancestors' (nearest first) that are in
    the table, padded with -1 (codes x (deepest + 1), int64).

    Giving a row of an excerpt x code incidence every column of its codes' rows gives
    child-sum incidence: an excerpt counts once for a parent however many of its
    children it has (:func:`qualcode.analysis._matrix.rollup`).
    """
    index = {p: i for i, p in enumerate(table["code"])}
    lines = [[i, *(index[a] for a in _ancestors(p) if a in index)] for i, p in enumerate(table["code"])]
    out = np.full((len(lines), max((len(line) for line in lines), default=1)), -1, dtype=np.int64)
    for i, line in enumerate(lines):
        out[i, :len(line)] = line
    return out


def resolve(table: pd.DataFrame, code: str) -> str:
    """The path of ``code``, given as a path or as a unique last-part name."""
    codes = table["code"]
    if (codes == code).any():
        return code
    hits = table.loc[table["name"] == code, "code"].tolist()
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise UsageError(f"code name '{code}' is ambiguous ({', '.join(hits)}); give the full path")
    raise NotFoundError(f"code '{code}' is not in the codebook; list codes with `qualcode codebook show`")


def expand(table: pd.DataFrame, codes: Iterable[str] | str, descendants: bool = True) -> list[str]:
    """Paths of ``codes`` (paths or unique names), with their descendants when asked."""
    if isinstance(codes, str):
        codes = [codes]
    wanted = [resolve(table, c) for c in codes]
    if not descendants:
        return list(dict.fromkeys(wanted))
    out: list[str] = []
    for w in wanted:
        mask = (table["code"] == w) | table["code"].str.startswith(w + SEP)
        out.extend(table.loc[mask, "code"])
    return list(dict.fromkeys(out))
