"""Train the suggester on one labelled file and score it on another (``qualcode suggest evaluate``).

This measures the suggester on data from outside a project, such as the ANES
open-ended coding benchmark, exactly as DESIGN.md's command-line contract says:

* one file per split: the text column, an optional id column, and either one 0/1
  column per code (every other column) or, with ``codes_column``, one column holding
  the codes separated by ``;``;
* or, as the ANES data comes, the texts and the codes in two files joined by row order
  (``train_labels`` / ``test_labels``): every column of a labels file is a code column
  (bar the id column, if it has one, which must then agree row by row).

It returns the sample-based, micro and macro F1 (conventions in ``suggest_cv``) and
writes, when asked, a predictions CSV: the id column (or ``row``, 1-based, without one)
and one 0/1 column per code, named as in the input.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qualcode.coding.suggest.cv import multilabel_scores
from qualcode.errors import ImportFormatError, UsageError
from qualcode.csv_safety import safe_frame

CODE_SEPARATOR = ";"


@dataclass
class LabelledFile:
    """Texts, ids and a 0/1 code frame read from one split."""

    texts: list[str]
    ids: pd.Series | None
    codes: pd.DataFrame
    name: str


def evaluate_files(
    train: str | Path,
    test: str | Path,
    text_column: str,
    id_column: str | None = None,
    codes_column: str | None = None,
    predictions: str | Path | None = None,
    train_labels: str | Path | None = None,
    test_labels: str | Path | None = None,
    estimator: object = None,
    settings: dict | None = None,
) -> dict:
    """Fit ``estimator`` (default ``CodeSuggester()``; fitted in place) on ``train``, score it on ``test``.

    ``settings`` are suggester parameters set first (``{"embeddings": "minilm"}``; None
    values are left alone), checked before any file is read.

    Returns ``samples_f1``, ``micro_f1``, ``macro_f1``, ``n_train``, ``n_test``,
    ``n_codes``, ``train_seconds`` (wall clock), ``train_cpu_seconds`` (this process)
    and ``predictions`` (the path written, or None).
    """
    from qualcode.coding.suggest.suggester import CodeSuggester, with_settings

    model = with_settings(CodeSuggester() if estimator is None else estimator, settings)
    if (train_labels is None) != (test_labels is None):
        raise UsageError("give labels files for both splits (train_labels and test_labels) or for neither")
    if codes_column is not None and train_labels is not None:
        raise UsageError("codes_column is for single-file splits; with labels files every column is a code")
    train_split = read_labelled(train, text_column, id_column, codes_column, train_labels)
    test_split = read_labelled(test, text_column, id_column, codes_column, test_labels)
    train_codes, test_truth = align_codes(train_split, test_split, codes_column is not None)

    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(train_split.texts, train_codes)
    train_seconds, train_cpu = time.perf_counter() - wall, time.process_time() - cpu
    predicted = pd.DataFrame(
        np.asarray(model.predict(test_split.texts), dtype=int), columns=train_codes.columns
    ).reindex(columns=test_truth.columns, fill_value=0)

    result = multilabel_scores(test_truth.to_numpy(), predicted.to_numpy())
    result.update(
        n_train=len(train_split.texts),
        n_test=len(test_split.texts),
        n_codes=train_codes.shape[1],
        train_seconds=train_seconds,
        train_cpu_seconds=train_cpu,
        predictions=None,
    )
    if predictions is not None:
        result["predictions"] = write_predictions(predictions, test_split, predicted, id_column)
    return result


def read_labelled(
    path: str | Path,
    text_column: str,
    id_column: str | None = None,
    codes_column: str | None = None,
    labels_path: str | Path | None = None,
) -> LabelledFile:
    """Read one split (one file, or a texts file plus a labels file) and check it."""
    path = Path(path)
    table = _read_csv(path)
    _require(table, path, text_column, "--text-column")
    if id_column is not None:
        _require(table, path, id_column, "--id-column")
    texts = table[text_column].fillna("").astype(str).tolist()
    ids = table[id_column] if id_column is not None else None

    if labels_path is not None:
        labels_path = Path(labels_path)
        labels = _read_csv(labels_path)
        if len(labels) != len(table):
            raise ImportFormatError(
                f"{path.name} has {len(table)} rows but {labels_path.name} has {len(labels)}; "
                "texts and labels are joined by row order, so they must match"
            )
        if id_column is not None and id_column in labels.columns:
            _check_same_ids(ids, labels[id_column], path, labels_path)
            labels = labels.drop(columns=id_column)
        codes = _zero_one(labels, labels_path)
        return LabelledFile(texts, ids, codes, path.name)

    if codes_column is not None:
        _require(table, path, codes_column, "--codes-column")
        return LabelledFile(texts, ids, _split_codes(table[codes_column]), path.name)

    code_columns = [c for c in table.columns if c not in {text_column, id_column}]
    if not code_columns:
        raise ImportFormatError(
            f"{path.name} has no code columns besides {text_column!r}; add 0/1 code columns or pass --codes-column"
        )
    return LabelledFile(texts, ids, _zero_one(table[code_columns], path), path.name)


def align_codes(train: LabelledFile, test: LabelledFile, from_lists: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training codes and the test truth over the same columns.

    With 0/1 columns both files must name the same codes. With code lists a code seen
    only in the test file is kept in the truth (the model can never suggest it, which
    is a fair penalty); codes seen only in training are kept as all-zero truth.
    """
    if not from_lists:
        missing = [c for c in train.codes.columns if c not in test.codes.columns]
        extra = [c for c in test.codes.columns if c not in train.codes.columns]
        if missing or extra:
            what = f"lacks code column {missing[0]!r}" if missing else f"has code column {extra[0]!r} not in {train.name}"
            raise ImportFormatError(f"{test.name} {what}; both splits need the same code columns")
        return train.codes, test.codes[list(train.codes.columns)]
    columns = list(train.codes.columns) + [c for c in test.codes.columns if c not in train.codes.columns]
    return train.codes, test.codes.reindex(columns=columns, fill_value=0)


