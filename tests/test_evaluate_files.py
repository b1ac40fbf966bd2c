"""``evaluate_files``: the ``qualcode suggest evaluate`` contract on small CSV files made here.

Scores are recomputed with scikit-learn from the predictions file the function writes,
so a wrong metric, a shuffled row or a renamed column all fail.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from qualcode.coding.suggest.evaluate_files import evaluate_files
from qualcode.coding.suggest.suggester import CodeSuggester
from qualcode.errors import ImportFormatError, UsageError

WORDS = {"Money": ["funding", "grant", "budget"], "Board": ["board", "trustees", "chair"], "Staff": ["staff", "team", "hiring"]}
FAST = CodeSuggester(cv=3)


def _rows(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = list(WORDS)
    texts, labels = [], []
    for _ in range(n):
        chosen = rng.choice(codes, size=rng.choice([1, 2]), replace=False)
        words = [rng.choice(WORDS[c]) for c in chosen] + list(rng.choice(["we", "the", "so", "and", "//"], 3))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append([int(c in chosen) for c in codes])
    return texts, np.array(labels)


def _zero_one_file(path: Path, n: int, seed: int, start_id: int = 1) -> pd.DataFrame:
    texts, labels = _rows(n, seed)
    frame = pd.DataFrame(labels, columns=list(WORDS))
    frame.insert(0, "answer", texts)
    frame.insert(0, "id", [f"r{start_id + i}" for i in range(n)])
    frame.to_csv(path, index=False)
    return frame


def test_zero_one_columns_scores_and_predictions_file(tmp_path):
    _zero_one_file(tmp_path / "train.csv", 120, seed=1)
    test = _zero_one_file(tmp_path / "test.csv", 40, seed=2, start_id=500)
    out = tmp_path / "pred.csv"
    result = evaluate_files(
        tmp_path / "train.csv", tmp_path / "test.csv", text_column="answer", id_column="id",
        predictions=out, estimator=FAST,
    )
    predicted = pd.read_csv(out)
    assert list(predicted.columns) == ["id"] + list(WORDS)
    assert predicted["id"].tolist() == test["id"].tolist()
    truth, guess = test[list(WORDS)].to_numpy(), predicted[list(WORDS)].to_numpy()
    assert set(np.unique(guess)) <= {0, 1}
    assert result["samples_f1"] == pytest.approx(f1_score(truth, guess, average="samples", zero_division=1.0))
    assert result["micro_f1"] == pytest.approx(f1_score(truth, guess, average="micro"))
    assert result["macro_f1"] == pytest.approx(f1_score(truth, guess, average="macro"))
    assert result["samples_f1"] > 0.9
    assert (result["n_train"], result["n_test"], result["n_codes"]) == (120, 40, 3)


def test_codes_column_separated_by_semicolons(tmp_path):
    for name, n, seed in (("train.csv", 120, 3), ("test.csv", 40, 4)):
        texts, labels = _rows(n, seed)
        codes = ["; ".join(c for c, on in zip(WORDS, row) if on) for row in labels]
        pd.DataFrame({"text": texts, "codes": codes}).to_csv(tmp_path / name, index=False)
    out = tmp_path / "pred.csv"
    result = evaluate_files(
        tmp_path / "train.csv", tmp_path / "test.csv", text_column="text", codes_column="codes",
        predictions=out, estimator=FAST,
    )
    predicted = pd.read_csv(out)
    assert predicted.columns[0] == "row" and predicted["row"].tolist() == list(range(1, 41))
    assert sorted(predicted.columns[1:]) == sorted(WORDS)
    _, labels = _rows(40, 4)
    truth = pd.DataFrame(labels, columns=list(WORDS))[list(predicted.columns[1:])].to_numpy()
    guess = predicted.iloc[:, 1:].to_numpy()
    assert result["samples_f1"] == pytest.approx(f1_score(truth, guess, average="samples", zero_division=1.0))


def test_texts_and_labels_in_separate_files_joined_by_row(tmp_path):
    """The ANES layout: datasetN_Xtrain.csv (caseID,verbatim) and datasetN_ytrain.csv (codes)."""
    for split, n, seed in (("train", 120, 5), ("test", 40, 6)):
        texts, labels = _rows(n, seed)
        pd.DataFrame({"caseID": range(n), "verbatim": texts}).to_csv(tmp_path / f"X{split}.csv", index=False)
        pd.DataFrame(labels, columns=["1", "2", "97"]).to_csv(tmp_path / f"y{split}.csv", index=False)
    out = tmp_path / "pred.csv"
    result = evaluate_files(
        tmp_path / "Xtrain.csv", tmp_path / "Xtest.csv", text_column="verbatim", id_column="caseID",
        train_labels=tmp_path / "ytrain.csv", test_labels=tmp_path / "ytest.csv", predictions=out, estimator=FAST,
    )
    predicted = pd.read_csv(out)
    assert list(predicted.columns) == ["caseID", "1", "2", "97"]
    truth = pd.read_csv(tmp_path / "ytest.csv").to_numpy()
    assert result["samples_f1"] == pytest.approx(
        f1_score(truth, predicted[["1", "2", "97"]].to_numpy(), average="samples", zero_division=1.0)
    )


def test_errors_name_the_file_and_the_row(tmp_path):
    _zero_one_file(tmp_path / "train.csv", 30, seed=7)
    _zero_one_file(tmp_path / "test.csv", 10, seed=8)

    with pytest.raises(ImportFormatError, match=r"train\.csv: no column 'verbatim'.*--text-column") as error:
        evaluate_files(tmp_path / "train.csv", tmp_path / "test.csv", text_column="verbatim")
    assert "\n" not in str(error.value)

    bad = pd.read_csv(tmp_path / "test.csv")
    bad["Board"] = bad["Board"].astype(object)
    bad.loc[3, "Board"] = "2"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ImportFormatError, match=r"bad\.csv line 5, column 'Board': value '2' is not 0 or 1"):
        evaluate_files(tmp_path / "train.csv", tmp_path / "bad.csv", text_column="answer", id_column="id")

    bad = pd.read_csv(tmp_path / "test.csv").drop(columns="Staff")
    bad.to_csv(tmp_path / "fewer.csv", index=False)
    with pytest.raises(ImportFormatError, match=r"fewer\.csv lacks code column 'Staff'"):
        evaluate_files(tmp_path / "train.csv", tmp_path / "fewer.csv", text_column="answer", id_column="id")


def test_row_count_mismatch_between_texts_and_labels(tmp_path):
    pd.DataFrame({"verbatim": ["a", "b", "c"]}).to_csv(tmp_path / "X.csv", index=False)
    pd.DataFrame({"1": [0, 1]}).to_csv(tmp_path / "y.csv", index=False)
    with pytest.raises(ImportFormatError, match=r"X\.csv has 3 rows but y\.csv has 2"):
        evaluate_files(
            tmp_path / "X.csv", tmp_path / "X.csv", text_column="verbatim",
            train_labels=tmp_path / "y.csv", test_labels=tmp_path / "y.csv",
        )
    with pytest.raises(UsageError, match="both splits"):
        evaluate_files(tmp_path / "X.csv", tmp_path / "X.csv", text_column="verbatim", train_labels=tmp_path / "y.csv")


def test_settings_are_checked_before_any_file_is_read(tmp_path):
    """An unknown suggester setting is a one-line usage error naming it, even with no files."""
    with pytest.raises(UsageError, match="no setting 'embedings'"):
        evaluate_files(tmp_path / "missing.csv", tmp_path / "missing.csv", text_column="answer",
                       settings={"embedings": "minilm"})
    _zero_one_file(tmp_path / "train.csv", 120, seed=1)
    _zero_one_file(tmp_path / "test.csv", 40, seed=2, start_id=500)
    plain = evaluate_files(tmp_path / "train.csv", tmp_path / "test.csv", text_column="answer", id_column="id",
                           estimator=CodeSuggester(cv=3))
    parallel = evaluate_files(tmp_path / "train.csv", tmp_path / "test.csv", text_column="answer", id_column="id",
                              estimator=CodeSuggester(cv=3), settings={"n_jobs": 2, "embeddings": None})
    assert parallel["samples_f1"] == plain["samples_f1"] and parallel["micro_f1"] == plain["micro_f1"]
