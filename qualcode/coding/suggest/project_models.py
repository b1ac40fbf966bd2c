"""The code suggester inside a project: training data from the codings, and models.

``CodeSuggester`` (``qualcode.coding.suggest.suggester``) learns from texts and a code matrix;
this module gets both from a project and keeps the trained models:

* **Training data.** The sources are cut into units (``qualcode.coding.units``: sentence
  by default) and labelled by the project's codings (``qualcode.coding.suggest.unit_labels``):
  positive where an applied coding of the code covers at least half of the unit (or
  lies inside it), a known negative elsewhere in a source a person coded (for the codes
  that person uses), a weighted negative where a suggestion of the code was rejected,
  unknown -- and left out -- in sources nobody coded. Codes with fewer than
  ``min_positives`` positive units are left out of the model and reported: a handful
  of examples teaches noise.
* **Models.** A trained model is written to ``<project>.models/<id>.joblib`` next to
  the project file (or a folder you name) with the codebook's hash, and recorded in the
  store (a run of kind ``model``: codes, training size, per-code cross-validated F1,
  path). A model is refused, with a message, once the codebook has changed.

Putting a model's suggestions into the project is ``qualcode.coding.suggest.apply``.
Interviewer turns are skipped throughout (as by the rules autocoder): researchers code
what participants say.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from qualcode.codebook.branches import is_structural
from qualcode.coding.suggest.unit_labels import NEGATIVE, POSITIVE, overlaps, unit_code_pairs, unit_labels
from qualcode.coding.units import UNIT_KINDS, check_unit, cut_units
from qualcode.errors import ModelError, NotFoundError, UsageError
from qualcode.store import codes as store_codes
from qualcode.store import frames, review_store, suggest_store
from qualcode.store import sources as store_sources
from qualcode.store import speakers as store_speakers
from qualcode.store.database import Database
from qualcode.speech.roles import SpeakerRoles
from qualcode.store.engine import sqlite_path

MIN_POSITIVES = 5
LARGE_TRAINING = 20_000  # units; past this, a lighter suggester (see ``estimator_for``)
REJECTED_WEIGHT = 2.0
FOLDS = 5
PERSON_ORIGINS = ("manual", "import")  # a source with such a coding was read by a person
AUTO_UNITS = ("sentence", "paragraph", "turn", "answer")
AUTO_SAMPLE_SOURCES = 100
SCORE_COLUMNS = ["code", "positives", "precision", "recall", "f1", "support", "predicted"]


# --------------------------------------------------------------------------- reports
@dataclass
class TrainReport:
    """What ``train`` learnt from, and how well it does on the project's own data."""

    model_id: int
    path: Path
    unit: str
    coders: list[str] | None
    final_only: bool
    codes: list[str]
    skipped: dict[str, int]  # code -> positive units, for codes left out
    n_units: int
    n_sources: int
    rejected: int
    scores: pd.DataFrame  # code, positives, precision, recall, f1, support, predicted
    train_seconds: float
    cv_seconds: float | None

    @property
    def macro_f1(self) -> float:
        f1 = self.scores["f1"].dropna() if "f1" in self.scores else pd.Series(dtype=float)
        return float(f1.mean()) if len(f1) else float("nan")

    def summary(self) -> str:
        who = ", ".join(self.coders) if self.coders else "all coders"
        lines = [
            f"model {self.model_id}: {len(self.codes)} code(s) learnt from {self.n_units} {self.unit} units "
            f"of {self.n_sources} source(s) ({who}{', consensus only' if self.final_only else ''}; "
            f"{self.rejected} rejected suggestion(s) as negatives) in {self.train_seconds:.1f} s",
            f"saved to {self.path}",
        ]
        if self.cv_seconds is not None:
            lines.append(f"cross-validated macro F1 {self.macro_f1:.2f} over {len(self.codes)} code(s) "
                         f"({self.cv_seconds:.1f} s)")
        if self.skipped:
            lines.append(f"left out {len(self.skipped)} code(s) with fewer than the minimum positive units: "
                         + ", ".join(f"{c} ({n})" for c, n in sorted(self.skipped.items())))
        return "\n".join(lines)


