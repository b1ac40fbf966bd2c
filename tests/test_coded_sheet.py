"""Coded spreadsheets (issue 17, item 6): two coders' xlsx copies of a survey's open answers.

Agreement on the imported codings is checked against the krippendorff package and
scikit-learn's kappa on a matrix built here from the fixture's own cells, not from qualcode.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score

from qualcode import Project
from qualcode.cli import cli
from qualcode.errors import ImportFormatError, UsageError

sys.path.insert(0, str(Path(__file__).parent / "data" / "coded_sheets"))
import make_coded_sheets as cs  # noqa: E402

ARGS = dict(id_column="Response ID", text_column="Q7*", codes="Code *")


@pytest.fixture
def sheets(tmp_path: Path) -> dict[str, Path]:
    return cs.write_all(tmp_path / "sheets")


def imported(tmp_path: Path, sheets: dict[str, Path], **kwargs):
    project = Project.create(tmp_path / "p.qcproj")
    report = project.import_coded_sheets([sheets["KM"], sheets["JO"]], coders=["KM", "JO"], dedupe="keep-first",
                                         **{**ARGS, **kwargs})
    return project, report


def hand_matrix() -> tuple[list[int], dict[str, np.ndarray]]:
    """Answers kept (coded, or not N/A-like) and per code a 2 x answers presence matrix."""
    kept = [i for i, text in cs.ANSWERS if text not in ("N/A", "-") or cs.KM.get(i) or cs.JO.get(i)]
    codes = sorted({c.strip().replace("->", "/") for d in (cs.KM, cs.JO) for v in d.values() for c in v})
    out = {}
    for code in codes:
        out[code] = np.array([[int(code in [c.strip().replace("->", "/") for c in d.get(i, [])]) for i in kept]
                              for d in (cs.KM, cs.JO)])
    return kept, out


def test_two_coders_become_codings_ready_for_agreement(tmp_path, sheets):
    project, report = imported(tmp_path, sheets)
    kept, matrix = hand_matrix()
    assert report.responses_added == len(kept) == 14
    assert report.applications == {"KM": sum(m[0].sum() for m in matrix.values()),
                                   "JO": sum(m[1].sum() for m in matrix.values())}
    result = project.agreement(["KM", "JO"], unit="answer")
    per_code = result.per_code.set_index("code")
    for code, m in matrix.items():
        assert per_code.loc[code, "n_units"] == 14
        if m.any() and not (m == m[0, 0]).all():
            expected = krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")
            assert per_code.loc[code, "alpha"] == pytest.approx(expected, abs=1e-9), code
        if len(set(m[0])) > 1 or len(set(m[1])) > 1:
            assert per_code.loc[code, "kappa"] == pytest.approx(cohen_kappa_score(m[0], m[1]), abs=1e-9), code
    # Referral: only KM coded 1011; JO read it (it is in JO's file) and coded nothing.
    assert (per_code.loc["Access/Referral", "only_a"], per_code.loc["Access/Referral", "only_b"]) == (1, 0)


def test_n_a_answers_kept_when_coded_dropped_when_not(tmp_path, sheets):
    project, report = imported(tmp_path, sheets)
    responses = project.sources()
    names = set(responses["source"])
    assert "q7-open-answers 1004" in names  # "N/A", coded No change by both
    assert "q7-open-answers 1015" not in names and "q7-open-answers 1009" not in names
    assert project.source_text("q7-open-answers 1004").endswith("\nN/A")
    apps = project.applications()
    assert sorted(apps[apps["source"] == "q7-open-answers 1004"]["coder"]) == ["JO", "KM", "questionnaire"]  # + the question code
    assert report.kept_missing_like == ["1004"] and report.missing_dropped == 2
    assert any("1004" in line for line in report.lines())


def test_duplicate_id_stops_with_the_rows_and_a_way_on(tmp_path, sheets):
    project = Project.create(tmp_path / "p.qcproj")
    with pytest.raises(ImportFormatError, match=r"duplicate id\(s\) '1012' in rows 14, 15.*--dedupe keep-first"):
        project.import_coded_sheets([sheets["KM"], sheets["JO"]], coders=["KM", "JO"], **ARGS)
    assert project.sources().empty and project.applications().empty


def test_suffix_keeps_both_rows(tmp_path, sheets):
    project = Project.create(tmp_path / "p.qcproj")
    report = project.import_coded_sheets([sheets["KM"], sheets["JO"]], coders=["KM", "JO"], dedupe="suffix", **ARGS)
    assert report.responses_added == 15
    assert {"q7-open-answers 1012", "q7-open-answers 1012-2"} <= set(project.sources()["source"])


def test_one_csv_with_a_coder_column_gives_the_same_codings(tmp_path, sheets):
    (tmp_path / "a").mkdir()
    a, _ = imported(tmp_path / "a", sheets)
    b = Project.create(tmp_path / "b.qcproj")
    b.import_coded_sheets(sheets["csv"], coder_column="Coder", dedupe="keep-first", questionnaire="q7-open-answers", **ARGS)

    def codings(p):
        x = p.applications()
        x = x[x["coder"] != "questionnaire"]
        return sorted(zip(x["source"], x["code"], x["coder"], x["start"], x["end"]))

    assert codings(a) == codings(b) and len(codings(a)) == 33


def test_importing_again_matches_the_answers_and_adds_nothing(tmp_path, sheets):
    project, _ = imported(tmp_path, sheets)
    before = len(project.applications())
    again = project.import_coded_sheets([sheets["KM"], sheets["JO"]], coders=["KM", "JO"], dedupe="keep-first", **ARGS)
    assert again.responses_matched == 14 and again.responses_added == 0
    assert sum(again.applications.values()) == 0 and again.already_present == 33
    assert len(project.applications()) == before


def test_custom_separator_and_a_different_answer_between_coders(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("id,answer,Theme 1,Theme 2\nr1,Too far to walk,Access: Travel,\nr2,Great staff,Experience: Staff,\n", encoding="utf-8")
    b.write_text("id,answer,Theme 1,Theme 2\nr1,Too far to walk,Access: Travel,Access: Distance\nr2,Great staff!,,\n", encoding="utf-8")
    project = Project.create(tmp_path / "p.qcproj")
    with pytest.raises(ImportFormatError, match=r"b.csv: row 3: the answer of id 'r2' differs"):
        project.import_coded_sheets([a, b], coders=["ana", "ben"], id_column="id", text_column="answer",
                                    codes="Theme *", separator=":")
    b.write_text("id,answer,Theme 1,Theme 2\nr1,Too far to walk,Access: Travel,Access: Distance\nr2,Great staff,,\n", encoding="utf-8")
    project.import_coded_sheets([a, b], coders=["ana", "ben"], id_column="id", text_column="answer",
                                codes="Theme *", separator=":")
    codes = set(project.codes()["path"])
    assert {"Access/Travel", "Access/Distance", "Experience/Staff"} <= codes
    with pytest.raises(UsageError, match="2 file"):
        project.import_coded_sheets([a, b], coders=["ana"], id_column="id", text_column="answer", codes="Theme *")


def test_cli(tmp_path, sheets):
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        runner = CliRunner()
        runner.invoke(cli, ["init", "p.qcproj"])
        args = ["import", "coded-sheet", str(sheets["KM"]), str(sheets["JO"]), "--coder", "KM", "--coder", "JO",
                "--id", "Response ID", "--text", "Q7*", "--codes", "Code *"]
        bad = runner.invoke(cli, args)
        assert bad.exit_code == 1 and "--dedupe keep-first" in bad.output
        good = runner.invoke(cli, [*args, "--dedupe", "keep-first"])
        assert good.exit_code == 0, good.output
        assert "14 response(s) added" in good.output and "KM: 17, JO: 16" in good.output
        assert "qualcode agreement --coders KM,JO --unit answer" in good.output
        agreement = runner.invoke(cli, ["agreement", "--coders", "KM,JO", "--unit", "answer"])
        assert agreement.exit_code == 0 and "14 answers" in agreement.output
    finally:
        os.chdir(old)
