"""Text search: which units say the words, where the marks go, counts by group, coding the hits.

Every expected hit below is read off the texts by hand.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.search.counts import search_hits_by
from qualcode.cli import cli
from qualcode.search.passages import in_context
from qualcode.errors import UsageError

CEO_01 = """Interviewer: Tell me about the board and the trustees.

CEO-01: Our Boards met twice this year. The board
meeting in May ran late. I kept it in confidence from the trustees.

Interviewer: And money?

CEO-01: Reserves are low. Our reserve policy says six months.
"""

CEO_02 = """Interviewer: What changed?

CEO-02: Nothing on the board. I mentor two new managers now.
"""

MENTOR_01 = """Interviewer: What did you do?

Mentor-01: Mentoring her was a joy. The trustees asked me to stay.
"""

CODEBOOK = """\
codebook: search
codes:
  - name: Governance
  - name: Finance
"""

PEOPLE = "participant,role,cohort\nCEO-01,CEO,A\nCEO-02,CEO,B\nMentor-01,Mentor,A\n"


@pytest.fixture
def searchable(tmp_path: Path) -> Project:
    folder = tmp_path / "interviews"
    folder.mkdir()
    for name, text in (("CEO-01", CEO_01), ("CEO-02", CEO_02), ("Mentor-01", MENTOR_01)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = Project.create(tmp_path / "search.qcproj")
    project.ingest(folder, kind="transcript", progress=False)
    project.import_descriptors(tmp_path / "people.csv", key="participant")
    project.import_codebook(tmp_path / "codebook.yaml")
    yield project
    project.close()


def _found(hits: pd.DataFrame) -> list[tuple[str, str]]:
    return [(s, " ".join(t.split())) for s, t in zip(hits["source"], hits["text"])]


def test_words_match_by_lemma_across_line_breaks_and_skip_the_interviewer(searchable):
    hits = searchable.search_text("board")
    # "Boards" and "board" (twice in one sentence counts once); the interviewer's "board" is skipped
    assert _found(hits) == [
        ("CEO-01", "Our Boards met twice this year."),
        ("CEO-01", "The board meeting in May ran late."),
        ("CEO-02", "Nothing on the board."),
    ]
    phrase = searchable.search_text("board meeting")  # the phrase spans a line break
    # lemmas: "meeting" and "met" both have the key "meet", as in codebook keywords
    assert _found(phrase) == [("CEO-01", "Our Boards met twice this year."),
                              ("CEO-01", "The board meeting in May ran late.")]
    assert phrase["context"].tolist()[1] == "The «board meeting» in May ran late."
    with_interviewer = searchable.search_text("board", include_interviewer=True)
    assert len(with_interviewer) == 4


def test_offsets_point_at_the_unit_in_the_source_and_marks_sit_on_the_words(searchable):
    hits = searchable.search_text(["mentor", "reserve"])
    assert _found(hits) == [
        ("CEO-01", "Reserves are low."),
        ("CEO-01", "Our reserve policy says six months."),
        ("CEO-02", "I mentor two new managers now."),
        ("Mentor-01", "Mentoring her was a joy."),
    ]
    for row in hits.itertuples():
        assert searchable.source_text(row.source)[row.start:row.end] == row.text
    assert hits["context"].tolist() == [
        "«Reserves» are low.",
        "Our «reserve» policy says six months.",
        "I «mentor» two new managers now.",
        "«Mentoring» her was a joy.",
    ]
    assert hits["matched"].tolist() == ["reserve", "reserve", "mentor", "mentor"]


def test_exclusions_min_matches_regex_case_and_where(searchable):
    assert _found(searchable.search_text("trustee", exclude="in confidence")) == [
        ("Mentor-01", "The trustees asked me to stay."),
    ]
    two = searchable.search_text(["board", "trustee"], min_matches=2, unit="turn")
    assert two["source"].tolist() == ["CEO-01"] and two["matched"].tolist() == ["board; trustee"]
    regex = searchable.search_text(regex=r"\bsix\s+months\b")
    assert _found(regex) == [("CEO-01", "Our reserve policy says six months.")]
    assert regex["context"].tolist() == ["Our reserve policy says «six months»."]
    assert searchable.search_text("boards", case_sensitive=True).empty  # "Boards" as written only
    assert len(searchable.search_text("Boards", case_sensitive=True)) == 1
    mentors_only = searchable.search_text("trustee", where={"role": "Mentor"})
    assert mentors_only["source"].tolist() == ["Mentor-01"]


def test_counts_by_group_use_the_searched_cases_as_base(searchable):
    hits = searchable.search_text("board")
    table = searchable.search_counts(hits, "role").set_index("role")
    # CEO: 3 sentences in 2 sources, both CEOs; Mentor: none of 1
    assert table.loc["CEO"].tolist() == [3, 2, 2, 2, 100.0]
    assert table.loc["Mentor"].tolist() == [0, 0, 0, 1, 0.0]
    by_cohort = searchable.search_counts(searchable.search_text("trustee"), "cohort").set_index("cohort")
    assert by_cohort.loc["A", ["units", "cases", "cases_searched", "pct_cases"]].tolist() == [2, 2, 2, 100.0]
    assert by_cohort.loc["B", ["cases", "pct_cases"]].tolist() == [0, 0.0]


def test_counting_pure_frames_by_hand():
    hits = pd.DataFrame({"source": ["s1", "s1", "s2", "s4"], "case": ["a", "a", "b", None]})
    searched = pd.DataFrame({"source": ["s1", "s2", "s3", "s4"], "case": ["a", "b", "c", None],
                             "kind": ["transcript", "transcript", "document", "document"]})
    table = search_hits_by(hits, searched, "kind").set_index("kind")
    assert table.loc["transcript"].tolist() == [3, 2, 2, 2, 100.0]
    # s4 has no case: its hit is a unit and a source but not a case
    assert table.loc["document"].tolist() == [1, 1, 0, 1, 0.0]


def test_coding_the_hits_is_one_reviewable_undoable_run(searchable):
    dry = searchable.code_search("reserve", "Finance", dry_run=True)
    assert dry.total == 2 and searchable.runs().empty
    result = searchable.code_search("reserve", "Finance")
    assert result.inserted == 2
    runs = searchable.runs()
    assert runs["kind"].tolist() == ["search"] and runs["coder"].tolist() == ["search"]
    suggested = searchable.applications(status="suggested")
    texts = [searchable.source_text(s)[a:b] for s, a, b in zip(suggested["source"], suggested["start"], suggested["end"])]
    assert sorted(" ".join(t.split()) for t in texts) == [
        "Our reserve policy says six months.", "Reserves are low."]
    assert set(suggested["code"]) == {"Finance"} and set(suggested["origin"]) == {"rule"}
    assert searchable.code_search("reserve", "Finance").inserted == 0  # nothing new
    searchable.undo_run(int(runs["run_id"].iloc[0]))
    assert searchable.applications(status=None).empty


def test_nothing_to_search_for_is_a_usage_error(searchable):
    with pytest.raises(UsageError, match="at least one word"):
        searchable.search_text([])
    with pytest.raises(UsageError, match="min-matches"):
        searchable.search_text(["board"], min_matches=2)
    with pytest.raises(UsageError, match=r"--regex '\(unclosed' does not compile"):
        searchable.search_text(regex="(unclosed")


@pytest.mark.parametrize("spans, expected", [
    ([(0, 3)], "«abc» def ghi"),
    ([(4, 7), (5, 9)], "abc «def g»hi"),  # overlapping marks merge
    ([], "abc def ghi"),
])
def test_in_context_marks(spans, expected):
    assert in_context("abc def ghi", spans) == expected


def test_in_context_cuts_long_text_around_the_match():
    text = "x" * 200 + " needle " + "y" * 200
    start = text.index("needle")
    out = in_context(text, [(start, start + 6)], width=10)
    assert out == "…" + "x" * 9 + " «needle» " + "y" * 9 + "…"


def test_command_line_lists_counts_and_codes(searchable, tmp_path):
    runner = CliRunner()
    base = ["--project", str(tmp_path / "search.qcproj")]
    out = runner.invoke(cli, [*base, "search", "board", "--format", "csv"])
    assert out.exit_code == 0, out.output
    frame = pd.read_csv(pd.io.common.StringIO(out.output))
    assert frame["source"].tolist() == ["CEO-01", "CEO-01", "CEO-02"]
    table = runner.invoke(cli, [*base, "search", "board"])
    assert table.output.splitlines()[0] == "3 sentences in 2 sources (2 cases)"
    by = runner.invoke(cli, [*base, "search", "board", "--by", "role", "--format", "json"])
    assert '"pct_cases":100.0' in by.output.replace(" ", "")
    coded = runner.invoke(cli, [*base, "search", "reserve", "--code", "Finance", "--apply"])
    assert coded.exit_code == 0 and coded.output.startswith("run 1: 2 new applications (applied) by search")
    bad = runner.invoke(cli, [*base, "search", "board", "--apply"])
    assert bad.exit_code == 2 and bad.output.strip() == "Error: --apply and --dry-run go with --code"
    nothing = runner.invoke(cli, [*base, "search"])
    assert nothing.exit_code == 2 and "at least one word" in nothing.output


def test_two_processes_and_a_dask_cluster_find_the_same(searchable, monkeypatch):
    from qualcode.coding.rules import autocode as autocode_module
    monkeypatch.setattr(autocode_module, "BATCH_CHARS", 50)  # one source a batch, so the pool is used
    one = searchable.search_text(["board", "trustee", "reserve"])
    pd.testing.assert_frame_equal(searchable.search_text(["board", "trustee", "reserve"], n_process=2), one)
    pytest.importorskip("distributed")
    pd.testing.assert_frame_equal(searchable.search_text(["board", "trustee", "reserve"], cluster="local:2"), one)
    with pytest.raises(UsageError, match="--cluster"):
        searchable.code_search("board", "Governance", cluster="laptop")
