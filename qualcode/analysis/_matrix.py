"""Incidence matrices shared by the counting analyses.

Every count in frequencies, crosstabs, waves and co-occurrence is a column count or a
product of one 0/1 matrix: excerpts x codes. It is kept as its cells (:class:`Cells`:
row and column of each 1) built with integer codes (``pd.factorize``), and counted with
``bincount``: 10^6 applications take a fraction of a second, where a Python loop over
rows would take minutes. The counting commands need no scipy (importing scipy.sparse
costs about a quarter of a second of a command's start-up); ``Incidence.matrix`` builds
a scipy.sparse matrix for the overlap counts that multiply by an excerpt x excerpt one.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qualcode.analysis._tree import ancestor_table, code_table
from qualcode.errors import DescriptorError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from scipy import sparse

APP_COLUMNS = ("excerpt_id", "code")
#: units x codes cells counted with a dense ``bincount`` (64 MB of counters) before
#: :func:`counts_by_unit` sorts instead
_DENSE_COUNT_LIMIT = 8_000_000
#: units x codes cells marked with a dense array of flags (64 MB) before
#: :func:`unit_matrix` sorts instead
_FLAG_LIMIT = 64_000_000


def require(frame: pd.DataFrame, columns: Iterable[str], what: str, how: str) -> None:
    """Raise a one-line UsageError when ``frame`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(f"the {what} frame has no column {', '.join(repr(m) for m in missing)}; build it with {how}")


def require_apps(apps: pd.DataFrame, extra: Iterable[str] = ()) -> None:
    require(apps, [*APP_COLUMNS, *extra], "applications", "project.applications()")


@dataclass(frozen=True)
class Cells:
    """A sparse matrix as its nonzero cells: ``rows[i], cols[i]`` holds ``values[i]``
    (1 when ``values`` is None: a 0/1 matrix). Each cell appears once; the order of the
    cells is not fixed (:meth:`distinct` gives row-major order)."""

    rows: np.ndarray  # int64
    cols: np.ndarray  # int64
    shape: tuple[int, int]
    values: np.ndarray | None = None  # int64 counts; None: every cell is 1

    @classmethod
    def distinct(cls, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> "Cells":
        """The 0/1 matrix with a 1 wherever ``(rows[i], cols[i])`` occurs (once or more)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        n_rows, n_cols = shape
        if len(rows) and (rows.min() < 0 or cols.min() < 0 or rows.max() >= n_rows or cols.max() >= n_cols):
            raise ValueError(f"cell index out of range for a {n_rows} x {n_cols} matrix")
        if not n_cols:
            return cls(rows[:0], cols[:0], shape)
        key = _sorted_distinct(rows * n_cols + cols)
        return cls(key // n_cols, key % n_cols, shape)

    def counts(self) -> np.ndarray:
        """The value of each cell."""
        return self.values if self.values is not None else np.ones(len(self.rows), dtype=np.int64)

    def ones(self) -> "Cells":
        """A 0/1 copy: 1 wherever a value is stored."""
        return Cells(self.rows, self.cols, self.shape)

    def column_cells(self) -> np.ndarray:
        """Cells per column: for a 0/1 matrix, the rows that have each column."""
        return np.bincount(self.cols, minlength=self.shape[1])

    def toarray(self) -> np.ndarray:
        """The dense int64 matrix."""
        out = np.zeros(self.shape, dtype=np.int64)
        out[self.rows, self.cols] = self.counts()
        return out

    def to_sparse(self) -> "sparse.csr_matrix":
        """The same matrix in scipy.sparse (for the overlap products)."""
        from scipy import sparse

        return sparse.csr_matrix((self.counts().astype(np.int32), (self.rows, self.cols)), shape=self.shape)

    def gram(self) -> np.ndarray:
        """``M.T @ M`` of a 0/1 matrix, dense: cell ``[a, b]`` counts the rows with both
        columns. With the cells in row order, two cells ``d`` apart in the same row are
        a pair; a pass per distance ``d`` over the cells of rows with more than ``d``
        cells counts them all (one pass when most excerpts carry one code, a few with
        child-sum incidence)."""
        n = self.shape[1]
        out = np.bincount(self.cols * (n + 1), minlength=n * n)  # the diagonal: rows with the column
        rows, cols = self.rows, self.cols
        if len(rows) > 1 and not bool((rows[1:] >= rows[:-1]).all()):
            order = np.argsort(rows, kind="stable")
            rows, cols = rows[order], cols[order]
        size = np.bincount(rows, minlength=self.shape[0])[rows]  # cells in each cell's row
        d = 1
        while True:
            longer = size > d
            rows, cols, size = rows[longer], cols[longer], size[longer]
            if len(rows) <= d:
                break
            same = rows[d:] == rows[:-d]
            a, b = cols[:-d][same], cols[d:][same]
            out += np.bincount(a * n + b, minlength=n * n) + np.bincount(b * n + a, minlength=n * n)
            d += 1
        return out.reshape(n, n).astype(np.int64)


def _sorted_distinct(key: np.ndarray) -> np.ndarray:
    """The distinct values of ``key``, sorted. A stable sort, not ``np.unique``: the
    keys of an incidence come nearly sorted (applications in id order), which the
    stable sort takes in one pass (a few ms for 10^6), where numpy 2's ``unique``
    hashes every value (about a second)."""
    if len(key) < 2 or bool((key[1:] > key[:-1]).all()):
        return key
    key = np.sort(key, kind="stable")
    return key[np.r_[True, key[1:] != key[:-1]]]


@dataclass
class Incidence:
    """Excerpts x codes, 0/1, plus what each excerpt row belongs to.

    ``excerpts`` has one row per matrix row (RangeIndex = row number) with the
    excerpt-level columns of the applications frame (``excerpt_id``, ``source``,
    ``case``, ``wave``, ``start``, ``end`` when present). ``case_idx`` is -1 where the
    case is missing: such excerpts count as excerpts and sources but not as cases.
    Source and case numbers are computed on first use (factorizing 10^5 case names
    is a noticeable share of a co-occurrence run that never needs them).
    """

    codes: pd.DataFrame
    cells: Cells
    excerpts: pd.DataFrame
    app_rows: np.ndarray  # matrix row of each application row (same order as apps)
    app_cols: np.ndarray  # matrix column of each application row

    @cached_property
    def matrix(self) -> "sparse.csr_matrix":
        """The incidence as a scipy.sparse matrix (the overlap counts multiply with it)."""
        return self.cells.to_sparse()

    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape

    @cached_property
    def source_idx(self) -> np.ndarray:
        """A number per source for each excerpt row (which number is which source is not
        fixed: only per-source counts use it)."""
        ex = self.excerpts
        key = ex["source_id"] if "source_id" in ex.columns else ex.get("source")
        if key is None:
            return np.arange(len(ex))
        dense = _dense_numbers(key)
        return dense if dense is not None else np.asarray(pd.factorize(key)[0])

    @cached_property
    def _case_factors(self) -> tuple[np.ndarray, pd.Index]:
        if "case" not in self.excerpts.columns:
            return np.full(len(self.excerpts), -1, dtype=np.int64), pd.Index([])
        idx, cases = factorize_labels(self.excerpts["case"])  # NA -> -1
        return idx, cases

    @property
    def case_idx(self) -> np.ndarray:
        return self._case_factors[0]

    @property
    def cases(self) -> pd.Index:
        return self._case_factors[1]


def _numbered_in_order(key: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(key, sort=False)``: a number per distinct value in order of first
    appearance, and the values. Applications come in id order, so their excerpt ids are
    nearly sorted (a later coding of an older excerpt is the exception): a stable sort
    takes such integers in one pass and gives each value's first position, where
    hashing 10^6 of them costs twice as long. Anything else is hashed as before."""
    values = key.to_numpy()
    if values.dtype.kind not in "iu" or len(values) < 2 or \
            np.count_nonzero(values[1:] < values[:-1]) > len(values) // 100:
        codes, uniques = pd.factorize(key, sort=False)
        return np.asarray(codes), np.asarray(uniques)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(starts) - 1  # each sorted row's value, numbered in sorted order
    first_seen = order[starts]  # where each value first appears (stable: the earliest row)
    by_appearance = np.argsort(first_seen, kind="stable")
    number = np.empty(len(first_seen), dtype=np.int64)
    number[by_appearance] = np.arange(len(first_seen))
    codes = np.empty(len(values), dtype=np.int64)
    codes[order] = number[group]
    return codes, ordered[starts][by_appearance]


def _dense_numbers(key: pd.Series) -> np.ndarray | None:
    """Numbers 0..k-1 for the k distinct values of an integer column of small
    non-negative ids (the project's source ids), in id order: a flag per id and a running
    count, where hashing 10^6 values costs several times more. None for any other column."""
    values = key.to_numpy()
    if values.dtype.kind not in "iu" or not len(values):
        return None
    low, high = int(values.min()), int(values.max())
    if low < 0 or high > 8 * len(values) + 65_536:
        return None
    present = np.zeros(high + 1, dtype=bool)
    present[values] = True
    return (np.cumsum(present) - 1)[values]


def factorize_labels(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` in order of first appearance, with the labels as a plain Index.

    The project's counting frames hold names as categoricals (10^6 rows, a few
    thousand names); tables built from the labels must look the same either way.
    """
    idx, labels = pd.factorize(column, sort=False)
    if isinstance(labels.dtype, pd.CategoricalDtype):
        labels = pd.Index(labels).astype(labels.categories.dtype)
    return np.asarray(idx), pd.Index(labels)


def _codes_for(apps: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Column index of each application row's code.

    Factorizes the integer ``code_id`` when present (hashing ints is several times
    faster than hashing path strings), then maps the few distinct codes by path.
    """
    column = apps["code"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        # the project's counting frames hold paths as a categorical: its integer codes
        # already number the codes, so no hashing of 10^6 values is needed
        pos = pd.Index(table["code"]).get_indexer(pd.Index(column.cat.categories).astype(str))
        pos = np.append(pos, -1)  # code -1 (a missing path) stays -1
        return pos[column.cat.codes.to_numpy()]
    key = apps["code_id"] if "code_id" in apps.columns and apps["code_id"].notna().all() else apps["code"]
    uniq_idx, uniques = pd.factorize(key, sort=False)
    if key is apps["code"]:
        paths = pd.Index(uniques).astype(str)
    else:
        first = pd.Series(np.arange(len(uniq_idx))).groupby(uniq_idx).first().to_numpy()
        paths = apps["code"].iloc[first].astype(str).to_numpy(dtype=object)
        if not (paths[uniq_idx] == apps["code"].astype(str).to_numpy(dtype=object)).all():
            # ids and paths disagree (hand-made or merged frames): trust the paths
            return _codes_for(apps.drop(columns="code_id"), table)
    pos = pd.Index(table["code"]).get_indexer(paths)
    return pos[uniq_idx]


def incidence(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *, child_sum: bool = False,
              table: pd.DataFrame | None = None, extra: Iterable[str] = ()) -> Incidence:
    """Build the excerpt x code 0/1 matrix from an applications frame.

    Several applications of one code to one excerpt (two coders) count once. With
    ``child_sum`` a parent is set on every excerpt that carries it or any descendant.
    ``extra`` names more excerpt-level columns of ``apps`` to keep in ``excerpts``.
    """
    require_apps(apps)
    if table is None:
        table = code_table(apps, codebook)
    ex_idx, ex_ids = _numbered_in_order(apps["excerpt_id"])
    cols = _codes_for(apps, table) if len(apps) else np.zeros(0, dtype=np.int64)
    n_ex, n_codes = len(ex_ids), len(table)
    m = Cells.distinct(ex_idx, cols, (n_ex, n_codes))
    if child_sum:
        m = rollup(m, table)
    # first application row of each excerpt carries the excerpt-level columns
    # factorize numbers excerpts in order of first appearance, so a row is a first
    # occurrence exactly when its number exceeds every number before it
    seen = np.maximum.accumulate(ex_idx) if len(ex_idx) else ex_idx
    first = np.flatnonzero(np.r_[True, ex_idx[1:] > seen[:-1]]) if len(ex_idx) else ex_idx
    wanted = ("excerpt_id", "source_id", "source", "case", "wave", "start", "end", *extra)
    keep = [c for c in dict.fromkeys(wanted) if c in apps.columns]
    excerpts = apps[keep].iloc[first].reset_index(drop=True)
    return Incidence(table, m, excerpts, ex_idx, cols)


def unit_matrix(unit: np.ndarray, m: Cells, n_units: int) -> Cells:
    """Units x codes 0/1: a unit (case, source) has a code when any of its rows has it.

    One flag per units x codes cell (a byte each: 6 MB for 30,000 sources x 200 codes),
    set at each row's (unit, code) and read back in order; a table too large for flags
    is sorted instead."""
    n_cols = m.shape[1]
    unit = np.asarray(unit, dtype=np.int64)
    entry_unit = unit[m.rows]
    keep = entry_unit >= 0
    key = entry_unit[keep] * n_cols + m.cols[keep]
    if n_units * n_cols <= _FLAG_LIMIT:
        flags = np.zeros(n_units * n_cols, dtype=bool)
        flags[key] = True
        key = np.flatnonzero(flags)
    else:
        key = _sorted_distinct(key)
    if not n_cols:
        return Cells(key, key, (n_units, n_cols))
    return Cells(key // n_cols, key % n_cols, (n_units, n_cols))


def rollup(m: Cells, table: pd.DataFrame) -> Cells:
    """Child-sum version of a 0/1 row x code matrix: each row also has every ancestor of
    each of its codes, once. A row with one code gets its ancestors as they are (they
    are distinct); only rows with several codes need duplicates removed."""
    ancestors = ancestor_table(table)  # code -> itself and its ancestors, -1 padded
    n_rows, n_cols = m.shape
    if n_rows * n_cols <= _FLAG_LIMIT and len(m.rows):
        # a flag per cell (sources x codes), set level by level: no list of every
        # (row, ancestor) pair is built, and the cells come out in row-major order
        flags = np.zeros(n_rows * n_cols, dtype=bool)
        base = m.rows * n_cols
        for level in range(ancestors.shape[1]):  # the code itself, its parent, grandparent...
            up = ancestors[:, level][m.cols]
            ok = up >= 0
            flags[base[ok] + up[ok]] = True
        key = np.flatnonzero(flags)
        return Cells(key // n_cols, key % n_cols, m.shape)
    per_row = np.bincount(m.rows, minlength=n_rows)
    several = per_row[m.rows] > 1
    parts_rows, parts_cols = [], []
    for chosen in (~several, several):
        rows, cols = m.rows[chosen], m.cols[chosen]
        for level in range(ancestors.shape[1]):  # the code itself, its parent, grandparent...
            up = ancestors[:, level][cols]
            ok = up >= 0
            parts_rows.append(rows[ok])
            parts_cols.append(up[ok])
    alone = len(parts_rows) // 2
    rows, cols = np.concatenate(parts_rows[alone:]), np.concatenate(parts_cols[alone:])
    shared = Cells.distinct(rows, cols, m.shape)  # a sort (excerpts x codes: few rows have several codes)
    return Cells(np.concatenate([*parts_rows[:alone], shared.rows]),
                 np.concatenate([*parts_cols[:alone], shared.cols]), m.shape)


def rolled_column_cells(m: Cells, table: pd.DataFrame) -> np.ndarray:
    """``rollup(m, table).column_cells()`` without building the rolled-up matrix: per code,
    the rows that have it or any of its descendants.

    A row with one code adds 1 to that code and to each of its ancestors, so those rows
    are counted per code (a ``bincount`` of 200 numbers) and the counts carried up the
    tree; only the rows with several codes (an excerpt coded twice under one parent must
    count once for it) go through :func:`rollup`. For 10^6 excerpts that skips building
    and sorting two million cells."""
    ancestors = ancestor_table(table)
    n_cols = m.shape[1]
    per_row = np.bincount(m.rows, minlength=m.shape[0])
    several = per_row[m.rows] > 1
    alone = np.bincount(m.cols[~several], minlength=n_cols)
    counts = np.zeros(n_cols, dtype=np.int64)
    for level in range(ancestors.shape[1]):  # the code itself, its parent, grandparent...
        up = ancestors[:, level]
        np.add.at(counts, up[up >= 0], alone[up >= 0])
    if several.any():
        shared = rollup(Cells(m.rows[several], m.cols[several], m.shape), table)
        counts += shared.column_cells()
    return counts


def counts_by_unit(unit: np.ndarray, m: Cells, n_units: int) -> Cells:
    """Units x codes: how many rows (excerpts) of each unit carry each code, summing the
    values of ``m`` (1 each for a 0/1 matrix); unit -1 ignored.

    The same numbers as the product ``P @ m`` with ``P`` the units x rows 0/1 matrix:
    one integer key (unit, code) per cell and a ``bincount`` (or a sort, when units x
    codes is too large to count densely).
    """
    n_cols = m.shape[1]
    unit = np.asarray(unit, dtype=np.int64)
    entry_unit = unit[m.rows]
    keep = entry_unit >= 0
    key = entry_unit[keep] * n_cols + m.cols[keep]
    data = m.values[keep] if m.values is not None else None
    size = n_units * n_cols
    if size <= _DENSE_COUNT_LIMIT:
        counts = np.bincount(key, minlength=size) if data is None else \
            np.bincount(key, weights=data, minlength=size).astype(np.int64)
        cells = np.flatnonzero(counts)
        values = counts[cells].astype(np.int64)
    else:
        order = np.argsort(key, kind="stable")
        key = key[order]
        data = data[order].astype(np.int64) if data is not None else np.ones(len(key), dtype=np.int64)
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
        cells = key[first]
        values = np.add.reduceat(data, first) if len(first) else np.zeros(0, dtype=np.int64)
        nonzero = values != 0
        cells, values = cells[nonzero], values[nonzero]
    if not n_cols:
        return Cells(cells, cells, (n_units, n_cols), values)
    return Cells(cells // n_cols, cells % n_cols, (n_units, n_cols), values)


def base_cases(apps: pd.DataFrame, base: object) -> set:
    """The cases that form the denominator of "% of cases".

    ``base`` is None (the cases that appear in ``apps``), an iterable of case names, or a
    frame with a ``case`` column (e.g. ``project.excerpts()`` filtered like ``apps``, so
    cases with material but no application of a code still count).
    """
    if base is None:
        return set(pd.unique(apps["case"].dropna())) if "case" in apps.columns else set()
    if isinstance(base, pd.DataFrame):
        require(base, ["case"], "base", "project.excerpts()")
        return set(pd.unique(base["case"].dropna()))
    if isinstance(base, (str, bytes)) or not isinstance(base, Iterable):
        raise UsageError("base must be a frame with a 'case' column, a list of case names, or None")
    return {c for c in base if not pd.isna(c)}


def case_base_size(apps: pd.DataFrame, base: object) -> int:
    """Size of the "% of cases" denominator; an int ``base`` is taken as given."""
    if isinstance(base, (int, np.integer)) and not isinstance(base, bool):
        if base <= 0:
            raise UsageError(f"base must be a positive number of cases, got {base}")
        return int(base)
    return len(base_cases(apps, base))


def descriptor_lookup(descriptors: pd.DataFrame | None, fields: list[str]) -> pd.DataFrame:
    """Descriptor columns ``fields`` indexed by case, after checking they can be used.

    Raises a one-line UsageError for a field that is no descriptor, and a
    DescriptorError when a case has two rows (its group would be ambiguous).
    """
    if descriptors is None:
        raise UsageError(f"field {fields[0]!r} is not a column of the frame; pass descriptors=project.descriptors()")
    require(descriptors, ["case"], "descriptors", "project.descriptors()")
    absent = [f for f in fields if f not in descriptors.columns]
    if absent:
        raise UsageError(f"field {absent[0]!r} is neither a frame column nor a descriptor; "
                         f"descriptors are: {', '.join(c for c in descriptors.columns if c != 'case')}")
    dup = descriptors["case"][descriptors["case"].duplicated()]
    if len(dup):
        raise DescriptorError(f"descriptors list case {dup.iloc[0]!r} twice; keep one row per case")
    return descriptors.set_index("case")[fields]


def attach_fields(frame: pd.DataFrame, descriptors: pd.DataFrame | None, fields: list[str]) -> pd.DataFrame:
    """``frame`` with ``fields`` as columns: its own columns first, then case descriptors.

    A field the frame already has (``wave``, ``source``, ``kind``) is per excerpt and wins
    over a case descriptor of the same name, because it is the more specific value.
    """
    need = [f for f in fields if f not in frame.columns]
    if not need:
        return frame
    lookup = descriptor_lookup(descriptors, need)
    out = frame.copy()
    keys = out["case"] if "case" in out.columns else pd.Series(pd.NA, index=out.index)
    for f in need:
        out[f] = keys.map(lookup[f]).to_numpy()
    return out
