"""The counting matrices without scipy give scipy's numbers (issue 20).

``analysis._matrix.Cells`` keeps a 0/1 excerpt x code matrix as its cells and counts
with ``bincount`` so that a ``qualcode stats`` command need not import scipy.sparse
(a quarter of a second of every command). Each operation is checked here against the
same product computed with scipy.sparse on random matrices with repeated cells, rows
with one and with several codes, empty rows and a code tree three levels deep.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from qualcode.analysis._matrix import Cells, counts_by_unit, rollup, unit_matrix
from qualcode.analysis._tree import ancestor_table, code_table

PATHS = ["A", "A/a1", "A/a1/x", "A/a2", "B", "B/b1", "C", "C/c1", "C/c1/y", "C/c2"]


def _random(seed: int, n_rows: int = 400, n_cells: int = 700) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    table = code_table(None, pd.DataFrame({"path": PATHS}))
    rows = rng.integers(0, n_rows, n_cells)
    # most rows carry one code, as most excerpts do; some several, some twice the same
    rows[: n_cells // 2] = np.arange(n_cells // 2) % n_rows
    cols = rng.integers(0, len(table), n_cells)
    return rows, cols, table


def _scipy01(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=shape)
    m.data[:] = 1
    return m


def _scipy_ancestors(table: pd.DataFrame) -> sparse.csr_matrix:
    """``A[i, j] = 1`` when code j is code i or its ancestor, from the paths themselves."""
    paths = list(table["code"])
    a = np.zeros((len(paths), len(paths)), dtype=np.int64)
    for i, p in enumerate(paths):
        for j, q in enumerate(paths):
            a[i, j] = p == q or p.startswith(q + "/")
    return sparse.csr_matrix(a)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cells_count_what_scipy_counts(seed: int) -> None:
    rows, cols, table = _random(seed)
    shape = (400, len(table))
    cells = Cells.distinct(rows, cols, shape)
    expected = _scipy01(rows, cols, shape)
    assert np.array_equal(cells.toarray(), expected.toarray())
    assert np.array_equal(cells.column_cells(), np.asarray(expected.sum(axis=0)).ravel())
    # co-occurrence: E.T @ E
    assert np.array_equal(cells.gram(), (expected.T @ expected).toarray())
    # child-sum: (E @ A) > 0
    summed = (expected @ _scipy_ancestors(table)).toarray() > 0
    assert np.array_equal(rollup(cells, table).toarray(), summed.astype(np.int64))
    assert np.array_equal(rollup(cells, table).gram(), (summed.T.astype(int) @ summed.astype(int)))
    # by unit: P @ E with P units x rows (rows of unit -1 left out)
    rng = np.random.default_rng(seed + 10)
    unit = rng.integers(-1, 30, shape[0])
    p = sparse.csr_matrix((np.ones((unit >= 0).sum(), dtype=np.int64), (unit[unit >= 0], np.flatnonzero(unit >= 0))),
                          shape=(30, shape[0]))
    by_unit = (p @ expected).toarray()
    assert np.array_equal(counts_by_unit(unit, cells, 30).toarray(), by_unit)
    assert np.array_equal(unit_matrix(unit, cells, 30).toarray(), (by_unit > 0).astype(np.int64))
    # counts of counts (cases from sources), dense and sorted paths alike
    group = rng.integers(-1, 4, 30)
    q = sparse.csr_matrix((np.ones((group >= 0).sum(), dtype=np.int64), (group[group >= 0], np.flatnonzero(group >= 0))),
                          shape=(4, 30))
    assert np.array_equal(counts_by_unit(group, counts_by_unit(unit, cells, 30), 4).toarray(), (q @ p @ expected).toarray())


def test_counts_sort_when_the_table_is_too_large_to_count_densely(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.analysis import _matrix

    rows, cols, table = _random(4)
    cells = Cells.distinct(rows, cols, (400, len(table)))
    unit = np.random.default_rng(5).integers(-1, 50, 400)
    group = np.random.default_rng(6).integers(-1, 5, 50)
    dense = counts_by_unit(unit, cells, 50).toarray()
    dense_groups = counts_by_unit(group, counts_by_unit(unit, cells, 50), 5).toarray()
    dense_present = unit_matrix(unit, cells, 50).toarray()
    dense_summed = rollup(unit_matrix(unit, cells, 50), table).toarray()
    assert dense.sum() > 0 and dense_groups.sum() > 0 and dense_present.max() == 1 and dense_summed.max() == 1
    monkeypatch.setattr(_matrix, "_DENSE_COUNT_LIMIT", 0)
    monkeypatch.setattr(_matrix, "_FLAG_LIMIT", 0)
    assert np.array_equal(counts_by_unit(unit, cells, 50).toarray(), dense)
    assert np.array_equal(counts_by_unit(group, counts_by_unit(unit, cells, 50), 5).toarray(), dense_groups)
    assert np.array_equal(unit_matrix(unit, cells, 50).toarray(), dense_present)
    assert np.array_equal(rollup(unit_matrix(unit, cells, 50), table).toarray(), dense_summed)


def test_ancestor_table_lists_each_code_then_its_ancestors() -> None:
    table = code_table(None, pd.DataFrame({"path": PATHS}))
    where = {p: i for i, p in enumerate(table["code"])}
    lines = ancestor_table(table)
    assert [where[p] for p in ("A/a1/x", "A/a1", "A")] == list(lines[where["A/a1/x"]])
    assert list(lines[where["B"]]) == [where["B"], -1, -1]


def test_an_out_of_range_cell_is_refused() -> None:
    with pytest.raises(ValueError):
        Cells.distinct(np.array([0, 1]), np.array([0, 5]), (2, 5))


def test_thematic_mask_of_a_categorical_is_the_mask_of_its_strings() -> None:
    """The counting frames hold code paths as categoricals; which rows are questionnaire
    structure must not depend on that."""
    from qualcode.codebook.branches import thematic_mask

    paths = pd.Series(["Impact/Confidence", "Questionnaire/Q1", None, "Issues", "Questionnaire/Q2", "Impact/Confidence"],
                      index=[5, 3, 9, 1, 0, 2])
    as_categories = paths.astype("category")
    expected = [True, False, True, True, False, True]  # by hand: only the Questionnaire branch is structure
    assert thematic_mask(paths).tolist() == expected
    assert thematic_mask(as_categories).tolist() == expected
    assert list(thematic_mask(as_categories).index) == [5, 3, 9, 1, 0, 2]
