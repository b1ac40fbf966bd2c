"""Counting reads lean frames and keeps them between calls (issue 20, scale).

The counts are checked against a count made here in plain Python from the codings file
the project was built from (sets of excerpts, sources and cases), not against the
code's own earlier output; the cache is checked by writing and asking again.
"""
from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode import Project
from qualcode.store import frames

ROLES = ["CEO", "Mentor", "Trustee"]
CODES = ["Impact", "Impact/Confidence", "Impact/Leadership", "Issues", "Issues/Governance",
         "Issues/Governance/Board relations", "Issues/Funding"]


def _build(folder: Path, seed: int = 7) -> tuple[Project, list[dict], dict[str, str | None], dict[str, str]]:
    """A project of 12 cases x 2 waves (plus a source with no case)
    and ~400 codings by two coders; returns it with the codings as written."""
    rng = random.Random(seed)
    project = Project.create(folder / "study.qcproj", title="Counting")
    (folder / "in").mkdir()
    case_of: dict[str, str | None] = {}
    role_of: dict[str, str] = {}
    for i in range(12):
        case = f"P{i:02d}"
        role_of[case] = ROLES[i % 3]
        for wave in ("1", "2"):
            name = f"{case} wave {wave}"
            words = " ".join(rng.choice(["board", "funding", "we", "really", "think"]) for _ in range(400))
            (folder / "in" / f"{name}.txt").write_text(words, encoding="utf-8")
            case_of[name] = case
    (folder / "in" / "Notes.txt").write_text(" ".join(rng.choice(["note", "memo"]) for _ in range(400)), encoding="utf-8")
    case_of["Notes"] = None
    project.ingest(folder / "in", progress=False)
    (folder / "cases.csv").write_text("case,role\n" + "".join(f"{c},{r}\n" for c, r in role_of.items()), encoding="utf-8")
    project.import_descriptors(folder / "cases.csv", key="case")
    sources = project.sources()
    with project.database.begin() as conn:  # sources named "<case> wave <n>" belong to that case
        from qualcode.store import schema

        ids = {r.name: r.id for r in conn.execute(schema.cases.select())}
        for row in sources.itertuples():
            case = case_of[row.source]
            wave = row.source[-1] if case else "1"  # (a source with no wave is the bad-input half's case)
            conn.execute(schema.sources.update().where(schema.sources.c.id == row.source_id)
                         .values(case_id=ids[case] if case else None, wave=wave))
    for path in CODES:
        project.add_code(path)
    codings: list[dict] = []
    seen = set()
    names = sorted(case_of)
    for _ in range(400):
        source = rng.choice(names[:-3]) if rng.random() < 0.9 else rng.choice(names)
        start = rng.randrange(0, 1500, 10)
        row = {"source": source, "start": start, "end": start + rng.randrange(5, 300),
               "code": rng.choice(CODES), "coder": rng.choice(["anna", "ben"]), "weight": rng.choice([1, 2, 3])}
        key = (row["source"], row["start"], row["end"], row["code"], row["coder"])
        if key not in seen:
            seen.add(key)
            codings.append(row)
    pd.DataFrame(codings).to_csv(folder / "codings.csv", index=False)
    project.import_codings(folder / "codings.csv")
    waves = {name: (name[-1] if case_of[name] else "1") for name in names}
    return project, codings, case_of, waves


@pytest.fixture
def built(tmp_path: Path):
    project, codings, case_of, waves = _build(tmp_path)
    yield project, codings, case_of, waves
    project.close()


def _descendants(code: str) -> list[str]:
    return [c for c in CODES if c == code or c.startswith(code + "/")]


def _hand_frequencies(codings: list[dict], case_of: dict, coder: str | None = None) -> pd.DataFrame:
    rows = [c for c in codings if coder is None or c["coder"] == coder]
    material_cases = {case_of[c["source"]] for c in codings} - {None}  # excerpts exist whoever coded them
    out = []
    for code in CODES:
        explicit = [c for c in rows if c["code"] == code]
        summed = [c for c in rows if c["code"] in _descendants(code)]
        def counts(chosen: list[dict]) -> tuple[int, int, int]:
            excerpts = {(c["source"], c["start"], c["end"]) for c in chosen}
            return (len(excerpts), len({c["source"] for c in chosen}),
                    len({case_of[c["source"]] for c in chosen} - {None}))
        ex, src, cas = counts(explicit)
        ex_s, src_s, cas_s = counts(summed)
        out.append({"code": code, "applications": len(explicit), "excerpts": ex, "sources": src, "cases": cas,
                    "pct_cases": 100.0 * cas / len(material_cases), "excerpts_sum": ex_s, "sources_sum": src_s,
                    "cases_sum": cas_s, "pct_cases_sum": 100.0 * cas_s / len(material_cases),
                    "case_base": len(material_cases)})
    return pd.DataFrame(out)