@dataclass
class TrainingData:
    """Units with their 1/0/-1 code matrix and weights, and what was left out."""

    units: pd.DataFrame
    Y: pd.DataFrame
    weights: np.ndarray
    unit: str
    skipped: dict[str, int]
    n_sources: int
    rejected: int

    @property
    def texts(self) -> list[str]:
        return self.units["text"].tolist()

    @property
    def positives(self) -> pd.Series:
        return (self.Y == POSITIVE).sum(axis=0)


@dataclass
class LoadedModel:
    estimator: Any
    model_id: int
    coder: str
    unit: str
    path: Path


# --------------------------------------------------------------------------- helpers
def codebook_hash(paths: Iterable[str]) -> str:
    """SHA-256 of the sorted code paths: it changes when a code is added, renamed, moved or removed."""
    return hashlib.sha256("\n".join(sorted(map(str, paths))).encode("utf-8")).hexdigest()


def default_model_dir(db: Database) -> Path:
    """``<folder>/<project stem>.models`` next to a project file."""
    path = sqlite_path(db.target)
    if path is None:
        raise ModelError("this project is a database, with no folder to keep model files in; "
                         "name one (model_dir=..., or --out DIR)")
    path = path.resolve()
    return path.with_name(path.stem + ".models")


def _cut(db: Database, ids: list[int], segments: pd.DataFrame, unit: str, include_interviewer: bool) -> pd.DataFrame:
    """Units of these sources, interviewer units dropped unless asked for."""
    texts, segs = read_batch(db, ids, segments)
    return units_of(texts, segs, unit, include_interviewer, speaker_roles(db) if not include_interviewer else None)


def speaker_roles(db: Database) -> SpeakerRoles:
    """The project's speaker roles (who is the interviewer)."""
    with db.connect() as conn:
        return SpeakerRoles(store_speakers.roles(conn))


def read_batch(db: Database, ids: list[int], segments: pd.DataFrame) -> tuple[dict[int, str], pd.DataFrame | None]:
    """The texts of these sources and their rows of ``segments``."""
    with db.connect() as conn:
        texts = store_sources.texts(conn, ids)
    return texts, (segments[segments["source_id"].isin(ids)] if not segments.empty else None)


def units_of(texts: dict[int, str], segments: pd.DataFrame | None, unit: str, include_interviewer: bool,
             roles: SpeakerRoles | None = None) -> pd.DataFrame:
    """Units of kind ``unit``, interviewer units (by the project's ``roles``; by label
    when none are given) dropped unless asked for."""
    units = cut_units(texts, segments, unit)
    if not include_interviewer and not units.empty:
        asked = np.asarray((roles or SpeakerRoles()).interviewer_mask(units["speaker"]), dtype=bool)
        units = units[~asked]
    return units.reset_index(drop=True)


def _chosen_codes(code_frame: pd.DataFrame, codes: Sequence[str] | None, conn: Any) -> list[str]:
    """The chosen codes and everything below them (default: the whole codebook)."""
    paths = code_frame["path"].tolist()
    if not codes:  # the questions' own codes say where an answer came from, not what it says
        return [p for p in paths if not is_structural(p)]
    chosen = [store_codes.resolve(conn, c).path for c in codes]
    return [p for p in paths if any(p == c or p.startswith(c + "/") for c in chosen)]


def spans_of(apps: pd.DataFrame) -> pd.DataFrame:
    """``source_id, start, end, code`` of applications (what ``unit_labels`` reads)."""
    return apps[["source_id", "start", "end", "code"]].reset_index(drop=True)


def _names(names: str | Sequence[str] | None) -> list[str] | None:
    """One name or many as a list without repeats; None (or empty) stays None."""
    if not names:
        return None
    return list(dict.fromkeys([names] if isinstance(names, str) else names))


def _check_coders(apps: pd.DataFrame, coders: str | Sequence[str] | None) -> list[str] | None:
    coders = _names(coders)
    if coders is None:
        return None
    known = set(apps["coder"]) if not apps.empty else set()
    missing = [c for c in coders if c not in known]
    if missing:
        shown = ", ".join(sorted(known)) or "none"
        raise NotFoundError(f"coder {missing[0]!r} has no codings in this project (coders: {shown})")
    return coders


