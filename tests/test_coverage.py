"""Marking sources as coded: a coder who read a source and found nothing to code in it
still disagrees with a coder who coded something there. Figures are checked against
scikit-learn's cohen_kappa_score on presence tables written out by hand."""
from __future__ import annotations

import warnings

import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score

from qualcode import Project
from qualcode.cli.main import cli
from qualcode.errors import NotFoundError

CEO, MENTOR = "CEO-07 wave 1", "Mentor-03 wave 1"
CONF = "Impact/Confidence"
Q1 = "I regained that confidence I had lost."  # in CEO
Q4 = "I regained that confidence slowly."  # in CEO
Q6 = "She found her voice with the trustees."  # in MENTOR


def kappa(a: list[int], b: list[int]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a, b, labels=[0, 1]))


@pytest.fixture
def two(study: Project) -> Project:
    """dora coded CEO only (Q1); eve coded CEO (Q1, Q4) and MENTOR (Q6)."""
    study.code(CEO, CONF, quote=Q1, coder="dora")
    study.code(CEO, CONF, quote=Q1, coder="eve")
    study.code(CEO, CONF, quote=Q4, coder="eve")
    study.code(MENTOR, CONF, quote=Q6, coder="eve")
    return study


def test_a_marked_source_counts_as_no_code_for_its_reader(two: Project) -> None:
    before = two.agreement("dora,eve").per_code.set_index("code").loc[CONF]
    # unmarked, MENTOR is eve's alone and is left out: units Q1, Q4
    assert before[["both", "only_a", "only_b"]].tolist() == [1, 0, 1]
    assert two.mark_coded(MENTOR, coder="dora") == 1
    result = two.agreement("dora,eve")
    after = result.per_code.set_index("code").loc[CONF]
    # dora read MENTOR and found nothing: units Q1, Q4, Q6 -> dora [1, 0, 0], eve [1, 1, 1]
    assert after[["both", "only_a", "only_b"]].tolist() == [1, 0, 2]
    assert result.pooled["n_sources"] == 2 and result.pooled["n_units"] == 3
    assert after["kappa"] == pytest.approx(kappa([1, 0, 0], [1, 1, 1]))
    assert list(result.disagreements["text"]) == [Q4, Q6]


def test_sentence_level_counts_every_sentence_of_a_marked_source(two: Project) -> None:
    two.mark_coded([MENTOR], coder="dora")
    with_mark = two.agreement("dora,eve", unit="sentence")
    explicit = two.agreement("dora,eve", unit="sentence", sources=[CEO, MENTOR])
    assert with_mark.pooled["n_units"] == explicit.pooled["n_units"]
    assert with_mark.per_code.equals(explicit.per_code)  # the same as naming both sources by hand


def test_a_mark_outside_the_compared_material_changes_nothing(two: Project) -> None:
    """where= keeps the CEO interview only; both coders' marks on the mentor interview must
    not bring that interview's sentences back in as units nobody coded."""
    before = two.agreement("dora,eve", unit="sentence", where={"role": "CEO"})
    two.mark_coded(MENTOR, coder="dora")
    two.mark_coded(MENTOR, coder="eve")
    after = two.agreement("dora,eve", unit="sentence", where={"role": "CEO"})
    assert after.pooled["n_sources"] == before.pooled["n_sources"] == 1
    assert after.pooled["n_units"] == before.pooled["n_units"]
    assert after.per_code.equals(before.per_code)


def test_marks_are_idempotent_undoable_and_listed(two: Project) -> None:
    assert two.mark_coded([MENTOR, CEO], coder="dora") == 2
    assert two.mark_coded(MENTOR, coder="dora") == 0  # marking twice changes nothing
    table = two.coverage()
    rows = {(r.source, r.coder): (r.applications, r.marked) for r in table.itertuples()}
    assert rows == {(CEO, "dora"): (1, True), (CEO, "eve"): (2, False), (MENTOR, "dora"): (0, True),
                    (MENTOR, "eve"): (1, False)}
    assert two.unmark_coded(MENTOR, coder="dora") == 1
    assert two.agreement("dora,eve").pooled["n_sources"] == 1


def test_an_unknown_source_changes_nothing(two: Project) -> None:
    with pytest.raises(NotFoundError):
        two.mark_coded([MENTOR, "no such interview"], coder="dora")
    assert not two.coverage()["marked"].any()  # the good name was not marked either


def test_cli_marks_lists_and_unmarks(two: Project, tmp_path) -> None:
    target = next(tmp_path.rglob("*.qcproj"))
    two.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["-p", str(target), "done", MENTOR, "--coder", "dora"])
    assert out.exit_code == 0, out.output
    assert "marked 1 source(s) as coded by dora" in out.output
    listing = runner.invoke(cli, ["-p", str(target), "done", "--format", "csv"])
    assert f"{MENTOR},dora,0,True" in listing.output
    undone = runner.invoke(cli, ["-p", str(target), "done", MENTOR, "--coder", "dora", "--undo"])
    assert "removed 1 mark(s)" in undone.output
    bad = runner.invoke(cli, ["-p", str(target), "done", "no such interview", "--coder", "dora"])
    assert bad.exit_code == 1 and "no such interview" in bad.output
    again = Project.open(target)
    assert not again.coverage()["marked"].any()
    again.close()