def test_frequencies_match_a_hand_count(built):
    project, codings, case_of, _ = built
    got = project.frequencies().set_index("code")
    want = _hand_frequencies(codings, case_of).set_index("code")
    for column in want.columns:
        assert got.loc[want.index, column].tolist() == pytest.approx(want[column].tolist()), column


def test_coder_filter_keeps_every_case_with_material_in_the_base(built):
    project, codings, case_of, _ = built
    got = project.frequencies(coder="ben").set_index("code")
    want = _hand_frequencies(codings, case_of, coder="ben").set_index("code")
    for column in ("excerpts", "cases", "pct_cases", "excerpts_sum", "cases_sum", "case_base"):
        assert got.loc[want.index, column].tolist() == pytest.approx(want[column].tolist()), column


def test_crosstab_by_role_and_wave_change_match_a_hand_count(built):
    project, codings, case_of, waves = built
    role = {c: r for c, r in zip(project.descriptors()["case"], project.descriptors()["role"])}
    table = project.crosstab("role", child_sum=True).set_index(["code", "role"])
    for code in CODES:
        for group in ROLES:
            chosen = {case_of[c["source"]] for c in codings
                      if c["code"] in _descendants(code) and case_of[c["source"]] and role[case_of[c["source"]]] == group}
            base = {case_of[c["source"]] for c in codings if case_of[c["source"]] and role[case_of[c["source"]]] == group}
            assert table.loc[(code, group), "cases"] == len(chosen)
            assert table.loc[(code, group), "group_cases"] == len(base)
    change = project.wave_change("1", "2").set_index("code")
    for code in CODES:
        by_wave = {w: {case_of[c["source"]] for c in codings if c["code"] == code and waves[c["source"]] == w} - {None}
                   for w in ("1", "2")}
        base = {w: {case_of[c["source"]] for c in codings if waves[c["source"]] == w} - {None} for w in ("1", "2")}
        assert change.loc[code, "both"] == len(by_wave["1"] & by_wave["2"])
        assert change.loc[code, "only_second"] == len(by_wave["2"] - by_wave["1"])
        assert change.loc[code, "base_first"] == len(base["1"]) and change.loc[code, "base_second"] == len(base["2"])


def test_counting_frame_has_the_same_rows_as_the_full_frame(built):
    project = built[0]
    with project.database.connect() as conn:
        lean = frames.counting_applications(conn, "applied", ("start", "end", "weight", "final"))
    full = project.applications()
    assert len(lean) == len(full) > 300
    for column in ("excerpt_id", "source_id", "code_id", "start", "end", "final"):
        assert lean[column].tolist() == full[column].tolist(), column
    for column in ("source", "kind", "case", "wave", "code", "coder"):
        assert lean[column].astype(object).where(lean[column].notna(), None).tolist() == \
            full[column].astype(object).where(full[column].notna(), None).tolist(), column
    assert lean["weight"].fillna(-1).tolist() == full["weight"].fillna(-1).tolist()


def test_a_write_shows_in_the_next_count(built):
    project, codings, case_of, _ = built
    before = project.frequencies().set_index("code")
    assert project.frequencies().set_index("code").equals(before)  # from the kept frames
    project.code("P00 wave 1", "Issues/Funding", start=1900, end=1950, coder="carl")
    after = project.frequencies().set_index("code")
    assert after.loc["Issues/Funding", "excerpts"] == before.loc["Issues/Funding", "excerpts"] + 1
    assert after.loc["Issues/Funding", "applications"] == before.loc["Issues/Funding", "applications"] + 1


def test_a_write_by_another_process_shows_in_the_next_count(built, tmp_path: Path):
    project = built[0]
    before = project.crosstab("role").set_index(["code", "role"])["excerpts"]
    other = Project.open(tmp_path / "study.qcproj")  # a second connection, as the command line would be
    try:
        other.code("P01 wave 2", "Impact", start=1950, end=1990, coder="carl")
    finally:
        other.close()
    after = project.crosstab("role").set_index(["code", "role"])["excerpts"]
    assert after[("Impact", "Mentor")] == before[("Impact", "Mentor")] + 1


def test_a_failed_write_keeps_the_revision_and_the_cache(built):
    from qualcode.store import revision

    project = built[0]
    project.frequencies()
    with project.database.connect() as conn:
        first = revision.read(conn)
    with pytest.raises(RuntimeError):
        with project.database.begin() as conn:
            from qualcode.store import schema

            conn.execute(schema.applications.delete())
            raise RuntimeError("abandon the write")
    with project.database.connect() as conn:
        assert revision.read(conn) == first
    assert project.frequencies()["applications"].sum() > 300  # nothing was deleted
    project.add_code("Issues/Staffing")
    with project.database.connect() as conn:
        assert int(revision.read(conn)) == int(first) + 1
    assert "Issues/Staffing" in set(project.frequencies()["code"])