# --------------------------------------------------------------------- training data
def training_data(
    db: Database,
    *,
    codes: Sequence[str] | None = None,
    unit: str = "sentence",
    coders: str | Sequence[str] | None = None,
    final_only: bool = False,
    min_positives: int = MIN_POSITIVES,
    rejected_weight: float = REJECTED_WEIGHT,
    include_interviewer: bool = False,
) -> TrainingData:
    """The labelled units a suggester learns from (see the module docstring).

    ``coders`` limits the positives and the "read" sources to these coders' work;
    ``final_only`` to the consensus coding. ``unit="auto"`` picks the unit kind whose
    boundaries best match the coded excerpts. Rejected suggestions count from any coder.
    """
    if min_positives < 1:
        raise UsageError(f"min_positives must be at least 1 (got {min_positives})")
    if rejected_weight <= 0:
        raise UsageError(f"rejected_weight must be positive (got {rejected_weight})")
    with db.connect() as conn:
        code_frame = frames.codes(conn)
        candidates = _chosen_codes(code_frame, codes, conn)
        source_frame = frames.sources(conn)
        segments = frames.segments(conn)
        apps = frames.applications(conn, status=None)
    if not candidates:
        raise ModelError("the codebook has no codes to learn (the questionnaire's question codes are left out); "
                         "import a codebook first")
    if apps.empty:
        raise ModelError("nothing is coded yet; code some units by hand first")
    coders = _check_coders(apps, coders)
    applied = apps[apps["status"] == "applied"]
    if coders is not None:
        applied = applied[applied["coder"].isin(coders)]
    if final_only:
        applied = applied[applied["final"]]
    read = _read_for(applied[applied["origin"].isin(PERSON_ORIGINS)])
    rejected = apps[(apps["status"] == "rejected") & apps["code"].isin(candidates)]
    if not read:
        what = "consensus (final) codings" if final_only else "codings by a person"
        raise ModelError(f"no source has {what}{' by ' + ', '.join(coders) if coders else ''}; code some first")

    wanted = set(read) | set(rejected["source_id"].astype(int))
    used = source_frame[source_frame["source_id"].isin(wanted)]
    if unit == "auto":
        unit = best_unit(db, used[used["source_id"].isin(list(read))], segments, spans_of(applied), include_interviewer)
    check_unit(unit)
    units = _cut(db, [int(s) for s in used["source_id"]], segments, unit, include_interviewer)
    Y, W = unit_labels(units, candidates, spans_of(applied), spans_of(rejected), read, rejected_weight)
    positives = (Y == POSITIVE).sum(axis=0)
    keep = positives >= min_positives
    skipped = {code: int(n) for code, n, k in zip(candidates, positives, keep) if not k and n > 0}
    if not keep.any():
        raise ModelError(f"no code has {min_positives} or more positive {unit} units "
                         f"(most: {int(positives.max()) if len(positives) else 0}); code more units first")
    kept_codes = [c for c, k in zip(candidates, keep) if k]
    n_rejected = _rejected_entries(units, rejected, Y, kept_codes, candidates)
    Y, W = Y[:, keep], W[:, keep]
    known_rows = (Y != -1).any(axis=1)  # a unit nothing is known about teaches nothing
    units, Y, W = units[known_rows].reset_index(drop=True), Y[known_rows], W[known_rows]
    frame = pd.DataFrame(Y, columns=pd.Index(kept_codes, dtype=object))
    return TrainingData(units, frame, W, unit, skipped, int(units["source_id"].nunique()), n_rejected)


def _read_for(person_apps: pd.DataFrame) -> dict[int, set[str]]:
    """Source id -> the codes its readers use anywhere in the project.

    A coder who applied codes in a source read it; its unmarked units are negatives for
    every code that coder uses (a coder who never uses a code says nothing about it).
    """
    uses = person_apps.groupby("coder")["code"].agg(set).to_dict()
    read: dict[int, set[str]] = {}
    for coder, source in person_apps[["coder", "source_id"]].drop_duplicates().itertuples(index=False):
        read.setdefault(int(source), set()).update(uses[coder])
    return read


def _rejected_entries(units: pd.DataFrame, rejected: pd.DataFrame, Y: np.ndarray, kept: list[str],
                      candidates: list[str]) -> int:
    """How many (unit, kept code) entries are negatives because a suggestion was rejected."""
    pairs = unit_code_pairs(units, spans_of(rejected[rejected["code"].isin(kept)]))
    if pairs.empty:
        return 0
    column = {code: j for j, code in enumerate(candidates)}
    return int((Y[pairs["unit"].to_numpy(), pairs["code"].map(column).to_numpy(dtype="int64")] == NEGATIVE).sum())


