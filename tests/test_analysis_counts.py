"""Counting analyses checked against hand counts on a small, written-out study.

The study (every number below was counted by hand from this table, not by the code):

codebook            cases (descriptors)          sources
  Arenas              C1  role CEO,    online      S1  C1  wave 1
    Arenas/Self       C2  role CEO,    face        S2  C1  wave 2
    Arenas/Org        C3  role mentor, online      S3  C2  wave 1
  Issues              C4  role mentor, face        S4  C3  wave 2
    Issues/Funding    (C4 has no coded material)

excerpt source span     codes (coder anna unless noted; weight in brackets)
e1      S1     [0,10)   Self (3), Self by bob (5), Org
e2      S1     [5,20)   Funding
e3      S1     [30,40)  Self (7), Arenas
e4      S2     [0,10)   Funding, Self
e5      S3     [0,15)   Org
e6      S3     [10,25)  Funding (4)
e7      S4     [0,10)   Self
e8      S4     [20,30)  Issues

Overlapping excerpts (same source, spans intersect): e1-e2 (S1), e5-e6 (S3).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualcode.analysis import (
    code_application,
    code_by_descriptor,
    code_presence,
    code_weights,
    cooccurrence,
    cooccurrence_excerpts,
    cooccurrence_matrix,
    excerpts_per_source,
    frequencies,
    frequencies_by_wave,
    to_wide,
    top_priorities,
    wave_change,
)
from qualcode.errors import NotFoundError, UsageError

SELF, ORG, FUND = "Arenas/Self", "Arenas/Org", "Issues/Funding"

SOURCES = {  # source -> (source_id, case, wave)
    "S1": (1, "C1", "1"), "S2": (2, "C1", "2"), "S3": (3, "C2", "1"), "S4": (4, "C3", "2"),
}
EXCERPTS = {  # excerpt -> (source, start, end)
    1: ("S1", 0, 10), 2: ("S1", 5, 20), 3: ("S1", 30, 40), 4: ("S2", 0, 10),
    5: ("S3", 0, 15), 6: ("S3", 10, 25), 7: ("S4", 0, 10), 8: ("S4", 20, 30),
}
APPLIED = [  # (excerpt, code, coder, weight)
    (1, SELF, "anna", 3), (1, SELF, "bob", 5), (1, ORG, "anna", None),
    (2, FUND, "anna", None),
    (3, SELF, "anna", 7), (3, "Arenas", "anna", None),
    (4, FUND, "anna", None), (4, SELF, "anna", None),
    (5, ORG, "anna", None),
    (6, FUND, "anna", 4),
    (7, SELF, "anna", None),
    (8, "Issues", "anna", None),
]
CODE_IDS = {"Arenas": 1, SELF: 2, ORG: 3, "Issues": 4, FUND: 5}


def make_codebook() -> pd.DataFrame:
    rows = [
        (1, "Arenas", "Arenas", pd.NA, 0, "Arenas", 0),
        (2, SELF, "Self", 1, 1, "Arenas", 0),
        (3, ORG, "Org", 1, 1, "Arenas", 1),
        (4, "Issues", "Issues", pd.NA, 0, "Issues", 1),
        (5, FUND, "Funding", 4, 1, "Issues", 0),
    ]
    cb = pd.DataFrame(rows, columns=["code_id", "path", "name", "parent_id", "depth", "top", "position"])
    cb["parent_id"] = cb["parent_id"].astype("Int64")
    return cb


def make_apps() -> pd.DataFrame:
    rows = []
    for i, (ex, code, coder, weight) in enumerate(APPLIED, start=1):
        src, start, end = EXCERPTS[ex]
        sid, case, wave = SOURCES[src]
        rows.append({
            "application_id": i, "excerpt_id": ex, "source_id": sid, "source": src, "case": case,
            "wave": wave, "start": start, "end": end, "code_id": CODE_IDS[code], "code": code,
            "coder": coder, "weight": np.nan if weight is None else float(weight), "origin": "manual",
            "status": "applied", "confidence": np.nan,
        })
    return pd.DataFrame(rows)


def make_excerpts() -> pd.DataFrame:
    codes: dict[int, list[str]] = {}
    for ex, code, _, _ in APPLIED:
        codes.setdefault(ex, [])
        if code not in codes[ex]:
            codes[ex].append(code)
    rows = []
    for ex, (src, start, end) in EXCERPTS.items():
        sid, case, wave = SOURCES[src]
        rows.append({"excerpt_id": ex, "source_id": sid, "source": src, "kind": "transcript", "case": case,
                     "wave": wave, "start": start, "end": end, "text": f"text {ex}", "speaker": pd.NA,
                     "codes": "; ".join(codes.get(ex, []))})
    # an uncoded excerpt in S4, so "coded excerpts" differs from "excerpts"
    rows.append({"excerpt_id": 9, "source_id": 4, "source": "S4", "kind": "transcript", "case": "C3",
                 "wave": "2", "start": 40, "end": 50, "text": "text 9", "speaker": pd.NA, "codes": ""})
    return pd.DataFrame(rows)


def make_descriptors() -> pd.DataFrame:
    return pd.DataFrame({"case": ["C1", "C2", "C3", "C4"], "role": ["CEO", "CEO", "mentor", "mentor"],
                         "mode": ["online", "face", "online", "face"]})


@pytest.fixture
def apps() -> pd.DataFrame:
    return make_apps()


@pytest.fixture
def codebook() -> pd.DataFrame:
    return make_codebook()


def row(frame: pd.DataFrame, code: str, **where) -> pd.Series:
    sel = frame["code"] == code
    for k, v in where.items():
        sel &= frame[k] == v
    assert sel.sum() == 1, (code, where)
    return frame[sel].iloc[0]


# ---------------------------------------------------------------- frequencies

def test_frequencies_explicit_counts_match_hand_counts(apps, codebook):
    f = frequencies(apps, codebook)
    hand = {  # code: (applications, excerpts, sources, cases)
        "Arenas": (1, 1, 1, 1), SELF: (5, 4, 3, 2), ORG: (2, 2, 2, 2),
        "Issues": (1, 1, 1, 1), FUND: (3, 3, 3, 2),
    }
    for code, (n_apps, n_ex, n_src, n_cases) in hand.items():
        r = row(f, code)
        assert (r.applications, r.excerpts, r.sources, r.cases) == (n_apps, n_ex, n_src, n_cases), code


def test_child_sum_counts_each_excerpt_once_per_parent(apps, codebook):
    f = frequencies(apps, codebook)
    # Arenas: e1 (two children), e3 (parent + child), e4, e5, e7 -> 5 excerpts, not 7
    assert (row(f, "Arenas").excerpts_sum, row(f, "Arenas").sources_sum, row(f, "Arenas").cases_sum) == (5, 4, 3)
    # Issues: e2, e4, e6, e8
    assert (row(f, "Issues").excerpts_sum, row(f, "Issues").sources_sum, row(f, "Issues").cases_sum) == (4, 4, 3)
    # a leaf's child-sum equals its explicit count
    assert row(f, SELF).excerpts_sum == 4


def test_percent_of_cases_uses_explicit_base(apps, codebook):
    f = frequencies(apps, codebook)
    assert row(f, SELF).pct_cases == pytest.approx(100 * 2 / 3)
    assert row(f, "Arenas").pct_cases_sum == pytest.approx(100.0)
    assert (f["case_base"] == 3).all()
    f4 = frequencies(apps, codebook, base=["C1", "C2", "C3", "C4"])
    assert row(f4, SELF).pct_cases == pytest.approx(50.0)
    assert row(frequencies(apps, codebook, base=10), FUND).pct_cases == pytest.approx(20.0)
    with pytest.raises(UsageError):
        frequencies(apps, codebook, base=0)


def test_frequencies_keep_codebook_order_and_unused_codes(apps, codebook):
    extra = pd.concat([codebook, pd.DataFrame([{"code_id": 6, "path": "Issues/Governance", "name": "Governance",
                                                "parent_id": 4, "depth": 1, "top": "Issues", "position": 1}])])
    f = frequencies(apps, extra)
    assert list(f["code"]) == ["Arenas", SELF, ORG, "Issues", FUND, "Issues/Governance"]
    assert row(f, "Issues/Governance").excerpts == 0


def test_frequencies_without_codebook_derive_parents_from_paths(apps):
    f = frequencies(apps[apps["code"] != "Arenas"])
    assert row(f, "Arenas").excerpts == 0
    assert row(f, "Arenas").excerpts_sum == 5  # e1, e3 (still has Self), e4, e5, e7


def test_code_application_and_presence(apps, codebook):
    m = code_application(apps, codebook)
    assert m.loc[SELF].to_dict() == {"S1": 2, "S2": 1, "S3": 0, "S4": 1}
    assert m.loc[FUND].to_dict() == {"S1": 1, "S2": 1, "S3": 1, "S4": 0}
    p = code_presence(apps, codebook)
    assert p.loc[SELF].to_dict() == {"S1": 1, "S2": 1, "S3": 0, "S4": 1}
    by_case = code_application(apps, codebook, by="case", child_sum=True)
    assert by_case.loc["Arenas"].to_dict() == {"C1": 3, "C2": 1, "C3": 1}


def test_excerpts_per_source(apps):
    t = excerpts_per_source(make_excerpts(), apps).set_index("source")
    assert t["excerpts"].to_dict() == {"S1": 3, "S2": 1, "S3": 2, "S4": 3}
    assert t["coded_excerpts"].to_dict() == {"S1": 3, "S2": 1, "S3": 2, "S4": 2}
    assert t["applications"].to_dict() == {"S1": 6, "S2": 2, "S3": 2, "S4": 2}


# ---------------------------------------------------------------- co-occurrence

def test_same_excerpt_cooccurrence_and_jaccard(apps, codebook):
    m = cooccurrence_matrix(apps, codebook)
    assert m.loc[SELF, ORG] == 1 and m.loc[SELF, FUND] == 1 and m.loc[SELF, "Arenas"] == 1
    assert m.loc[ORG, FUND] == 0
    assert m.loc[SELF, SELF] == 4  # diagonal: excerpts with the code
    j = cooccurrence_matrix(apps, codebook, measure="jaccard")
    # Jaccard = |A and B| / |A or B| = 1 / (4 + 2 - 1)
    assert j.loc[SELF, ORG] == pytest.approx(1 / 5)
    long = cooccurrence(apps, codebook)
    pairs = {(r.code_a, r.code_b): r.excerpts for r in long.itertuples()}
    assert pairs == {("Arenas", SELF): 1, (SELF, ORG): 1, (SELF, FUND): 1}


def test_overlap_cooccurrence_counts_excerpts_touching(apps, codebook):
    m = cooccurrence_matrix(apps, codebook, overlap=True)
    # Self-Funding: e1 (Self, overlaps e2 Funding), e2 (Funding, overlaps e1 Self), e4 (both)
    assert m.loc[SELF, FUND] == 3
    # Org-Funding: e1-e2 and e5-e6 -> 4 excerpts
    assert m.loc[ORG, FUND] == 4
    assert m.loc[SELF, ORG] == 1  # only e1; e2 has neither
    j = cooccurrence_matrix(apps, codebook, overlap=True, measure="jaccard")
    assert j.loc[ORG, FUND] == pytest.approx(4 / (2 + 3 - 0))


def test_cooccurrence_excerpts_lists_the_cell(apps, codebook):
    ex = make_excerpts()
    same = cooccurrence_excerpts(apps, SELF, FUND, codebook, excerpts=ex)
    assert list(same["excerpt_id"]) == [4]
    assert list(same["text"]) == ["text 4"]
    over = cooccurrence_excerpts(apps, "Org", "Funding", codebook, overlap=True)
    assert sorted(over["excerpt_id"]) == [1, 2, 5, 6]
    partners = dict(zip(over["excerpt_id"], over["partners"]))
    assert partners == {1: [2], 2: [1], 5: [6], 6: [5]}
    with pytest.raises(NotFoundError):
        cooccurrence_excerpts(apps, "Nope", FUND, codebook)


def _random_apps(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    codes = ["A", "A/x", "A/y", "B", "B/z", "C"]
    for ex in range(60):
        src = int(rng.integers(0, 5))
        start = int(rng.integers(0, 50))
        end = start + int(rng.integers(0, 15))  # empty spans included
        for code in rng.choice(codes, size=int(rng.integers(1, 4)), replace=True):
            rows.append({"excerpt_id": ex, "source_id": src, "source": f"s{src}", "case": f"c{src % 3}",
                         "wave": "1", "start": start, "end": end, "code": str(code), "code_id": 0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("overlap", [False, True])
def test_cooccurrence_matches_brute_force_pair_loop(seed, overlap):
    apps = _random_apps(seed)
    spans = {r.excerpt_id: (r.source_id, r.start, r.end) for r in apps.drop_duplicates("excerpt_id").itertuples()}
    codes_of = apps.groupby("excerpt_id")["code"].agg(set).to_dict()
    # brute force: every ordered pair of excerpts, same source and max(start) < min(end)
    nbrs = {i: [j for j in spans if i == j or (spans[i][0] == spans[j][0]
                                               and max(spans[i][1], spans[j][1]) < min(spans[i][2], spans[j][2]))]
            for i in spans}

    m = cooccurrence_matrix(apps, overlap=overlap)
    for ia, ca in enumerate(m.index):
        for cb in m.columns[ia + 1:]:
            count = 0
            for i in codes_of:
                partner = cb if ca in codes_of[i] else (ca if cb in codes_of[i] else None)
                if partner is None:
                    continue
                if not overlap:
                    count += ca in codes_of[i] and cb in codes_of[i]
                else:
                    other = {cb} if ca in codes_of[i] else set()
                    if cb in codes_of[i]:
                        other.add(ca)
                    count += any(other & codes_of[j] for j in nbrs[i])
            assert m.loc[ca, cb] == count == m.loc[cb, ca], (ca, cb)
            listed = cooccurrence_excerpts(apps, ca, cb, overlap=overlap)
            assert len(listed) == count


# ---------------------------------------------------------------- crosstab

def test_code_by_role_counts_percent_and_normalisation(apps, codebook):
    t = code_by_descriptor(apps, "role", make_descriptors(), codebook)
    ceo, mentor = row(t, SELF, role="CEO"), row(t, SELF, role="mentor")
    assert (ceo.excerpts, ceo.cases, ceo.group_cases) == (3, 1, 2)
    assert (mentor.excerpts, mentor.cases, mentor.group_cases) == (1, 1, 1)
    assert ceo.pct_cases == pytest.approx(50.0) and mentor.pct_cases == pytest.approx(100.0)
    # Dedoose: count * largest group size / group size -> CEO 3 * 2/2, mentor 1 * 2/1
    assert ceo.excerpts_normalised == pytest.approx(3.0) and mentor.excerpts_normalised == pytest.approx(2.0)
    fund = row(t, FUND, role="mentor")
    assert (fund.excerpts, fund.cases) == (0, 0)
    assert row(t, FUND, role="CEO").pct_cases == pytest.approx(100.0)


def test_crosstab_base_list_counts_uncoded_cases(apps, codebook):
    t = code_by_descriptor(apps, "role", make_descriptors(), codebook, base=["C1", "C2", "C3", "C4"])
    assert row(t, SELF, role="mentor").group_cases == 2  # C3 and the uncoded C4
    assert row(t, SELF, role="mentor").pct_cases == pytest.approx(50.0)
    with pytest.raises(UsageError):
        code_by_descriptor(apps, "wave", make_descriptors(), codebook, base=["C1"])


def test_descriptor_by_descriptor_by_code(apps, codebook):
    t = code_by_descriptor(apps, ["role", "mode"], make_descriptors(), codebook, child_sum=True)
    r = row(t, "Issues", role="CEO", mode="face")  # C2: e6 Funding
    assert (r.excerpts, r.cases, r.group_cases) == (1, 1, 1)
    r = row(t, "Arenas", role="CEO", mode="online")  # C1: e1, e3, e4
    assert (r.excerpts, r.cases) == (3, 1)
    wide = to_wide(t, "excerpts")
    assert wide.loc["Arenas", ("CEO", "online")] == 3


def test_frequencies_by_wave_and_change(apps, codebook):
    t = frequencies_by_wave(apps, codebook)
    w1, w2 = row(t, SELF, wave="1"), row(t, SELF, wave="2")
    assert (w1.excerpts, w1.cases, w1.group_cases) == (2, 1, 2)
    assert (w2.excerpts, w2.cases, w2.group_cases) == (2, 2, 2)
    c = wave_change(apps, "1", "2", codebook).set_index("code")
    assert tuple(c.loc[SELF, ["cases_first", "cases_second", "both", "only_first", "only_second"]]) == (1, 2, 1, 0, 1)
    assert c.loc[SELF, "pct_change"] == pytest.approx(50.0)
    assert tuple(c.loc[FUND, ["both", "only_first", "only_second"]]) == (1, 1, 0)
    assert c.loc[FUND, "pct_change"] == pytest.approx(-50.0)
    paired = wave_change(apps, "1", "2", codebook, paired=True).set_index("code")
    # only C1 has material in both waves
    assert tuple(paired.loc[FUND, ["cases_first", "cases_second", "base_first"]]) == (1, 1, 1)
    with pytest.raises(UsageError):
        wave_change(apps, "1", "3", codebook)


def test_weights_by_code_and_group(apps, codebook):
    w = code_weights(apps, codebook=codebook)
    s = row(w, SELF)
    assert (s.applications, s.n, s["mean"], s["min"], s["max"]) == (5, 3, 5.0, 3.0, 7.0)
    g = code_weights(apps, "role", make_descriptors(), codebook)
    assert row(g, FUND, role="CEO")["mean"] == 4.0
    assert row(g, SELF, role="mentor").n == 0


# ---------------------------------------------------------------- priorities

def test_top_priorities_rank_by_cases_then_excerpts(apps, codebook):
    p = top_priorities(apps, codebook)
    assert list(p["code"]) == ["Arenas", "Issues", SELF, FUND, ORG]
    assert list(p["rank"]) == [1, 2, 3, 4, 5]
    explicit = top_priorities(apps, codebook, child_sum=False)
    assert list(explicit["code"][:3]) == [SELF, FUND, ORG]
    tied = explicit[explicit["code"].isin(["Arenas", "Issues"])]
    assert list(tied["rank"]) == [4, 4]  # 1 case and 1 excerpt each
    assert list(top_priorities(apps, codebook, branch="Arenas")["code"]) == [SELF, ORG]
    assert list(top_priorities(apps, codebook, depth=1, n=2)["code"]) == [SELF, FUND]


# ---------------------------------------------------------------- filters

def test_filters_by_descriptor_wave_and_code(apps, codebook):
    from qualcode.analysis import filter_codes, filter_where

    desc = make_descriptors()
    ceo = filter_where(apps, {"role": "CEO"}, desc)
    assert set(ceo["case"]) == {"C1", "C2"} and len(ceo) == 10  # C1: 3+1+2+2 rows, C2: 1+1
    assert "role" not in ceo.columns
    ex = filter_where(make_excerpts(), {"role": "CEO", "wave": ["1"]}, desc)
    assert sorted(ex["excerpt_id"]) == [1, 2, 3, 5, 6]
    assert set(filter_where(apps, {"role": lambda s: s.str.startswith("m")}, desc)["case"]) == {"C3"}
    assert len(filter_codes(apps, "Arenas", codebook)) == 8  # Arenas 1 + Self 5 + Org 2
    assert len(filter_codes(apps, "Arenas", codebook, descendants=False)) == 1
    with pytest.raises(UsageError):
        filter_where(apps, {"region": "N"}, desc)


def test_filtered_frequencies_with_matching_base(apps, codebook):
    from qualcode.analysis import filter_where

    desc = make_descriptors()
    where = {"role": "mentor"}
    mentors = filter_where(apps, where, desc)
    base = filter_where(desc, where)  # every mentor case, coded or not: C3, C4
    f = frequencies(mentors, codebook, base=base)
    assert row(f, SELF).cases == 1 and row(f, SELF).pct_cases == pytest.approx(50.0)
    assert row(f, FUND).excerpts == 0


def test_crosstab_base_frame_for_per_source_fields(apps, codebook):
    ex = make_excerpts()
    t = code_by_descriptor(apps, ["role", "wave"], make_descriptors(), codebook, base=ex)
    # base from excerpts: CEO wave 1 = C1 (S1), C2 (S3); mentor wave 2 = C3 (S4)
    assert row(t, SELF, role="CEO", wave="1").group_cases == 2
    assert row(t, SELF, role="mentor", wave="2").group_cases == 1
    assert row(t, SELF, role="CEO", wave="2").excerpts == 1  # e4
    assert set(zip(t["role"], t["wave"])) == {("CEO", "1"), ("CEO", "2"), ("mentor", "2")}


def test_cooccurrence_diagonal_is_the_frequency_and_jaccard_bounded():
    apps = _random_apps(11)
    f = frequencies(apps).set_index("code")
    for child_sum, col in ((False, "excerpts"), (True, "excerpts_sum")):
        m = cooccurrence_matrix(apps, child_sum=child_sum)
        assert (np.diag(m.to_numpy()) == f.loc[m.index, col].to_numpy()).all()
        j = cooccurrence_matrix(apps, overlap=True, child_sum=child_sum, measure="jaccard").to_numpy()
        assert np.nanmin(j) >= 0 and np.nanmax(j) <= 1


def test_excerpts_with_codes(apps, codebook):
    from qualcode.analysis import excerpts_with_codes

    ex = excerpts_with_codes(make_excerpts(), apps, "Issues", codebook)
    assert sorted(ex["excerpt_id"]) == [2, 4, 6, 8]
    assert sorted(excerpts_with_codes(make_excerpts(), apps, "Issues", codebook, descendants=False)["excerpt_id"]) == [8]