def write_predictions(path: str | Path, split: LabelledFile, predicted: pd.DataFrame, id_column: str | None) -> Path:
    """Write the id column (or 1-based ``row``) and one 0/1 column per code."""
    path = Path(path)
    if not path.parent.exists():
        raise ImportFormatError(f"{path}: folder {path.parent} does not exist; create it or choose another path")
    key = split.ids.reset_index(drop=True) if split.ids is not None else pd.Series(np.arange(1, len(predicted) + 1))
    out = predicted.reset_index(drop=True).copy()
    out.insert(0, id_column if id_column is not None else "row", key)
    safe_frame(out).to_csv(path, index=False)
    return path


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ImportFormatError(f"{path}: file not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ImportFormatError(f"{path.name}: not a readable UTF-8 CSV file ({str(error).splitlines()[0]})") from error
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _require(table: pd.DataFrame, path: Path, column: str, option: str) -> None:
    if column not in table.columns:
        shown = ", ".join(map(str, table.columns[:8])) + (", ..." if len(table.columns) > 8 else "")
        raise ImportFormatError(f"{path.name}: no column {column!r} (columns: {shown}); check {option}")


def _zero_one(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The frame as ints, or an error naming the first cell that is not 0 or 1."""
    if frame.shape[1] == 0:
        raise ImportFormatError(f"{path.name} has no code columns; it needs one 0/1 column per code")
    cleaned = frame.apply(lambda column: column.str.strip())
    ok = cleaned.isin(["0", "1", "0.0", "1.0"])
    if not ok.to_numpy().all():
        row, col = map(int, np.argwhere(~ok.to_numpy())[0])
        value = frame.iat[row, col]
        shown = "an empty cell" if pd.isna(value) else f"value {value!r}"
        raise ImportFormatError(
            f"{path.name} line {row + 2}, column {frame.columns[col]!r}: {shown} is not 0 or 1"
        )
    return cleaned.astype(float).astype(int)


def _split_codes(column: pd.Series) -> pd.DataFrame:
    """``"a; b"`` cells to 0/1 columns, in order of first appearance."""
    lists = [
        [code.strip() for code in str(cell).split(CODE_SEPARATOR) if code.strip()] if not pd.isna(cell) else []
        for cell in column
    ]
    names = list(dict.fromkeys(code for codes in lists for code in codes))
    matrix = np.zeros((len(lists), len(names)), dtype=int)
    where = {name: j for j, name in enumerate(names)}
    for i, codes in enumerate(lists):
        for code in codes:
            matrix[i, where[code]] = 1
    return pd.DataFrame(matrix, columns=names)


def _check_same_ids(ids: pd.Series, label_ids: pd.Series, path: Path, labels_path: Path) -> None:
    left = ids.astype(str).str.strip().to_numpy()
    right = label_ids.astype(str).str.strip().to_numpy()
    differ = np.flatnonzero(left != right)
    if differ.size:
        row = int(differ[0])
        raise ImportFormatError(
            f"{labels_path.name} line {row + 2}: id {right[row]!r} but {path.name} has {left[row]!r}; rows must be in the same order"
        )