def best_unit(db: Database, sources: pd.DataFrame, segments: pd.DataFrame, spans: pd.DataFrame,
              include_interviewer: bool = False) -> str:
    """The unit kind whose units best match the coded excerpts (mean best Jaccard overlap).

    Looks at up to ``AUTO_SAMPLE_SOURCES`` coded sources; ties go to the finer unit.
    """
    ids = [int(s) for s in sources["source_id"].head(AUTO_SAMPLE_SOURCES)]
    spans = spans[spans["source_id"].isin(ids)].drop_duplicates(["source_id", "start", "end"]).reset_index(drop=True)
    if spans.empty:
        return "sentence"
    s_len = (spans["end"] - spans["start"]).to_numpy()
    best_kind, best_score = "sentence", -1.0
    for kind in AUTO_UNITS:
        units = _cut(db, ids, segments, kind, include_interviewer)
        pairs = overlaps(units, spans)
        score = np.zeros(len(spans))
        if not pairs.empty:
            u_len = (units["end"] - units["start"]).to_numpy()[pairs["unit"].to_numpy()]
            jaccard = pairs["overlap"].to_numpy() / (u_len + s_len[pairs["span"].to_numpy()] - pairs["overlap"].to_numpy())
            np.maximum.at(score, pairs["span"].to_numpy(), jaccard)
        if score.mean() > best_score + 1e-9:
            best_kind, best_score = kind, float(score.mean())
    return best_kind


# -------------------------------------------------------------------------- training
def evaluate(db: Database, *, folds: int = FOLDS, random_state: int | None = 0, estimator: Any = None,
             settings: dict[str, Any] | None = None, **data_options: Any) -> pd.DataFrame:
    """Per-code cross-validated precision, recall and F1 on the project's own codings.

    Each of ``folds`` folds trains a fresh suggester on the other folds' units and scores
    the held-out ones. Columns: ``code, positives, precision, recall, f1, support,
    predicted``; ``attrs`` holds samples/micro/macro F1, the unit, the units scored and
    the codes left out for too few positives (``skipped``). ``settings`` are
    suggester parameters set on top (see ``estimator_for``).
    """
    data = training_data(db, **data_options)
    return _cross_validate(data, folds, random_state, _estimator(estimator, len(data.units), random_state, settings))


def estimator_for(n_units: int, random_state: int | None = 0) -> Any:
    """The suggester ``train`` uses for ``n_units`` training units.

    ``CodeSuggester()`` as tuned on the ANES benchmark (word and character n-grams, LR
    and NB-LR per code, 3 folds of internal tuning) up to ``LARGE_TRAINING`` units.
    Past that the defaults cost far more than issue 5's budget (10^5 units in <= 120 s:
    they took 790 s on 10^5 synthetic units), so: word n-grams, NB-LR only, 2 folds
    (about 70 s). The price, measured by 3-fold CV on ANES training splits 4 and 6
    (4,190 and 7,569 answers): sample F1 .717 and .927 against .754 and .936 with the
    defaults. Whether that gap persists at 10^5 units is not measured (speed:
    ``benchmarks/bench_suggest.py``).
    """
    from qualcode.coding.suggest.suggester import CodeSuggester

    if n_units > LARGE_TRAINING:
        return CodeSuggester(char_ngrams=None, members=("nblr",), cv=2, random_state=random_state)
    return CodeSuggester(random_state=random_state)


def _estimator(estimator: Any, n_units: int, random_state: int | None,
               settings: dict[str, Any] | None = None) -> Any:
    """A fresh suggester (the size-based default, or a clone of ``estimator``) with
    ``settings`` (e.g. ``embeddings``, ``n_jobs``) set on top; None values are left alone."""
    from qualcode.coding.suggest.suggester import with_settings

    return with_settings(estimator_for(n_units, random_state) if estimator is None else clone(estimator), settings)


