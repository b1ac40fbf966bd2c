"""``Project`` methods for machine coding: the codebook's rules (autocode, their
evaluation against hand coding), the code suggester, and the runs both leave behind.

Methods stay thin: read the project's frames or open one transaction, call the module of
``qualcode.coding.rules`` / ``qualcode.coding.suggest`` that does the work, return data.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.coding.machine_runs import RunOptions
from qualcode.errors import UsageError
from qualcode.project.core import ProjectCore, coder_or_default, listed_names

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.coding.rules.autocode import AutocodeResult
    from qualcode.coding.rules.evaluation import RuleEvaluation
    from qualcode.coding.suggest.apply import SuggestReport
    from qualcode.coding.suggest.project_models import TrainReport


class ProjectMachineCoding(ProjectCore):
    """Rules, suggester and runs; ``qualcode.Project`` inherits them."""

    # ------------------------------------------------------------------ rules
    def autocode(
        self,
        unit: str | None = None,
        codes: str | Sequence[str] | None = None,
        apply: bool = False,
        dry_run: bool = False,
        n_process: int = 1,
        progress: bool | None = None,
        *,
        include_interviewer: bool = False,
        coder: str | None = None,
        engine: str = "fast",
        cluster: str | None = None,
        calibrate: bool = False,
        coders: str | Sequence[str] | None = None,
    ) -> "AutocodeResult":
        """Code every source by the codebook's ``rules:`` blocks.

        ``unit`` (sentence, paragraph, turn, answer, source) overrides each rule's own;
        ``codes`` limits the run to these codes and their children. New applications are
        ``suggested`` (``apply=True``: ``applied``), by the coder ``rule:<codebook>``.
        Re-running adds only what is new; ``dry_run`` counts without writing. Returns an
        ``AutocodeResult`` (``run_id``, ``counts`` per code, ``summary()``).
        See ``qualcode.coding.rules.engine`` for what each rule key means. ``n_process``
        runs the rules on that many local processes; ``cluster`` on a Dask cluster (a
        scheduler address such as ``tcp://host:8786``, or ``local:N``; needs the ``dask`` extra).

        With ``calibrate``, each suggestion's confidence is its code's rule's smoothed
        agreement with the hand coding of ``coders`` (default anyone), measured first as
        ``evaluate_rules`` does (``qualcode.coding.rules.confidence``), so the review's
        "least certain first" means something; ``result.params["calibration"]`` keeps
        the counts. Suggestions stored by earlier runs keep their confidence.
        """
        from qualcode.coding.rules.autocode import autocode
        from qualcode.coding.rules.confidence import calibrated_confidence
        from qualcode.coding.rules.evaluation_run import evaluate_project_rules

        chosen = [codes] if isinstance(codes, str) else list(codes or [])
        calibrate_by = None
        if calibrate:
            manual = self._hand_coding(coders)  # no hand coding: a one-line error before anything is matched

            def calibrate_by(spans: pd.DataFrame) -> pd.DataFrame:
                evaluation = evaluate_project_rules(self._db, manual, spans)
                table = calibrated_confidence(evaluation.table)
                table.attrs["keywords"] = evaluation.keywords  # each passage by its own keywords' record
                table.attrs["assumption"] = evaluation.assumption
                return table
        elif coders:
            raise UsageError("coders name whose hand coding calibrates the confidence: use them with calibrate=True")
        run = RunOptions(include_interviewer=include_interviewer, n_process=n_process, cluster=cluster, progress=progress)
        return autocode(self._db, unit=unit, codes=chosen, apply=apply, dry_run=dry_run, run=run, coder=coder,
                        engine=engine, decided_by=coder_or_default(None), calibrate_by=calibrate_by)

    def _hand_coding(self, coders: str | Sequence[str] | None) -> pd.DataFrame:
        """The applied hand coding of ``coders`` (default anyone) that rules are compared with."""
        from qualcode.coding.rules.evaluation_run import hand_coding

        who = listed_names(coders)
        # the applied codings are read whole and filtered here: a report has them cached already
        return hand_coding(self.applications(status="applied", coder=who), who)

    def evaluate_rules(
        self,
        coders: str | Sequence[str] | None = None,
        codes: str | Sequence[str] | None = None,
        unit: str | None = None,
        *,
        include_interviewer: bool = False,
        n_process: int = 1,
        progress: bool | None = None,
        stored: bool = False,
    ) -> "RuleEvaluation":
        """How well the codebook's rules, as they are now, agree with hand coding.

        The rules are matched (nothing is written) in the sources that ``coders`` (default:
        anyone) coded by hand, and compared by overlap with their applied manual or
        imported codings: per code precision, recall and F1, the units behind them, and
        ``false_positives(code)`` / ``misses(code)`` to read what to tighten or add.
        Run it after editing the rules and before ``autocode`` on the whole project.
        With ``stored`` the rules are not matched again: the suggestions stored by earlier
        runs (whatever their review status) are compared instead, as the report does.
        """
        from qualcode.coding.rules.evaluation_run import evaluate_project_rules

        manual = self._hand_coding(coders)
        stored_apps = (self.applications(listed_names(codes), status=None, origin="rule")
                       if stored else None)
        run = RunOptions(include_interviewer=include_interviewer, n_process=n_process, progress=progress)
        return evaluate_project_rules(self._db, manual, stored_apps, codes=listed_names(codes), unit=unit, run=run)

    def undo_run(self, run_id: int, force: bool = False) -> dict[str, int]:
        """Remove a run's applications that nobody has decided on yet (all with ``force``)."""
        from qualcode.coding.rules.autocode import undo_run

        return undo_run(self._db, int(run_id), force=force)

    def runs(self) -> pd.DataFrame:
        """Autocoding runs: id, kind, coder, when, unit, apply, counts by status, undone."""
        from qualcode.coding.rules.autocode import list_runs

        return list_runs(self._db)

    # -------------------------------------------------------------- suggester
    def train_suggester(
        self,
        codes: str | Sequence[str] | None = None,
        unit: str = "sentence",
        coders: str | Sequence[str] | None = None,
        final_only: bool = False,
        cv: bool = True,
        random_state: int | None = 0,
        *,
        folds: int = 5,
        min_positives: int = 5,
        rejected_weight: float = 2.0,
        model_dir: str | Path | None = None,
        include_interviewer: bool = False,
        estimator: object = None,
        progress: bool | None = None,
        embeddings: str | None = None,
        n_jobs: int | None = None,
    ) -> "TrainReport":
        """Train the code suggester on this project's applied codings and save it.

        Units (``unit``: sentence, paragraph, turn, answer, source, or ``"auto"`` for the
        kind that best matches the coded excerpts) are positive for a code when an
        applied coding of it (by ``coders``, default anyone; ``final_only``: the
        consensus) covers half the unit or lies inside it; other units of coded sources
        are negatives, rejected suggestions weighted negatives (``rejected_weight``),
        units of uncoded sources unknown. Codes with fewer than ``min_positives``
        positive units are left out (``report.skipped``). With ``cv`` the report has
        per-code ``folds``-fold cross-validated precision/recall/F1 (``report.scores``).
        The model goes to ``<project>.models/<id>.joblib`` (or ``model_dir``).
        ``embeddings="minilm"`` adds the sentence-embedding member (optional extra);
        ``n_jobs`` fits the codes in that many processes (same model, less wall time).
        """
        from qualcode.coding.suggest.project_models import train

        return train(self._db, cv=cv, folds=folds, random_state=random_state, model_dir=model_dir,
                     estimator=estimator, progress=progress, settings={"embeddings": embeddings, "n_jobs": n_jobs},
                     codes=listed_names(codes), unit=unit,
                     coders=listed_names(coders), final_only=final_only, min_positives=min_positives,
                     rejected_weight=rejected_weight, include_interviewer=include_interviewer)

    def suggest(
        self,
        model: int | str | Path | None = None,
        unit: str | None = None,
        sources: str | Sequence[str] | None = None,
        threshold: float | None = None,
        top_k: int | None = None,
        apply: bool = False,
        dry_run: bool = False,
        *,
        include_interviewer: bool = False,
        n_process: int = 1,
        progress: bool | None = None,
        cluster: str | None = None,
    ) -> "SuggestReport":
        """Store a trained model's code suggestions for the project's units.

        ``model`` is a model id (default: the latest) or a model file; ``unit`` defaults
        to the model's. Each unit gets the codes the model picks (or every code with
        confidence >= ``threshold``; at most ``top_k``) that it does not already carry
        from anyone in any status, as ``suggested`` (``apply``: ``applied``) by the coder
        ``model:<id>`` with the confidence. Re-running adds nothing; ``dry_run`` writes
        nothing; ``n_process`` processes cut and score the units (``cluster``: a Dask
        cluster, as for ``autocode``). ``report.suggestions``
        lists them; ``review_queue`` shows model suggestions least certain first.
        """
        from qualcode.coding.suggest.apply import suggest

        run = RunOptions(include_interviewer=include_interviewer, n_process=n_process, cluster=cluster, progress=progress)
        return suggest(self._db, model=model, unit=unit, sources=listed_names(sources), threshold=threshold,
                       top_k=top_k, apply=apply, dry_run=dry_run, decided_by=coder_or_default(None), run=run)

    def evaluate_suggester(
        self,
        codes: str | Sequence[str] | None = None,
        unit: str = "sentence",
        folds: int = 5,
        *,
        coders: str | Sequence[str] | None = None,
        final_only: bool = False,
        min_positives: int = 5,
        random_state: int | None = 0,
        include_interviewer: bool = False,
        estimator: object = None,
        embeddings: str | None = None,
        n_jobs: int | None = None,
    ) -> pd.DataFrame:
        """Per-code cross-validated precision, recall and F1 of the suggester on this project.

        The training data are those of ``train_suggester``; nothing is saved. Columns
        ``code, positives, precision, recall, f1, support, predicted``; ``frame.attrs``
        holds ``samples_f1``, ``micro_f1``, ``macro_f1``, the unit and ``skipped`` codes.
        """
        from qualcode.coding.suggest.project_models import evaluate

        return evaluate(self._db, folds=folds, random_state=random_state, estimator=estimator,
                        settings={"embeddings": embeddings, "n_jobs": n_jobs},
                        codes=listed_names(codes), unit=unit, coders=listed_names(coders), final_only=final_only,
                        min_positives=min_positives, include_interviewer=include_interviewer)

    def models(self) -> pd.DataFrame:
        """Trained suggesters: id, when, unit, coders, codes, training units, CV macro F1, path, file."""
        from qualcode.coding.suggest.project_models import list_models

        return list_models(self._db)
