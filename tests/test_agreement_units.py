"""Unitisation rules: excerpt, segment and character level, on hand-made spans."""
from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.coding.agreement.measure import agreement, presence
from qualcode.coding.agreement.units import (
    excerpt_presence, prepare_applications, segment_presence, source_coverage,
)
from qualcode.coding.agreement.intervals import overlap_pairs, union_length


def apps_frame(rows) -> pd.DataFrame:
    """rows: (source_id, start, end, code, coder[, weight]); excerpt ids numbered by span."""
    df = pd.DataFrame([r if len(r) == 6 else (*r, np.nan) for r in rows],
                      columns=["source_id", "start", "end", "code", "coder", "weight"])
    df.insert(0, "excerpt_id", df.groupby(["source_id", "start", "end"]).ngroup() + 1)
    return df


def cells(table) -> dict:
    """{(unit_id, code, coder): 0/1/None} from the full table."""
    full = table.to_frame()
    return {(u, c, k): (None if pd.isna(p) else int(p)) for u, c, k, p in
            zip(full["unit_id"], full["code"], full["coder"], full["present"])}


# --------------------------------------------------------------------------- excerpt level
def test_excerpt_level_absent_means_coded_the_source_but_not_the_excerpt():
    apps = apps_frame([
        (1, 0, 10, "X", "ann"), (1, 0, 10, "X", "ben"),
        (1, 10, 20, "Y", "ann"),                       # ben coded source 1 but not this excerpt: absent
        (2, 0, 10, "X", "ann"),                        # ben never coded source 2: not compared
    ])
    prepared, coders = prepare_applications(apps, None)
    table = excerpt_presence(prepared, coders, source_coverage(prepared, coders))
    assert list(table.units["source_id"]) == [1, 1]
    got = cells(table)
    assert got[(1, "X", "ann")] == 1 and got[(1, "X", "ben")] == 1
    assert got[(2, "Y", "ann")] == 1 and got[(2, "Y", "ben")] == 0
    assert got[(2, "X", "ben")] == 0 and got[(1, "Y", "ben")] == 0


def test_excerpt_level_missing_coder_is_missing_data_when_not_all_required():
    apps = apps_frame([(1, 0, 10, "X", "ann"), (1, 0, 10, "X", "ben"), (2, 0, 10, "X", "ann"),
                       (2, 0, 10, "X", "cat")])
    prepared, coders = prepare_applications(apps, None)
    table = excerpt_presence(prepared, coders, source_coverage(prepared, coders), require_all=False)
    got = cells(table)
    assert got[(1, "X", "cat")] is None and got[(2, "X", "ben")] is None
    assert got[(2, "X", "cat")] == 1
    strict = excerpt_presence(prepared, coders, source_coverage(prepared, coders), require_all=True)
    assert len(strict.units) == 0


def test_same_span_under_two_excerpt_ids_is_one_unit():
    apps = apps_frame([(1, 0, 10, "X", "ann"), (1, 0, 10, "X", "ben")])
    apps.loc[1, "excerpt_id"] = 99  # e.g. merged from ben's copy of the project
    result = agreement(apps)
    assert result.per_code.loc[0, "both"] == 1 and result.per_code.loc[0, "n_units"] == 1


def test_explicit_units_and_sources_count_uncoded_excerpts_and_silent_coders():
    apps = apps_frame([(1, 0, 10, "X", "ann"), (1, 0, 10, "X", "ben"), (2, 0, 5, "X", "ann")])
    units = pd.DataFrame({"excerpt_id": [1, 2, 3], "source_id": [1, 1, 2], "start": [0, 10, 0], "end": [10, 20, 5]})
    # default: ben made no coding in source 2, so it is out of the comparison
    default = agreement(apps, units=units)
    assert default.per_code.loc[0, "n_units"] == 2
    # listing both sources says ben did code source 2 and found nothing
    listed = agreement(apps, units=units, sources=[1, 2])
    row = listed.per_code.iloc[0]
    assert (row["both"], row["only_a"], row["only_b"], row["neither"]) == (1, 1, 0, 1)


