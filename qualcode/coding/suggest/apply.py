"""Putting a trained suggester's codes into a project: one run of suggestions.

Every unit of the chosen sources (``qualcode.coding.units``; the model's own unit by
default) gets the codes the model proposes -- its own per-text decision, or every code
at or above a ``threshold``, at most ``top_k`` per unit -- except codes the unit already
carries from anyone in any status (applied, suggested or rejected; "carries" as in
``unit_labels``: an excerpt covering half the unit or lying inside it). So a re-run adds
nothing, a rejected suggestion never comes back, and the model does not repeat what
the rules autocoder already proposed.

New suggestions are stored as ``suggested`` (``apply``: ``applied``) by the coder
``model:<id>``, origin ``model``, with the model's calibrated confidence, in one
transaction, as a run of kind ``suggest`` (undone like an autocoding run). Sources are
read in batches; cutting and scoring can run on several processes.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from qualcode.coding.machine_runs import check_run_options, run_batches, source_batches, store_machine_run
from qualcode.coding.suggest.project_models import load_model, read_batch, spans_of, speaker_roles, units_of
from qualcode.coding.suggest.unit_labels import unit_code_pairs
from qualcode.coding.units import check_unit
from qualcode.errors import UsageError
from qualcode.store import frames
from qualcode.store import sources as store_sources
from qualcode.store.database import Database
from qualcode.speech.roles import SpeakerRoles


@dataclass
class SuggestReport:
    """What ``suggest`` proposed (``suggestions``: one row per unit and code)."""

    model_id: int
    coder: str
    unit: str
    dry_run: bool
    apply: bool
    suggestions: pd.DataFrame  # source_id, source, start, end, speaker, code, confidence, new, text
    run_id: int | None = None
    inserted: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> pd.DataFrame:
        """Per code: units the model picks, and how many of them are new to the project."""
        if self.suggestions.empty:
            return pd.DataFrame({"code": pd.Series(dtype=object), "units": pd.Series(dtype=int),
                                 "new": pd.Series(dtype=int)})
        grouped = self.suggestions.groupby("code", sort=True).agg(units=("new", "size"), new=("new", "sum"))
        return grouped.reset_index().astype({"units": int, "new": int})

    @property
    def new(self) -> int:
        return int(self.suggestions["new"].sum()) if not self.suggestions.empty else 0

    def summary(self) -> str:
        status = "applied" if self.apply else "suggested"
        total = len(self.suggestions)
        if self.dry_run:
            return f"dry run: model {self.model_id} picks {total} unit codes, {self.new} new ({status}); nothing written"
        if self.run_id is None:
            return f"nothing new: the {total} unit codes model {self.model_id} picks are already in the project"
        return (f"run {self.run_id}: {self.inserted} new {self.unit} suggestions ({status}) by {self.coder}; "
                f"{total - self.inserted} already there")




def suggest(
    db: Database,
    *,
    model: int | str | Path | None = None,
    unit: str | None = None,
    sources: Sequence[str] | None = None,
    threshold: float | None = None,
    top_k: int | None = None,
    apply: bool = False,
    dry_run: bool = False,
    decided_by: str | None = None,
    include_interviewer: bool = False,
    n_process: int = 1,
    progress: bool | None = None,
    cluster: str | None = None,
) -> SuggestReport:
    """Propose codes for the project's units with a trained model (see the module docstring).

    ``unit`` defaults to the unit the model was trained on; ``sources`` (names) limits
    the run. ``threshold`` replaces the model's own decision by "every code with at least
    this confidence"; ``top_k`` keeps each unit's k most confident codes (codes the unit
    already carries count among them). With ``apply`` the person who ran it
    (``decided_by``) is recorded as having decided. ``n_process`` processes cut and
    score the units (worth it past about 10^4 units); ``cluster`` runs them on a Dask
    cluster instead (``dask_runs``).
    """
    check_run_options(n_process, cluster)
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise UsageError(f"the threshold is a confidence between 0 and 1 (got {threshold})")
    if top_k is not None and top_k < 1:
        raise UsageError(f"top_k must be at least 1 (got {top_k})")
    loaded = load_model(db, model)
    unit = check_unit(unit or loaded.unit)
    with db.connect() as conn:
        code_ids = dict(zip(*(frames.codes(conn)[c] for c in ("path", "code_id"))))
        source_frame = frames.sources(conn)
        if sources:
            chosen = {store_sources.resolve(conn, s).id for s in sources}
            source_frame = source_frame[source_frame["source_id"].isin(chosen)]
        segments = frames.segments(conn, [int(s) for s in source_frame["source_id"]] if sources else None)
        apps = frames.applications(conn, status=None)
    model_codes = [str(c) for c in loaded.estimator.classes_]
    carried = spans_of(apps[apps["code"].isin(model_codes)]) if not apps.empty else pd.DataFrame()
    names = dict(zip(source_frame["source_id"], source_frame["source"]))

    work = _Suggesting(loaded.estimator, unit, include_interviewer, threshold, top_k, speaker_roles(db))
    bar = tqdm(total=len(source_frame), desc="suggest", unit="source", disable=None if progress is None else not progress)
    try:
        found = _run_batches(db, source_frame, segments, carried, work, n_process, bar, cluster)
    finally:
        bar.close()
    picks = [f for f in found if not f.empty]
    suggestions = pd.concat(picks, ignore_index=True) if picks else _pick(loaded.estimator, pd.DataFrame(), carried, None, None)
    suggestions.insert(1, "source", suggestions["source_id"].map(names).astype(object))
    suggestions["code_id"] = suggestions["code"].map(code_ids).astype("Int64")
    params = {"model": loaded.model_id, "unit": unit, "threshold": threshold, "top_k": top_k, "apply": apply,
              "sources": list(sources or []), "include_interviewer": include_interviewer,
              "units": int(len(suggestions)), "new": int(suggestions["new"].sum()) if not suggestions.empty else 0}
    report = SuggestReport(model_id=loaded.model_id, coder=loaded.coder, unit=unit, dry_run=dry_run, apply=apply,
                           suggestions=suggestions.drop(columns="code_id"), params=params)
    fresh = suggestions[suggestions["new"]] if not suggestions.empty else suggestions
    if dry_run or fresh.empty:
        return report
    report.run_id, report.inserted = store_machine_run(db, fresh, coder=loaded.coder, kind="suggest", origin="model",
                                                         apply=apply, params=params,
                                                         decided_by=decided_by or loaded.coder)
    return report


@dataclass
class _Suggesting:
    """What a (worker) process needs to suggest codes for a batch of sources."""

    estimator: Any
    unit: str
    include_interviewer: bool
    threshold: float | None
    top_k: int | None
    roles: SpeakerRoles = field(default_factory=SpeakerRoles)

    def run(self, texts: dict[int, str], segments: pd.DataFrame | None, carried: pd.DataFrame) -> pd.DataFrame:
        units = units_of(texts, segments, self.unit, self.include_interviewer, self.roles)
        return _pick(self.estimator, units, carried, self.threshold, self.top_k)


def _run_batches(db: Database, source_frame: pd.DataFrame, segments: pd.DataFrame, carried: pd.DataFrame,
                 work: _Suggesting, n_process: int, bar: Any, cluster: str | None = None) -> list[pd.DataFrame]:
    """Each batch of sources cut into units and scored, in order, on ``n_process`` processes.

    The main process reads the texts; workers (forked, so the model is shared, not
    copied) cut and score. A window of a few batches in flight bounds memory.
    """
    def jobs() -> Iterator[tuple[int, tuple[dict[int, str], pd.DataFrame | None, pd.DataFrame]]]:
        for ids in source_batches(source_frame):
            texts, segs = read_batch(db, ids, segments)
            mine = carried[carried["source_id"].isin(ids)] if not carried.empty else carried
            yield len(ids), (texts, segs, mine)

    return run_batches(jobs(), work, n_process if len(source_frame) >= 2 else 1, bar, cluster=cluster)


def _pick(estimator: Any, units: pd.DataFrame, carried: pd.DataFrame, threshold: float | None,
          top_k: int | None) -> pd.DataFrame:
    """The model's codes for each unit, marked ``new`` unless the unit already carries them."""
    columns = ["source_id", "start", "end", "speaker", "code", "confidence", "new", "text"]
    if units.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}).astype(
            {"source_id": "int64", "start": "int64", "end": "int64", "confidence": float, "new": bool})
    picks = estimator.suggest(units["text"].tolist(), top_k=top_k, min_confidence=threshold,
                              index=list(range(len(units))))
    rows = picks["index"].to_numpy(dtype="int64")
    frame = pd.DataFrame({
        "source_id": units["source_id"].to_numpy()[rows], "start": units["start"].to_numpy()[rows],
        "end": units["end"].to_numpy()[rows], "speaker": units["speaker"].to_numpy()[rows],
        "code": picks["code"].astype(str).to_numpy(), "confidence": picks["confidence"].to_numpy(dtype=float),
        "new": True, "text": units["text"].to_numpy()[rows],
    })
    if not carried.empty and not frame.empty:
        mine = carried[carried["source_id"].isin(units["source_id"].unique())]
        have = unit_code_pairs(units, mine)
        if not have.empty:
            taken = pd.MultiIndex.from_arrays([have["unit"].to_numpy(), have["code"].astype(str).to_numpy()])
            frame["new"] = ~pd.MultiIndex.from_arrays([rows, frame["code"].to_numpy()]).isin(taken)
    return frame


