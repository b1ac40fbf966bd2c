"""Labelling units from codings (``qualcode.coding.suggest.unit_labels``) on hand-made frames."""
from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.coding.suggest.unit_labels import marked, overlaps, unit_labels


def frame(rows: list[tuple[int, int, int]], code: list[str] | None = None) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["source_id", "start", "end"])
    if code is not None:
        out["code"] = code
    return out


def brute_force(units: pd.DataFrame, spans: pd.DataFrame) -> set[tuple[int, int, int, bool]]:
    found = set()
    for i, u in enumerate(units.itertuples()):
        for j, s in enumerate(spans.itertuples()):
            shared = min(u.end, s.end) - max(u.start, s.start)
            if u.source_id == s.source_id and shared > 0:
                found.add((i, j, shared, s.start >= u.start and s.end <= u.end))
    return found


def as_set(pairs: pd.DataFrame) -> set[tuple[int, int, int, bool]]:
    return set(zip(pairs["unit"], pairs["span"], pairs["overlap"], pairs["inside"]))


def test_overlaps_agree_with_a_brute_force_search():
    rng = np.random.default_rng(0)
    # units of one kind tile each source without overlapping, in shuffled row order
    rows = []
    for source in (3, 1, 7):
        cuts = np.sort(rng.choice(np.arange(1, 200), size=15, replace=False))
        rows += [(source, int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if rng.random() < 0.8]
    units = frame([rows[i] for i in rng.permutation(len(rows))])
    starts = rng.integers(0, 210, size=60)
    spans = frame([(int(rng.choice([1, 3, 7, 9])), int(a), int(a + rng.integers(1, 60))) for a in starts])
    assert as_set(overlaps(units, spans)) == brute_force(units, spans)
    nested = pd.concat([units, frame([(3, 0, 150), (7, 20, 25)])], ignore_index=True)  # overlapping units
    assert as_set(overlaps(nested, spans)) == brute_force(nested, spans)
    assert overlaps(units, spans.iloc[:0]).empty and overlaps(units.iloc[:0], spans).empty


def test_a_span_marks_a_unit_when_it_covers_half_of_it_or_lies_inside_it():
    units = frame([(1, 0, 10), (1, 10, 30), (1, 30, 40)])
    spans = frame([(1, 5, 14), (1, 26, 36), (1, 31, 33)])
    # [5,14): half of unit 0 (5 of 10) yes; 4 of unit 1's 20 no. [26,36): 4 of 20 no, 6 of 10 yes.
    # [31,33): inside unit 2.
    assert set(zip(marked(units, spans)["unit"], marked(units, spans)["span"])) == {(0, 0), (2, 1), (2, 2)}


def test_labels_positive_negative_weighted_and_unknown():
    units = frame([(1, 0, 10), (1, 10, 30), (1, 30, 40), (2, 0, 20), (3, 0, 10)])
    applied = frame([(1, 5, 25), (1, 31, 33), (1, 28, 35)], code=["A", "B", "A"])
    rejected = frame([(1, 0, 10), (1, 10, 30), (3, 0, 10)], code=["B", "A", "A"])
    Y, W = unit_labels(units, ["A", "B"], applied, rejected, read_sources={1, 2}, rejected_weight=3.0)
    assert Y.tolist() == [
        [1, 0],    # A covers half of it; B was rejected there
        [1, 0],    # A covers 15 of 20 characters (and wins over the rejected A)
        [1, 1],    # B lies inside it; the second A covers half of it
        [0, 0],    # a read source, nothing applied: known negatives
        [0, -1],   # nobody read source 3: unknown, except the rejected A
    ]
    assert W.tolist() == [[1, 3], [1, 1], [1, 1], [1, 1], [3, 1]]


def test_a_source_is_read_only_for_the_codes_its_readers_use():
    units = frame([(1, 0, 10), (2, 0, 10)])
    applied = frame([(1, 0, 10)], code=["A"])
    # source 1 read by a coder who uses only A; source 2 by one who uses every code
    Y, _ = unit_labels(units, ["A", "B"], applied, read_sources={1: {"A"}, 2: None})
    assert Y.tolist() == [[1, -1], [0, 0]]