def _cross_validate(data: TrainingData, folds: int, random_state: int | None, estimator: Any) -> pd.DataFrame:
    from qualcode.coding.suggest.cv import cross_validate_codes

    if folds < 2:
        raise UsageError(f"cross-validation needs at least 2 folds (got {folds})")
    if len(data.units) < folds:
        raise ModelError(f"only {len(data.units)} labelled units: too few for {folds}-fold cross-validation")
    scores = cross_validate_codes(data.texts, data.Y, estimator, cv=folds, random_state=random_state,
                                  sample_weight=data.weights)
    scores.insert(0, "positives", data.positives.reindex(scores.index).astype(int))
    frame = scores.reset_index()[SCORE_COLUMNS]
    frame.attrs = {**scores.attrs, "unit": data.unit, "folds": folds, "units": len(data.units),
                   "skipped": dict(data.skipped)}
    return frame


def train(
    db: Database,
    *,
    cv: bool = True,
    folds: int = FOLDS,
    random_state: int | None = 0,
    model_dir: str | Path | None = None,
    estimator: Any = None,
    settings: dict[str, Any] | None = None,
    progress: bool | None = None,
    **data_options: Any,
) -> TrainReport:
    """Train a suggester on the project's codings, save it and record it; see ``training_data``.

    With ``cv`` the report carries per-code cross-validated precision/recall/F1 (a model
    per fold, so it takes ``folds`` times longer). ``estimator`` defaults to
    ``estimator_for`` the number of units; ``settings`` are parameters set on top of it
    (``{"embeddings": "minilm", "n_jobs": 2}``).
    """
    folder = Path(model_dir) if model_dir is not None else default_model_dir(db)
    steps = ["units", "cross-validation", "fit", "save"] if cv else ["units", "fit", "save"]
    bar = tqdm(total=len(steps), desc="train", unit="step", disable=None if progress is None else not progress)
    try:
        data = training_data(db, **data_options)
        bar.update()
        model = _estimator(estimator, len(data.units), random_state, settings)
        scores, cv_seconds = _empty_scores(data), None
        if cv:
            started = time.perf_counter()
            scores = _cross_validate(data, folds, random_state, model)
            cv_seconds = time.perf_counter() - started
            bar.update()
        started = time.perf_counter()
        model.fit(data.texts, data.Y, sample_weight=data.weights)
        train_seconds = time.perf_counter() - started
        bar.update()
        model_id, path = _save(db, model, data, scores, folder, data_options, train_seconds, folds if cv else None)
        bar.update()
    finally:
        bar.close()
    coders = _names(data_options.get("coders"))
    return TrainReport(model_id=model_id, path=path, unit=data.unit, coders=coders,
                       final_only=bool(data_options.get("final_only", False)), codes=list(data.Y.columns),
                       skipped=data.skipped, n_units=len(data.units), n_sources=data.n_sources,
                       rejected=data.rejected, scores=scores, train_seconds=train_seconds, cv_seconds=cv_seconds)


def _empty_scores(data: TrainingData) -> pd.DataFrame:
    frame = pd.DataFrame({"code": list(data.Y.columns), "positives": data.positives.to_numpy(dtype=int)})
    for column in SCORE_COLUMNS[2:]:
        frame[column] = np.nan
    return frame


