"""'qualcode agreement' and 'qualcode consensus': what is printed, the formats, the exit codes."""
from __future__ import annotations

import io
import json
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score

from qualcode.cli import cli

CEO, MENTOR = "CEO-07 wave 1", "Mentor-03 wave 1"
CONF, LEAD, BOARD = "Impact/Confidence", "Impact/Leadership", "Issues/Governance/Board relations"
CODINGS = """source,quote,code,coder
CEO-07 wave 1,I regained that confidence I had lost.,Impact/Confidence,anna
CEO-07 wave 1,I regained that confidence I had lost.,Impact/Confidence,ben
CEO-07 wave 1,I regained that confidence I had lost.,Impact/Confidence,carol
CEO-07 wave 1,I regained that confidence slowly.,Impact/Confidence,anna
CEO-07 wave 1,I regained that confidence slowly.,Impact/Leadership,ben
CEO-07 wave 1,I regained that confidence slowly.,Impact/Confidence,carol
CEO-07 wave 1,Funding is the big worry.,Issues/Sustainability,anna
CEO-07 wave 1,Funding is the big worry.,Issues/Sustainability,ben
Mentor-03 wave 1,The board relations improved a lot.,Issues/Governance/Board relations,anna
Mentor-03 wave 1,The board relations improved a lot.,Issues/Governance/Board relations,ben
Mentor-03 wave 1,The board relations improved a lot.,Issues/Governance/Board relations,carol
Mentor-03 wave 1,She found her voice with the trustees.,Impact/Confidence,anna
"""
# units (excerpts) in file order: confidence-lost, slowly, funding, board, voice
ANNA_CONF = [1, 1, 0, 0, 1]
BEN_CONF = [1, 0, 0, 0, 0]


def run(args: list[str], cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, env={"QUALCODE_PROJECT": ""}, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def workdir(tmp_path: Path, study_files: Path) -> Path:
    assert run(["init", "study.qcproj"], tmp_path).exit_code == 0
    assert run(["ingest", str(study_files / "interviews")], tmp_path).exit_code == 0
    assert run(["codebook", "import", str(study_files / "codebook.yaml")], tmp_path).exit_code == 0
    (tmp_path / "codings.csv").write_text(CODINGS, encoding="utf-8")
    assert run(["import", "codings", "codings.csv"], tmp_path).exit_code == 0
    return tmp_path


def sk_kappa(a, b) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a, b, labels=[0, 1]))


def test_table_shows_codes_pooled_figures_and_the_convention(workdir: Path) -> None:
    result = run(["agreement", "--coders", "anna,ben"], workdir)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Agreement between anna and ben: excerpt level, 5 excerpts in 2 sources, 4 codes.")
    conf_line = next(line for line in out.splitlines() if line.startswith(CONF))
    assert f"{sk_kappa(ANNA_CONF, BEN_CONF):.2f}" in conf_line.split()
    assert any(line.startswith("All codes") for line in out.splitlines())
    assert "Pooled kappa" in out and "overall Krippendorff's alpha" in out
    assert "Landis & Koch" in out and "conventions, not tests" in out
    assert "'neither'" in out  # the share of 'nobody applied the code' is spelled out


def test_csv_has_numbers_and_a_pooled_row(workdir: Path) -> None:
    result = run(["agreement", "--coders", "anna,ben", "--format", "csv"], workdir)
    assert result.exit_code == 0
    table = pd.read_csv(io.StringIO(result.output)).set_index("code")
    assert table.loc[CONF, "kappa"] == pytest.approx(sk_kappa(ANNA_CONF, BEN_CONF))
    assert (table.loc[CONF, ["both", "only_anna", "only_ben", "neither"]].tolist() == [1, 2, 0, 2])
    assert table.index[-1] == "All codes" and "pooled" in table.loc["All codes", "explanation"]


def test_undefined_is_written_out_with_its_reason(workdir: Path) -> None:
    text = run(["agreement", "--coders", "anna,ben", "--code", "Impact"], workdir).output
    impact = next(line for line in text.splitlines() if line.startswith("Impact "))
    assert impact.split().count("undefined") >= 2  # kappa and alpha
    assert "nobody applied the code" in impact
    data = json.loads(run(["agreement", "--coders", "anna,ben", "--code", "Impact", "--format", "json"], workdir).output)
    row = next(r for r in data["per_code"] if r["code"] == "Impact")
    assert row["kappa"] is None and row["alpha"] is None and "nobody applied" in row["explanation"]
    assert data["pooled"]["kappa"] == pytest.approx(next(r for r in data["pooled_pairwise"])["kappa"])
    assert "Landis & Koch" in data["interpretation"]


def test_disagreements_file(workdir: Path) -> None:
    result = run(["agreement", "--coders", "anna,ben", "--disagreements", "dis.csv"], workdir)
    assert result.exit_code == 0
    dis = pd.read_csv(workdir / "dis.csv", keep_default_na=False)
    # by hand: 'slowly' (Confidence vs Leadership) and 'voice' (Confidence by anna only)
    assert list(dis["text"]) == ["I regained that confidence slowly.", "She found her voice with the trustees."]
    assert list(dis["source"]) == [CEO, MENTOR]
    assert list(dis["applied:ben"]) == [LEAD, ""]


def test_three_coders_and_sentence_level(workdir: Path) -> None:
    three = run(["agreement", "--coders", "anna,ben,carol"], workdir)
    assert three.exit_code == 0
    assert "coder A" in three.output and "carol" in three.output  # the table of pooled kappa per pair
    sentence = run(["agreement", "--coders", "anna,ben", "--unit", "sentence", "--min-overlap", "0.5"], workdir)
    assert sentence.exit_code == 0
    assert "sentence level" in sentence.output and "Sentence level: a coder applied a code" in sentence.output


@pytest.mark.parametrize("args, status, message", [
    (["agreement", "--coders", "anna"], 2, "two or more"),
    (["agreement", "--coders", "anna,zed"], 1, "zed"),
    (["agreement", "--coders", "anna,ben", "--unit", "word"], 2, "word"),
    (["agreement", "--coders", "anna,ben", "--min-overlap", "0.5"], 2, "min_overlap"),
    (["agreement", "--coders", "anna,ben", "--code", "Nothing"], 1, "Nothing"),
    (["agreement", "--coders", "anna,ben", "--source", "CEO-99"], 1, "CEO-99"),
    (["consensus", "--coder", "anna", "--clear"], 2, "one of"),
    (["consensus", "--coder", "zed"], 1, "zed"),
])
def test_mistakes_exit_with_one_line(workdir: Path, args, status: int, message: str) -> None:
    result = run(args, workdir)
    assert result.exit_code == status
    assert message in result.output
    assert "Traceback" not in result.output


def test_consensus_command_marks_and_keeps(workdir: Path) -> None:
    assert "No final coding yet" in run(["consensus"], workdir).output
    marked = run(["consensus", "--coder", "anna", "--by", "lead"], workdir)
    assert marked.exit_code == 0
    assert "Final coding: 5 applications" in marked.output and "7 other applied applications kept" in marked.output
    assert "anna 5" in run(["consensus"], workdir).output
    # the others' codings are still there: agreement can still be computed
    assert run(["agreement", "--coders", "anna,ben"], workdir).exit_code == 0
    cleared = run(["consensus", "--clear"], workdir)
    assert cleared.exit_code == 0 and "5 applications unmarked" in cleared.output