def test_rows_found_by_id_are_the_rows_an_index_finds() -> None:
    """``frames._positions`` spreads names over 10^6 codings by id: a look-up array for
    dense ids, hashing for sparse ones; both must find what ``pandas.Index`` finds,
    -1 for an id the table lacks (a negative one, one past the largest)."""
    from qualcode.store.frames import _positions

    rng = np.random.default_rng(7)
    for keys in (np.arange(1, 3001), rng.permutation(np.arange(5, 9000))[:2000], np.array([3, 10**12, 7])):
        table = pd.DataFrame({"id": keys, "name": [f"s{k}" for k in keys]})
        ids = np.concatenate([rng.choice(keys, 5000), [-5, 0, 10**13, 2, int(keys.max()) + 1]])
        assert np.array_equal(_positions(table, ids), pd.Index(table["id"]).get_indexer(ids))
    assert np.array_equal(_positions(pd.DataFrame({"id": []}), np.array([1, 2])), [0, 0])


def test_one_codes_excerpts_read_alone_are_the_rows_of_the_whole_frame(tmp_path: Path) -> None:
    """``excerpts(code)`` outside a report reads only that code's excerpts (not every
    text): the rows, columns and types must be those of the whole frame narrowed, and
    the excerpts those a plain query finds carrying the code (children included)."""
    from sqlalchemy import text

    project = _build(tmp_path)[0]
    try:
        with project.cached():  # inside a report: the whole frame, read once
            whole = {path: project.excerpts(path) for path in project.codes()["path"]}
            whole_by_coder = project.excerpts(coder="anna")
            nowhere = project.excerpts("Impact", where={"role": ["nobody"]})
        for path, expected in whole.items():
            alone = project.excerpts(path)
            pd.testing.assert_frame_equal(alone, expected)
            with project.database.connect() as conn:
                ids = {r[0] for r in conn.execute(text(
                    "SELECT DISTINCT a.excerpt_id FROM applications a JOIN codes c ON a.code_id = c.id "
                    "WHERE a.status = 'applied' AND (c.path = :p OR c.path LIKE :p || '/%')"), {"p": path})}
            assert set(alone["excerpt_id"]) == ids, path
        assert not whole_by_coder.empty
        pd.testing.assert_frame_equal(project.excerpts(coder="anna"), whole_by_coder)
        pd.testing.assert_frame_equal(project.excerpts("Impact", where={"role": ["nobody"]}), nowhere)
        project.add_code("Unused")
        with project.cached():
            empty_whole = project.excerpts("Unused")
        empty = project.excerpts("Unused")
        assert empty.empty
        pd.testing.assert_frame_equal(empty, empty_whole)  # the same columns and types, no rows
    finally:
        project.close()


@pytest.mark.parametrize("shape", ["sorted", "nearly sorted", "shuffled", "repeats", "one"])
def test_excerpts_are_numbered_in_order_of_first_appearance(shape: str) -> None:
    """The incidence numbers excerpts as ``pd.factorize`` does (tables list sources and
    cases in order of first appearance), whichever way the ids come."""
    import numpy as np

    from qualcode.analysis._matrix import _numbered_in_order

    rng = np.random.default_rng(3)
    ids = np.sort(rng.integers(0, 50_000, 20_000))
    if shape == "nearly sorted":
        ids[rng.integers(0, len(ids), 50)] = rng.integers(0, 50_000, 50)
    elif shape == "shuffled":
        rng.shuffle(ids)
    elif shape == "repeats":
        ids = np.repeat(ids[:500], 7)
        ids[::13] = ids[::13][::-1]
    elif shape == "one":
        ids = ids[:1]
    codes, uniques = _numbered_in_order(pd.Series(ids))
    want_codes, want_uniques = pd.factorize(ids, sort=False)
    assert np.array_equal(codes, want_codes) and np.array_equal(uniques, want_uniques)


def test_child_sum_excerpt_counts_match_a_hand_count() -> None:
    """Per code, the excerpts carrying it or any descendant, each once (the child-sum
    "excerpts" column), counted here with sets of paths for excerpts with one code and
    with several under one parent."""
    from qualcode.analysis._matrix import Cells, rolled_column_cells
    from qualcode.analysis._tree import code_table

    table = code_table(None, pd.DataFrame({"path": CODES, "position": range(len(CODES))}))
    paths = table["code"].tolist()
    rng = np.random.default_rng(11)
    for _ in range(50):
        n_rows = int(rng.integers(1, 40))
        rows = rng.integers(0, n_rows, int(rng.integers(0, 120)))
        cols = rng.integers(0, len(paths), len(rows))
        cells = Cells.distinct(rows, cols, (n_rows, len(paths)))
        per_row: dict[int, set[str]] = defaultdict(set)
        for r, c in zip(rows.tolist(), cols.tolist()):
            per_row[r].add(paths[c])
        want = [sum(any(p == code or p.startswith(code + "/") for p in codes) for codes in per_row.values())
                for code in paths]
        assert rolled_column_cells(cells, table).tolist() == want
