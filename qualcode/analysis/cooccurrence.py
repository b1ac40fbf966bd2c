"""Code co-occurrence: which codes are applied together.

The unit is always the *excerpt*. In the default mode an excerpt counts for the pair
(a, b) when it carries both codes, so the count matrix is ``E.T @ E`` for the 0/1
excerpt x code matrix ``E``. With ``overlap=True`` an excerpt also counts when it carries
one of the codes and intersects, in the same source, an excerpt carrying the other (two
excerpts overlap when their ``[start, end)`` spans share a code point). With ``O`` the
excerpt x excerpt overlap matrix (diagonal included) and ``N = (O @ E) > 0``::

    count[a, b] = (E.T @ N)[a, b] + (E.T @ N)[b, a] - (E.T @ E)[a, b]

i.e. excerpts with a that touch b, plus excerpts with b that touch a, minus those
counted twice (excerpts with both). Without overlap ``N = E`` and this is ``E.T @ E``.
Because every counted excerpt carries a or b, ``count <= |A or B|`` and
Jaccard = ``count / (n_a + n_b - both)`` stays within [0, 1], where ``n_a`` is the
number of excerpts with a and ``both`` the number with a and b.
:func:`cooccurrence_excerpts` lists exactly the excerpts a cell counts.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import Incidence, incidence
from qualcode.analysis._tree import resolve
from qualcode.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from scipy import sparse

__all__ = ["cooccurrence", "cooccurrence_matrix", "cooccurrence_excerpts", "overlap_matrix"]


def overlap_matrix(source: np.ndarray, start: np.ndarray, end: np.ndarray) -> sparse.csr_matrix:
    """Excerpt x excerpt 0/1: same source and ``[start, end)`` spans intersect; diagonal set.

    Sort by (source, start); excerpt i overlaps every later j of its source with
    ``start_j < end_i``, unless j is empty (``end_j == start_j``): the spans intersect
    exactly when ``max(start) < min(end)``. Empty excerpts overlap nothing but themselves.
    ``searchsorted`` finds that run for all i at once, so the cost is the number of
    overlapping pairs, not n².
    """
    n = len(source)
    src = pd.factorize(source)[0].astype(np.int64)
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    order = np.lexsort((start, src))
    s_src, s_start, s_end = src[order], start[order], end[order]
    big = int(max(end.max(initial=0), start.max(initial=0))) + 2
    key_start = s_src * big + s_start
    key_end = s_src * big + s_end
    lo = np.arange(1, n + 1)
    hi = np.searchsorted(key_start, key_end, side="left")
    cnt = np.maximum(hi - lo, 0)
    total = int(cnt.sum())
    i = np.repeat(np.arange(n), cnt)
    j = i + 1 + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ok = s_end[j] > s_start[j]  # start_i <= start_j < end_i; j must not be empty
    a, b = order[i[ok]], order[j[ok]]
    diag = np.arange(n)
    # each unordered pair was found once (from its earlier member), so no duplicates
    from scipy import sparse  # loaded when counted, not when the analyses are imported

    rows = np.concatenate([a, b, diag])
    cols = np.concatenate([b, a, diag])
    return sparse.coo_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, n)).tocsr()


def _excerpt_overlaps(inc: Incidence) -> sparse.csr_matrix:
    """The overlap matrix of the incidence's excerpt rows."""
    ex = inc.excerpts
    key = "source_id" if "source_id" in ex.columns else "source"
    missing = [c for c in (key, "start", "end") if c not in ex.columns]
    if missing:
        raise UsageError(f"overlap needs column {missing[0]!r} in the applications frame; "
                         "build it with project.applications()")
    return overlap_matrix(ex[key].to_numpy(), ex["start"].to_numpy(), ex["end"].to_numpy())


def _touch(inc: Incidence) -> sparse.csr_matrix:
    """``N``: excerpt x code, 1 when the excerpt or an overlapping one carries the code."""
    n = (_excerpt_overlaps(inc) @ inc.matrix).tocsr()
    n.data[:] = 1
    return n


def _counts(inc: Incidence, overlap: bool) -> tuple[np.ndarray, np.ndarray]:
    """(count matrix, same-excerpt matrix) as dense code x code int arrays."""
    both = inc.cells.gram()
    if not overlap:
        return both, both
    e = inc.matrix
    t = (e.T @ _touch(inc)).toarray().astype(np.int64)
    return t + t.T - both, both


def _jaccard(count: np.ndarray, both: np.ndarray) -> np.ndarray:
    n = np.diag(both)
    union = n[:, None] + n[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, count / np.where(union > 0, union, 1), np.nan)


