"""Rules against hand coding: precision and recall per code, counted by hand below.

The overlap test is checked against a brute-force loop on random spans.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import Project
from qualcode.cli.main import cli
from qualcode.coding.rules.evaluation import ALL_CODES, overlap_flags
from qualcode.errors import UsageError

TALK = """Interviewer: Tell me about the year.

CEO-01: The board met twice. Money was tight all year. Our reserves are low. I spoke to the board about the reserves.

Interviewer: And the mentoring?

CEO-01: My mentor was patient. We talked about funding bids. The weather was awful.
"""

OTHER = """CEO-02: The board was fine.
"""

CODEBOOK = """\
codebook: eval
codes:
  - name: Board
    rules: {keywords: [board]}
  - name: Money
    rules: {keywords: [reserves, funding, low]}
  - name: Mentoring
    rules: {keywords: [mentor]}
  - name: Weather
"""

# The rules match these sentences (sentence units; interviewer turns are skipped):
#   Board:     "The board met twice."  "I spoke to the board about the reserves."  (+ "The board was fine." in CEO-02)
#   Money:     "Our reserves are low." (reserves, low)  "I spoke to the board about the reserves." (reserves)
#              "We talked about funding bids." (funding)
#   Mentoring: "My mentor was patient."
# anna coded CEO-01 only (CEO-02 is not compared):
#   Board:  "The board met twice."                    -> found; the rule's second Board hit is not coded
#   Money:  "Money was tight all year." (missed), "Our reserves are low." (found), "We talked about funding bids." (found)
#   Weather: "The weather was awful." (no rule: not a row)
# so Board 1 of 2 hits agree, 1 of 1 found; Money 2 of 3 agree, 2 of 3 found; Mentoring 0 of 1, 0 of 0.
HAND = [
    ("The board met twice.", "Board"),
    ("Money was tight all year.", "Money"),
    ("Our reserves are low.", "Money"),
    ("We talked about funding bids.", "Money"),
    ("The weather was awful.", "Weather"),
]


@pytest.fixture
def study(tmp_path: Path) -> Project:
    (tmp_path / "CEO-01 wave 1.txt").write_text(TALK, encoding="utf-8")
    (tmp_path / "CEO-02 wave 1.txt").write_text(OTHER, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = Project.create(tmp_path / "eval.qcproj")
    project.ingest(tmp_path / "CEO-01 wave 1.txt", tmp_path / "CEO-02 wave 1.txt", kind="transcript", progress=False)
    project.import_codebook(tmp_path / "codebook.yaml")
    for quote, code in HAND:
        project.code("CEO-01 wave 1", code, quote=quote, coder="anna")
    yield project
    project.close()


def test_precision_and_recall_per_code_are_the_hand_counts(study):
    result = study.evaluate_rules(progress=False)
    table = result.table.set_index("code")
    assert list(table.index) == ["Board", "Mentoring", "Money", ALL_CODES]  # codes with a rule, then pooled
    assert table.loc["Board", ["suggested", "agreed", "manual", "found"]].tolist() == [2, 1, 1, 1]
    assert table.loc["Money", ["suggested", "agreed", "manual", "found"]].tolist() == [3, 2, 3, 2]
    assert table.loc["Mentoring", ["suggested", "agreed", "manual", "found"]].tolist() == [1, 0, 0, 0]
    assert table.loc["Board", "precision"] == pytest.approx(1 / 2)
    assert table.loc["Money", "recall"] == pytest.approx(2 / 3)
    assert table.loc["Money", "f1"] == pytest.approx(2 / 3)
    assert np.isnan(table.loc["Mentoring", "recall"])  # nobody coded Mentoring: no recall to speak of
    assert table.loc[ALL_CODES, ["suggested", "agreed", "manual", "found"]].tolist() == [6, 3, 4, 3]
    assert result.sources == 1  # CEO-02 was not coded by hand, so its "board" hit is not counted


def test_examples_name_the_hits_nobody_coded_and_the_passages_missed(study):
    result = study.evaluate_rules(progress=False)
    assert result.false_positives("Board")["text"].tolist() == ["I spoke to the board about the reserves."]
    assert result.misses("Money")["text"].tolist() == ["Money was tight all year."]
    assert result.false_positives("Board")["source"].tolist() == ["CEO-01 wave 1"]


def test_each_keyword_is_credited_with_the_units_it_brought_in(study):
    table = study.evaluate_rules(progress=False).keywords.set_index(["code", "keyword"])
    cols = ["units", "agreed", "only_keyword"]
    assert sorted(table.index) == [("Board", "board"), ("Mentoring", "mentor"), ("Money", "funding"),
                                   ("Money", "low"), ("Money", "reserves")]
    assert table.loc[("Board", "board"), cols].tolist() == [2, 1, 2]
    assert table.loc[("Money", "reserves"), cols].tolist() == [2, 1, 1]  # alone only in the board sentence
    assert table.loc[("Money", "low"), cols].tolist() == [1, 1, 0]
    assert table.loc[("Money", "funding"), cols].tolist() == [1, 1, 1]
    assert table.loc[("Money", "reserves"), "precision"] == pytest.approx(0.5)


def test_evaluation_writes_nothing(study):
    before = len(study.applications(status=None))
    study.evaluate_rules(progress=False)
    assert len(study.applications(status=None)) == before
    assert study.runs().empty


def test_the_coder_and_the_code_limit_the_comparison(study):
    study.code("CEO-02 wave 1", "Board", quote="The board was fine.", coder="ben")
    both = study.evaluate_rules(progress=False).table.set_index("code")
    assert both.loc["Board", ["suggested", "agreed", "manual", "found"]].tolist() == [3, 2, 2, 2]
    anna = study.evaluate_rules("anna", codes="Money", progress=False).table.set_index("code")
    assert list(anna.index) == ["Money", ALL_CODES]
    assert anna.loc["Money", ["suggested", "agreed", "manual", "found"]].tolist() == [3, 2, 3, 2]


def test_without_hand_coding_the_error_says_what_to_do(study):
    with pytest.raises(UsageError, match="no hand coding by zoe"):
        study.evaluate_rules("zoe", progress=False)


def test_cli_prints_the_table_and_the_examples(study, tmp_path):
    path = tmp_path / "eval.qcproj"
    study.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["-p", str(path), "autocode", "--evaluate", "--coder", "anna", "--examples", "1"])
    assert out.exit_code == 0, out.output
    assert "precision 0.50 (3 of 6 rule units" in out.output
    assert "rule hit, not coded  [CEO-01 wave 1:" in out.output and "I spoke to the board about the reserves." in out.output
    assert "coded, rules missed  [CEO-01 wave 1:" in out.output and "Money was tight all year." in out.output
    by_keyword = runner.invoke(cli, ["-p", str(path), "autocode", "--evaluate", "--by-keyword", "--format", "csv"])
    assert "warning: assumed: no source is marked as coded completely" in by_keyword.stderr
    rows = pd.read_csv(__import__("io").StringIO(by_keyword.stdout)).set_index(["code", "keyword"])
    assert rows.loc[("Money", "reserves"), ["units", "agreed", "only_keyword"]].tolist() == [2, 1, 1]
    csv = runner.invoke(cli, ["-p", str(path), "autocode", "--evaluate", "--format", "csv"])
    frame = pd.read_csv(__import__("io").StringIO(csv.stdout))
    assert frame.set_index("code").loc["Money", "agreed"] == 2
    bad = runner.invoke(cli, ["-p", str(path), "autocode", "--evaluate", "--apply"])
    assert bad.exit_code == 2 and "--evaluate writes nothing" in bad.output
    reopened = Project.open(path)
    assert reopened.runs().empty  # nothing was stored by any of these
    reopened.close()


spans = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["A", "B"]), st.integers(0, 60), st.integers(1, 20)),
                 max_size=25)


def _frame(rows: list[tuple[int, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"source_id": s, "code": c, "start": a, "end": a + n} for s, c, a, n in rows],
                        columns=["source_id", "code", "start", "end"])


@settings(max_examples=200, deadline=None)
@given(spans, spans)
def test_overlap_flags_equal_a_brute_force_loop(a_rows, b_rows):
    a, b = _frame(a_rows), _frame(b_rows)
    expected = [
        any(source == other_source and code == other_code and other_start < end and other_end > start
            for other_source, other_code, other_start, other_end in _rows(b))
        for source, code, start, end in _rows(a)
    ]
    assert overlap_flags(a, b).tolist() == expected


def _rows(frame: pd.DataFrame) -> list[tuple[int, str, int, int]]:
    return list(zip(frame["source_id"], frame["code"], frame["start"], frame["end"]))


def test_the_report_compares_stored_rule_suggestions_with_the_hand_coding(study, tmp_path):
    from qualcode.reporting.study import ReportOptions, build_report

    study.autocode(progress=False)
    queue = study.review_queue()
    wrong = queue[(queue["code"] == "Board") & queue["text"].str.contains("spoke to the board")]
    right = queue[(queue["code"] == "Money") & queue["text"].str.contains("reserves are low")]
    assert study.reject(wrong["application_id"].tolist(), by="anna") == 1
    assert study.accept(right["application_id"].tolist(), by="anna") == 1  # decided or not, each counts as proposed
    report = build_report(study, tmp_path / "figs", ReportOptions())
    section = next(s for s in report.sections if s.title == "Machine coding")
    table = next(t for t in section.tables if t.caption == "Rules against hand coding").frame.set_index("code")
    # the stored run holds the same hits as the hand count above: Board 1 of 2, Money 2 of 3, Mentoring 0 of 1
    assert table.loc["Money", ["suggested", "agreed", "manual", "found"]].tolist() == [3, 2, 3, 2]
    assert table.loc[ALL_CODES, ["suggested", "agreed", "manual", "found"]].tolist() == [6, 3, 4, 3]
    assert "50% of the rule suggestions overlap" in section.text and "find 75% of the hand-coded excerpts" in section.text
    assert section.text.startswith("Codebook rules proposed 7 codings")
    assert "counts only its keyword matches" in section.text  # this run was not calibrated


def test_the_report_says_what_a_calibrated_confidence_means(study, tmp_path):
    from qualcode.reporting.study import ReportOptions, build_report

    study.autocode(progress=False, calibrate=True)
    assert study.runs()["calibrated"].tolist() == [True]
    report = build_report(study, tmp_path / "figs", ReportOptions())
    section = next(s for s in report.sections if s.title == "Machine coding")
    assert "how often that code's rule agreed with the hand coding" in section.text
    table = next(t for t in section.tables if t.caption.startswith("Machine suggestions")).frame.set_index("code")
    assert table["mean_confidence"].to_dict() == pytest.approx(
        {"Board": 0.5, "Money": (5 / 6 + 1 / 2 + 2 / 3) / 3, "Mentoring": 1 / 3})


# ------------------------------------------------------------------ calibrated confidence
# Per code, from the hand counts above: Board agreed 1 of 2 -> (1+1)/(2+2) = 0.5; Money 2
# of 3 -> 3/5 = 0.6; Mentoring 0 of 1 -> 1/3.
CALIBRATED = {"Board": 0.5, "Money": 0.6, "Mentoring": 1 / 3}
# Per suggestion, from its own keywords' record (agreed + 1) / (units + 2), combined as
# 1 - prod(1 - p): board 1 of 2 -> .5; reserves 1 of 2 -> .5; low 1 of 1 -> 2/3; funding
# 1 of 1 -> 2/3; mentor 0 of 1 -> 1/3. "Our reserves are low." -> 1 - .5 * 1/3 = 5/6.
# CEO-02's "The board was fine." (not hand-coded) takes the keyword's record too.
PER_PASSAGE = {
    ("Board", "The board met twice."): 0.5,
    ("Board", "I spoke to the board about the reserves."): 0.5,
    ("Board", "The board was fine."): 0.5,
    ("Money", "Our reserves are low."): 5 / 6,
    ("Money", "I spoke to the board about the reserves."): 0.5,
    ("Money", "We talked about funding bids."): 2 / 3,
    ("Mentoring", "My mentor was patient."): 1 / 3,
}


def test_calibrated_confidence_is_each_rules_smoothed_agreement_with_the_hand_coding(study):
    result = study.autocode(calibrate=True, progress=False)
    assert result.params["calibration"] == {"Board": [1, 2], "Mentoring": [0, 1], "Money": [2, 3]}
    counts = result.counts.set_index("code")
    assert counts.loc["Money", ["checked", "agreed"]].tolist() == [3, 2]
    assert counts["confidence"].to_dict() == pytest.approx(CALIBRATED)
    suggestions = study.applications(status="suggested", origin="rule")
    assert len(suggestions) == 7  # 3 Board (one in CEO-02), 3 Money, 1 Mentoring
    texts = study.excerpts(status="suggested").set_index("excerpt_id")["text"].str.strip()
    got = {(code, texts[e]): c for code, e, c in zip(suggestions["code"], suggestions["excerpt_id"],
                                                     suggestions["confidence"])}
    assert got == pytest.approx(PER_PASSAGE)
    assert "agreement with the hand coding" in result.summary()


def test_the_review_puts_the_least_certain_calibrated_rule_first(study, tmp_path):
    study.autocode(calibrate=True, progress=False)
    queue = study.review_queue()
    distance = (queue["confidence"] - 0.5).abs().tolist()  # 0 x4, 1/6 x2, 1/3 (PER_PASSAGE)
    assert distance == sorted(distance, key=lambda d: round(d, 9)) and distance == pytest.approx([0] * 4 + [1 / 6] * 2 + [1 / 3])
    assert queue["text"].str.strip().iloc[-1] == "Our reserves are low."
    assert queue.loc[queue["code"] == "Board", "source"].tolist() == ["CEO-01 wave 1", "CEO-01 wave 1", "CEO-02 wave 1"]


def test_without_calibration_rule_suggestions_stay_in_source_order(study):
    study.autocode(progress=False)
    queue = study.review_queue()
    assert queue["start"].tolist()[:3] == sorted(queue.loc[queue["source"] == "CEO-01 wave 1", "start"])[:3]
    assert set(queue["confidence"].round(2)) == {0.5, 0.75}  # 1 - 0.5**matches: nothing measured


def test_calibrating_without_hand_coding_fails_and_writes_nothing(study):
    with pytest.raises(UsageError, match="no hand coding by zoe"):
        study.autocode(calibrate=True, coders="zoe", progress=False)
    assert study.runs().empty and study.applications(status="suggested").empty
    with pytest.raises(UsageError, match="calibrate=True"):
        study.autocode(coders="anna", progress=False)


def test_cli_calibrate_prints_the_evidence_per_code(study, tmp_path):
    path = tmp_path / "eval.qcproj"
    study.close()
    runner = CliRunner()
    dry = runner.invoke(cli, ["-p", str(path), "autocode", "--calibrate", "--coder", "anna", "--dry-run",
                              "--format", "csv"])
    assert dry.exit_code == 0, dry.output
    frame = pd.read_csv(__import__("io").StringIO(dry.output)).set_index("code")
    assert frame.loc["Money", ["units", "checked", "agreed"]].tolist() == [3, 3, 2]
    assert frame.loc["Money", "confidence"] == pytest.approx(0.6)
    for args, message in ((["--coder", "anna"], "--coder goes with --evaluate or --calibrate"),
                          (["--evaluate", "--calibrate"], "leave out --apply, --dry-run, --cluster and --calibrate")):
        bad = runner.invoke(cli, ["-p", str(path), "autocode", *args])
        assert bad.exit_code == 2 and message in bad.output and len(bad.output.strip().splitlines()) == 1
    run = runner.invoke(cli, ["-p", str(path), "autocode", "--calibrate"])
    assert run.exit_code == 0 and "confidence = each rule's agreement with the hand coding" in run.output
    reopened = Project.open(path)
    assert len(reopened.applications(status="suggested", origin="rule")) == 7
    reopened.close()