def test_sources_frame_says_who_coded_what():
    apps = apps_frame([(1, 0, 10, "X", "ann"), (2, 0, 10, "X", "ben")])
    who = pd.DataFrame({"coder": ["ann", "ben", "ben"], "source_id": [1, 1, 2]})
    result = agreement(apps, sources=who, require_all=False)
    row = result.per_code.iloc[0]
    # source 1: ann X, ben nothing; source 2: only ben coded it -> unpairable, left out
    assert (row["both"], row["only_a"], row["only_b"], row["neither"]) == (0, 1, 0, 0)


def test_repeated_application_is_one_mark_with_the_mean_weight():
    apps = apps_frame([(1, 0, 10, "X", "ann", 4), (1, 0, 10, "X", "ann", 6), (1, 0, 10, "X", "ben", np.nan),
                       (1, 10, 20, "X", "ben", 3)])
    full = presence(apps).to_frame().set_index(["unit_id", "code", "coder"])
    assert len(full) == 4  # 2 units x 1 code x 2 coders
    assert full.loc[(1, "X", "ann"), "weight"] == 5 and full.loc[(1, "X", "ann"), "present"] == 1
    assert np.isnan(full.loc[(1, "X", "ben"), "weight"]) and full.loc[(1, "X", "ben"), "present"] == 1
    assert full.loc[(2, "X", "ann"), "present"] == 0 and full.loc[(2, "X", "ben"), "weight"] == 3


def test_suggestions_and_other_statuses_are_not_decisions():
    apps = apps_frame([(1, 0, 10, "X", "ann"), (1, 0, 10, "X", "ben"), (1, 10, 20, "Y", "ben")])
    apps["status"] = ["applied", "applied", "suggested"]
    assert list(agreement(apps).per_code["code"]) == ["X"]


# --------------------------------------------------------------------------- segment level
UNITS = pd.DataFrame({"unit_id": [1, 2, 3, 4], "source_id": [1] * 4,
                      "start": [0, 20, 50, 60], "end": [20, 50, 60, 100]})
SPANS = apps_frame([
    (1, 5, 10, "X", "ann"),    # u1: 5 of 20 characters
    (1, 25, 35, "X", "ann"),   # u2: 10 of 30 ...
    (1, 45, 55, "X", "ann"),   # ... plus 5 -> 15 of 30 = .5; u3: 5 of 10 = .5
    (1, 19, 21, "X", "ben"),   # u1: 1 of 20, u2: 1 of 30
    (1, 60, 100, "Y", "ben"),  # u4 whole
    (1, 10, 20, "Y", "ann"),   # ends where u2 starts: touches u2 but does not overlap it
])


def marked(min_overlap: float) -> set:
    prepared, coders = prepare_applications(SPANS, None)
    table = segment_presence(prepared, coders, source_coverage(prepared, coders), UNITS, min_overlap=min_overlap)
    return {(u, c, k) for (u, c, k), p in cells(table).items() if p == 1}


def test_segment_any_overlap_marks_the_unit_and_touching_does_not():
    assert marked(0.0) == {
        (1, "X", "ann"), (2, "X", "ann"), (3, "X", "ann"),
        (1, "X", "ben"), (2, "X", "ben"),
        (4, "Y", "ben"), (1, "Y", "ann"),
    }


def test_segment_min_overlap_uses_the_union_of_a_coders_spans():
    # at .5: u2 is marked by ann only because her two spans together cover 15 of 30
    assert marked(0.5) == {(2, "X", "ann"), (3, "X", "ann"), (4, "Y", "ben"), (1, "Y", "ann")}
    # ann's Y span covers exactly half of u1 (10 of 20): marked at .5, not above
    assert marked(0.51) == {(4, "Y", "ben")}


def test_segment_applications_outside_every_unit_are_counted():
    units = UNITS[UNITS["unit_id"] != 4]
    result = agreement(SPANS, unit="segment", units=units)
    assert result.pooled["n_outside"] == 1  # ben's Y span lies in the unsegmented tail