def _plain(value: Any) -> Any:
    """JSON-safe: NaN becomes None (PostgreSQL's JSON refuses NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return _plain(value.item())
    return value


def _save(db: Database, model: Any, data: TrainingData, scores: pd.DataFrame, folder: Path,
          options: dict[str, Any], train_seconds: float, folds: int | None) -> tuple[int, Path]:
    """Record the model and write its file in one transaction (a failed write records nothing)."""
    if not folder.exists():
        if not folder.parent.exists():
            raise ModelError(f"{folder}: folder {folder.parent} does not exist; create it or choose another")
        folder.mkdir()
    with db.connect() as conn:
        book = codebook_hash(frames.codes(conn)["path"])
    coders = _names(options.get("coders"))
    per_code = {row.code: {k: _plain(getattr(row, k)) for k in ("positives", "precision", "recall", "f1")}
                for row in scores.itertuples(index=False)}
    params: dict[str, Any] = {
        "unit": data.unit, "coders": coders, "final_only": bool(options.get("final_only")),
        "codes": list(data.Y.columns), "skipped": data.skipped, "n_train": len(data.units),
        "n_sources": data.n_sources, "rejected": data.rejected, "codebook_hash": book, "scores": per_code,
        "cv_folds": folds, "train_seconds": round(train_seconds, 2),
        **{k: _plain(scores.attrs.get(k, float("nan"))) for k in ("samples_f1", "micro_f1", "macro_f1")},
    }
    namespace = db.meta("namespace")
    written: Path | None = None
    try:
        with db.begin() as conn:
            model_id = suggest_store.new_model(conn, params)
            path = (folder / f"{model_id}.joblib").resolve()
            if path.exists():
                raise ModelError(f"{path} already exists (from another project?); move it away or choose another folder")
            written = model.save(path, codebook_hash=book, metadata={"model_id": model_id, "project": namespace,
                                                                     "unit": data.unit, "coders": params["coders"]})
            review_store.set_run_params(conn, model_id, {**params, "path": str(path)})
    except BaseException:  # the record rolled back: do not leave its file behind
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return model_id, path


# ---------------------------------------------------------------------------- models
def list_models(db: Database) -> pd.DataFrame:
    """Trained models, oldest first: id, when, unit, coders, codes, training units,
    cross-validated macro F1, path, and whether the file is still there."""
    with db.connect() as conn:
        records = suggest_store.models(conn)
    columns = ["model_id", "created_at", "unit", "coders", "codes", "units", "cv_macro_f1", "path", "file"]
    if records.empty:
        return pd.DataFrame(columns=columns)
    p = records["params"]
    out = pd.DataFrame({
        "model_id": records["model_id"].astype(int),
        "created_at": records["created_at"],
        "unit": p.map(lambda d: d.get("unit", "")),
        "coders": p.map(lambda d: ", ".join(d.get("coders") or []) or "all"),
        "codes": p.map(lambda d: len(d.get("codes") or [])),
        "units": p.map(lambda d: int(d.get("n_train") or 0)),
        "cv_macro_f1": p.map(lambda d: d.get("macro_f1") if d.get("macro_f1") is not None else np.nan).astype(float),
        "path": p.map(lambda d: d.get("path", "")),
    })
    out["file"] = out["path"].map(lambda s: bool(s) and Path(s).is_file())
    return out[columns]


def load_model(db: Database, model: int | str | Path | None = None) -> LoadedModel:
    """A project's model by id (default: the latest), or a model file; checks the codebook."""
    from qualcode.coding.suggest.suggester import CodeSuggester

    with db.connect() as conn:
        current = codebook_hash(frames.codes(conn)["path"])
        record: dict[str, Any] | None = None
        if model is None:
            model_id = suggest_store.latest_model_id(conn)
            if model_id is None:
                raise ModelError("this project has no trained suggester; train one first: qualcode suggest train")
            model = model_id
        if isinstance(model, (int, np.integer)) or (isinstance(model, str) and model.strip().isdigit()):
            model_id = int(model)
            record = suggest_store.model_params(conn, model_id)
            if record is None:
                raise NotFoundError(f"no model {model_id}; list them with 'qualcode suggest models'")
    if record is not None:
        path = Path(record.get("path") or "")
        if not path.is_file():  # the project and its models folder moved together
            try:
                moved = default_model_dir(db) / f"{model_id}.joblib"
            except ModelError:
                moved = path
            path = moved if moved.is_file() else path
    else:
        path = Path(model)  # type: ignore[arg-type]
    estimator = CodeSuggester.load(path)
    meta = getattr(estimator, "metadata_", {}) or {}
    if record is None:
        same_project = meta.get("project") == db.meta("namespace") and meta.get("model_id") is not None
        model_id = int(meta["model_id"]) if same_project else 0
    try:
        estimator.check_codebook(current)
    except ModelError as error:
        raise ModelError(f"model {model_id} ({path.name}): {error}") from error
    coder = suggest_store.model_coder(model_id) if model_id else f"model:{path.stem}"
    unit = str(meta.get("unit") or (record or {}).get("unit") or "sentence")
    return LoadedModel(estimator, model_id, coder, unit, path)


__all__ = ["TrainReport", "TrainingData", "LoadedModel", "codebook_hash", "training_data", "best_unit",
           "estimator_for", "evaluate", "train", "list_models", "load_model", "UNIT_KINDS"]