def cooccurrence_matrix(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                        overlap: bool = False, child_sum: bool = False,
                        measure: str = "count") -> pd.DataFrame:
    """Code x code matrix of co-occurrence counts (``measure="count"``) or Jaccard.

    Index and columns are code paths in tree order. The diagonal holds the number of
    excerpts with the code (Jaccard 1, NaN for an unused code). ``child_sum`` first
    sets every ancestor of an applied code on its excerpt. For heat maps.
    """
    if measure not in ("count", "jaccard"):
        raise ValueError(f"measure must be 'count' or 'jaccard', got {measure!r}")
    inc = incidence(apps, codebook, child_sum=child_sum)
    count, both = _counts(inc, overlap)
    values = count if measure == "count" else _jaccard(count, both)
    idx = pd.Index(inc.codes["code"], name="code")
    return pd.DataFrame(values, index=idx, columns=idx.rename("code_b"))


def cooccurrence(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                 overlap: bool = False, child_sum: bool = False,
                 include_zero: bool = False) -> pd.DataFrame:
    """Code pairs (a before b in tree order) with their co-occurrence, long format.

    Columns: ``code_a, code_b, excerpts`` (the count defined in the module docstring),
    ``same_excerpt`` (excerpts with both codes), ``excerpts_a, excerpts_b`` (excerpts
    with each code), ``jaccard``. Pairs with a zero count are left out unless
    ``include_zero``. Sorted by ``excerpts`` descending, then tree order.
    """
    inc = incidence(apps, codebook, child_sum=child_sum)
    count, both = _counts(inc, overlap)
    jac = _jaccard(count, both)
    ia, ib = np.triu_indices(len(inc.codes), k=1)
    if not include_zero:
        keep = count[ia, ib] > 0
        ia, ib = ia[keep], ib[keep]
    n = np.diag(both)
    paths = inc.codes["code"].to_numpy()
    out = pd.DataFrame({
        "code_a": paths[ia], "code_b": paths[ib],
        "excerpts": count[ia, ib], "same_excerpt": both[ia, ib],
        "excerpts_a": n[ia], "excerpts_b": n[ib], "jaccard": jac[ia, ib],
    })
    out["_o"] = np.arange(len(out))
    return out.sort_values(["excerpts", "_o"], ascending=[False, True]).drop(columns="_o").reset_index(drop=True)


def cooccurrence_excerpts(apps: pd.DataFrame, code_a: str, code_b: str,
                          codebook: pd.DataFrame | None = None, *, overlap: bool = False,
                          child_sum: bool = False, excerpts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The excerpts behind one cell of the co-occurrence table.

    Its length equals the cell's count. Columns: ``excerpt_id, source, case, wave,
    start, end`` (those in ``apps``), ``has_a, has_b`` (bool: the excerpt itself carries
    the code; with ``child_sum`` a descendant counts), ``partners`` (list of the other
    excerpt ids, in the same source and overlapping, that carry the code this excerpt
    lacks or shares; empty without overlap) and ``text`` when ``excerpts`` (the
    ``project.excerpts()`` frame) is given. Codes may be paths or unique names.
    """
    inc = incidence(apps, codebook, child_sum=child_sum)
    a, b = resolve(inc.codes, code_a), resolve(inc.codes, code_b)
    pos = pd.Index(inc.codes["code"])
    ca, cb = pos.get_loc(a), pos.get_loc(b)
    has_a, has_b = np.zeros(inc.shape[0], dtype=bool), np.zeros(inc.shape[0], dtype=bool)
    has_a[inc.cells.rows[inc.cells.cols == ca]] = True
    has_b[inc.cells.rows[inc.cells.cols == cb]] = True
    if overlap:
        o = _excerpt_overlaps(inc)
        touch_b = (o @ has_b.astype(np.int32)) > 0
        touch_a = (o @ has_a.astype(np.int32)) > 0
        chosen = (has_a & touch_b) | (has_b & touch_a)
    else:
        o = None
        chosen = has_a & has_b
    rows = np.flatnonzero(chosen)
    out = inc.excerpts.iloc[rows].reset_index(drop=True)
    out["has_a"] = has_a[rows]
    out["has_b"] = has_b[rows]
    ids = inc.excerpts["excerpt_id"].to_numpy()
    partners: list[list] = []
    for r in rows:  # only the cell's own excerpts: a handful, listed for a reader
        if o is None:
            partners.append([])
            continue
        nbrs = o.indices[o.indptr[r]:o.indptr[r + 1]]
        want = np.zeros(len(nbrs), dtype=bool)
        if has_a[r]:
            want |= has_b[nbrs]
        if has_b[r]:
            want |= has_a[nbrs]
        partners.append(sorted(ids[n] for n in nbrs[want] if n != r))
    out["partners"] = partners
    if excerpts is not None and "text" in excerpts.columns:
        out = out.merge(excerpts[["excerpt_id", "text"]], on="excerpt_id", how="left")
    return out