def test_overlap_pairs_with_nested_units():
    # units [0,50) [10,20) [40,60); spans [15,16) [55,58) [45,46) [20,40)
    span_idx, unit_idx, shared = overlap_pairs([15, 55, 45, 20], [16, 58, 46, 40], [0, 10, 40], [50, 20, 60])
    got = sorted(zip(span_idx.tolist(), unit_idx.tolist(), shared.tolist()))
    assert got == [(0, 0, 1), (0, 1, 1), (1, 2, 3), (2, 0, 1), (2, 2, 1), (3, 0, 20)]


def test_union_length_counts_overlaps_once():
    assert union_length([0, 0, 0, 1], [0, 3, 10, 0], [5, 8, 12, 4], 2).tolist() == [10, 4]


# --------------------------------------------------------------------------- character level
def brute_force(rows, lengths, coders, codes):
    """Per-character presence arrays built one character at a time (the slow, obvious way)."""
    cover = {}
    for s, length in lengths.items():
        for code in codes:
            for coder in coders:
                cover[s, code, coder] = np.zeros(length, dtype=int)
    for s, a, b, code, coder in rows:
        for i in range(a, b):
            cover[s, code, coder][i] = 1
    return cover


spans = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 30), st.integers(1, 12), st.sampled_from("XYZ"),
              st.sampled_from(["ann", "ben", "cat"])),
    min_size=2, max_size=25,
)


@settings(max_examples=120, deadline=None)
@given(spans, st.integers(0, 10))
def test_char_level_counts_and_alpha_match_per_character_brute_force(raw, slack):
    rows = [(s, a, a + w, code, coder) for s, a, w, code, coder in raw]
    coders = sorted({r[4] for r in rows})
    if len(coders) < 2:
        return
    codes = sorted({r[3] for r in rows})
    lengths = {s: max(r[2] for r in rows if r[0] == s) + slack for s in {r[0] for r in rows}}
    apps = apps_frame(rows)
    listed = sorted(lengths)  # every coder coded every source
    result = agreement(apps, unit="char", sources=listed, source_lengths=lengths)
    cover = brute_force(rows, lengths, coders, codes)
    for row in result.pairwise.itertuples(index=False):
        a = np.concatenate([cover[s, row.code, row.coder_a] for s in listed])
        b = np.concatenate([cover[s, row.code, row.coder_b] for s in listed])
        assert (row.both, row.only_a, row.only_b, row.neither) == (
            np.sum(a & b), np.sum(a & (1 - b)), np.sum((1 - a) & b), np.sum((1 - a) & (1 - b)))
    for row in result.per_code.itertuples(index=False):
        data = np.array([np.concatenate([cover[s, row.code, c] for s in listed]) for c in coders], dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=[0, 1])
        if np.isnan(expected):
            assert np.isnan(row.alpha)
        else:
            assert row.alpha == pytest.approx(expected, abs=1e-9)
    # the disagreement list covers exactly the characters where coders differ
    disputed = set()
    for (s, code, _), _arr in cover.items():
        stack = np.array([cover[s, code, c] for c in coders])
        disputed |= {(s, code, i) for i in np.flatnonzero(stack.min(axis=0) != stack.max(axis=0))}
    listed_chars = {(r.source_id, r.disputed, i) for r in result.disagreements.itertuples(index=False)
                    for i in range(r.start, r.end)}
    assert listed_chars == disputed


def test_char_level_falls_back_to_last_coded_character_without_lengths():
    apps = apps_frame([(1, 0, 10, "X", "ann"), (1, 5, 10, "X", "ben")])
    row = agreement(apps, unit="char").per_code.iloc[0]
    assert (row["both"], row["only_a"], row["only_b"], row["neither"]) == (5, 5, 0, 0)
    row = agreement(apps, unit="char", source_lengths={1: 30}).per_code.iloc[0]
    assert row["neither"] == 20
    texts = {1: "abcdefghij" + "." * 10}
    result = agreement(apps, unit="char", source_texts=texts)
    assert result.per_code.iloc[0]["neither"] == 10
    assert result.disagreements.loc[0, "text"] == "abcde"
