"""Autocoding a project by its codebook's rules: runs, dry runs, undo.

A run reads the codebook's ``rules:`` blocks (:mod:`qualcode.coding.rules.engine`), cuts
every source into units (:mod:`qualcode.coding.units`), and stores one application per
unit and code, by the coder ``rule:<codebook>``, origin ``rule``, with a confidence, and
status ``suggested`` -- a person accepts or rejects them in the review -- unless the
caller asks to ``apply`` directly.

* **Idempotent**: applications are unique by excerpt x code x coder, so a unit that
  already carries the code from this rule coder (suggested, applied *or rejected*) is
  left as it is; a second run adds only what is new (a new rule, new sources). A
  rejected suggestion therefore never comes back.
* **Dry run**: the same matching, nothing written; counts per code of the units that
  would be coded and of those that are new.
* **One transaction**: excerpts, applications and the run record are written together
  or not at all.
* **Undo**: every application remembers its run; undoing deletes the run's applications
  that nobody has decided on yet (accepted or rejected ones are a person's work and
  stay, unless forced), then excerpts left without any application.
* **Interviewers**: units spoken by an interviewer -- as the project's speaker roles say
  (:mod:`qualcode.speech.roles`: set, guessed at ingest, or a label such as "Interviewer")
  -- are skipped unless ``include_interviewer``: the researchers code what participants say.
* **Transcription marks** (``[laughs]``, ``(inaudible 00:12:03)``) are blanked before
  matching (:mod:`qualcode.speech.marks`), so no rule or search matches inside one.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd
from tqdm.auto import tqdm

from qualcode.coding.machine_runs import RunOptions, run_batches, source_batches, store_machine_run
from qualcode.coding.rules.confidence import with_confidence
from qualcode.coding.rules.engine import Rule, RuleSet, plan, rules_from_codes
from qualcode.coding.units import cut_units
from qualcode.errors import CodingError, NotFoundError, UsageError
from qualcode.store import codes as store_codes
from qualcode.store import coding as store_coding
from qualcode.store import frames, review_store
from qualcode.store import sources as store_sources
from qualcode.store import speakers as store_speakers
from qualcode.speech.marks import blank_marks
from qualcode.speech.roles import SpeakerRoles
from qualcode.store.database import Database
from qualcode.store.migrations import utcnow

SPAN_COLUMNS = ["source_id", "start", "end", "text", "code_id", "code", "matches", "confidence"]
BATCH_CHARS = 2_000_000  # source text per batch: bounds memory and feeds the progress bar


@dataclass
class AutocodeResult:
    """What a run did (or, for a dry run, would do)."""

    coder: str
    dry_run: bool
    counts: pd.DataFrame  # code, units, new
    run_id: int | None = None
    inserted: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(self.counts["units"].sum()) if not self.counts.empty else 0

    @property
    def new(self) -> int:
        return int(self.counts["new"].sum()) if not self.counts.empty else 0

    def summary(self) -> str:
        status = "applied" if self.params.get("apply") else "suggested"
        if self.dry_run:
            return (f"dry run: {self.total} unit codes would match, {self.new} new ({status}); nothing written"
                    + self._calibration_note())
        if self.run_id is None:
            return f"nothing new: all {self.total} matching unit codes are already in the project"
        done = f"run {self.run_id}: {self.inserted} new applications ({status}) by {self.coder}; {self.total - self.inserted} already there"
        return done + self._calibration_note()

    def _calibration_note(self) -> str:
        calibration = self.params.get("calibration")
        if not calibration:
            return ""
        return (f"; confidence = each rule's agreement with the hand coding, smoothed ((agreed + 1) / (checked + 2), "
                f"{len(calibration)} code(s))")


class RuleMatches(NamedTuple):
    """What the rules match, before anything is stored."""

    spans: pd.DataFrame  # SPAN_COLUMNS: one row per unit and code, the surest rule kept
    params: dict[str, Any]  # the run's parameters, as a stored run records them
    rule_codes: list[str]  # the codes that have a rule in this run's scope


def rule_coder(db: Database) -> str:
    """``rule:<codebook name>``; the name comes from the project's ``codebook`` meta value."""
    return f"rule:{db.meta('codebook') or 'codebook'}"


def autocode(
    db: Database,
    *,
    unit: str | None = None,
    codes: Sequence[str] | None = None,
    apply: bool = False,
    dry_run: bool = False,
    run: RunOptions = RunOptions(),
    coder: str | None = None,
    engine: str = "fast",
    role_field: str = "role",
    decided_by: str | None = None,
    calibrate_by: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> AutocodeResult:
    """Run the codebook's rules over every source; see the module docstring.

    With ``apply``, the person who ran it (``decided_by``) is recorded as having decided.
    ``run.cluster`` runs the matching on a Dask cluster (``dask_runs``) instead of
    ``run.n_process`` local processes. ``calibrate_by`` maps the matches to a calibration
    table (:func:`qualcode.coding.rules.confidence.calibrated_confidence` of their
    evaluation against hand coding), so the rules are matched once for both; its
    confidences replace the match-count ones, and the run records its counts.
    """
    coder = coder or rule_coder(db)
    found = match_rules(db, unit=unit, codes=codes, run=run, engine=engine, role_field=role_field)
    spans, params = found.spans, {**found.params, "apply": apply}
    calibration = calibrate_by(spans) if calibrate_by is not None else None
    if calibration is not None:  # each passage by its own keywords' track record, when the calibration has them
        keywords = calibration.attrs.get("keywords")
        hits = passage_keyword_hits(db, spans) if keywords is not None and len(keywords) else None
        spans = with_confidence(spans, calibration, keywords, hits)
        params["calibration"] = {row.code: [int(row.agreed), int(row.checked)] for row in calibration.itertuples()}
    result = store_matches(db, spans, coder, apply, dry_run, params, decided_by or coder)
    if calibration is not None:  # beside each code's counts: the hand-coded evidence behind its confidence
        result.counts = result.counts.merge(calibration, on="code", how="left")
    return result


def passage_keyword_hits(db: Database, spans: pd.DataFrame) -> pd.DataFrame:
    """Which keywords of each span's code's rule occur in the span's text: ``row, code,
    keyword`` (``row`` = position in ``spans``)."""
    columns = ["row", "code", "keyword"]
    if spans.empty:
        return pd.DataFrame(columns=columns)
    with db.connect() as conn:
        code_frame = frames.codes(conn)
    wanted = set(spans["code"])
    rules = [r for r in rules_from_codes(code_frame) if r.code in wanted and (r.keywords or r.regex)]
    if not rules:
        return pd.DataFrame(columns=columns)
    from qualcode.coding.rules.engine import Task

    return RuleSet.compile([Task(r, "keywords") for r in rules]).keyword_hits(spans["text"].astype(str).tolist())


def match_rules(
    db: Database,
    *,
    unit: str | None = None,
    codes: Sequence[str] | None = None,
    source_ids: Sequence[int] | None = None,
    run: RunOptions = RunOptions(),
    engine: str = "fast",
    role_field: str = "role",
) -> "RuleMatches":
    """Every (unit, code) the codebook's rules match, written nowhere.

    ``source_ids`` limits the matching to these sources (rule evaluation compares only the
    sources a person coded, so it need not read the rest).
    """
    run.check()
    with db.connect() as conn:
        code_frame = frames.codes(conn)
        chosen = [store_codes.resolve(conn, c).path for c in codes or ()]
    rules = rules_from_codes(code_frame)
    if codes:  # the chosen codes and everything below them
        rules = [r for r in rules if any(r.code == p or r.code.startswith(p + "/") for p in chosen)]
    if not rules:
        scope = f" among {', '.join(codes)}" if codes else ""
        raise CodingError(f"no code{scope} has a rules: block; add keywords to the codebook and import it again")
    params: dict[str, Any] = {"unit": unit, "codes": list(codes or []), "engine": engine,
                              "include_interviewer": run.include_interviewer, "rules": len(rules)}
    spans = match_given_rules(db, rules, unit=unit, source_ids=source_ids, run=run, engine=engine,
                              role_field=role_field)
    return RuleMatches(spans, params, sorted({r.code for r in rules}))


def match_given_rules(
    db: Database,
    rules: Sequence[Rule],
    *,
    unit: str | None = None,
    source_ids: Sequence[int] | None = None,
    run: RunOptions = RunOptions(),
    engine: str = "fast",
    role_field: str = "role",
) -> pd.DataFrame:
    """Every (unit, code) that ``rules`` match in the project's sources (``SPAN_COLUMNS``).

    The codebook's rules come through here, and so does a text search, which is a rule
    made on the spot (``qualcode.search.passages``). A unit matched twice for one code (keywords and a
    question rule) keeps the surer match.
    """
    run.check()
    with db.connect() as conn:
        source_frame = frames.sources(conn)
        descriptors = frames.descriptors(conn)
        segments = frames.segments(conn)
        speaker_roles = SpeakerRoles(store_speakers.roles(conn))
    if source_ids is not None and not source_frame.empty:
        source_frame = source_frame[source_frame["source_id"].isin(set(source_ids))]
    tasks = plan(rules, unit)
    rulesets = {kind: RuleSet.compile(ts, engine=engine) for kind, ts in tasks.items()}
    roles = _roles(descriptors, role_field)
    case_of = dict(zip(source_frame["source_id"], source_frame["case"])) if not source_frame.empty else {}
    spans = _match(db, source_frame, segments, rulesets, roles, case_of, run, speaker_roles)
    if not spans.empty:
        spans = (spans.sort_values("confidence", ascending=False, kind="stable")
                 .drop_duplicates(["source_id", "start", "end", "code_id"]).sort_values(["source_id", "start", "code_id"])
                 .reset_index(drop=True))
    return spans


def _roles(descriptors: pd.DataFrame, field_name: str) -> dict[str, str]:
    if descriptors.empty or field_name not in descriptors:
        return {}
    pairs = descriptors[["case", field_name]].dropna()
    return {str(c): str(r) for c, r in zip(pairs["case"], pairs[field_name])}


def _match(db: Database, source_frame: pd.DataFrame, segments: pd.DataFrame, rulesets: dict[str, RuleSet],
           roles: dict[str, str], case_of: dict[int, Any], run: RunOptions,
           speaker_roles: SpeakerRoles | None = None) -> pd.DataFrame:
    """All (span, code) matches, one batch of sources at a time, on ``run.n_process``
    processes (or on the Dask ``run.cluster``)."""
    if source_frame.empty:
        return pd.DataFrame(columns=SPAN_COLUMNS)
    def jobs() -> Iterator[tuple[int, tuple[dict[int, str], pd.DataFrame | None]]]:
        for ids in source_batches(source_frame, BATCH_CHARS):
            with db.connect() as conn:
                texts = store_sources.texts(conn, ids)
            segs = segments[segments["source_id"].isin(ids)] if not segments.empty else None
            yield len(texts), (texts, segs)

    several = run.n_process > 1 and sum(source_frame["length"]) > BATCH_CHARS
    bar = tqdm(total=len(source_frame), desc="autocode", unit="source",
               disable=None if run.progress is None else not run.progress)
    context = _Context(rulesets, roles, {int(k): v for k, v in case_of.items()}, run.include_interviewer,
                       speaker_roles or SpeakerRoles())
    try:
        results = run_batches(jobs(), context, run.n_process if several else 1, bar, cluster=run.cluster)
    finally:
        bar.close()
    frames_ = [r for r in results if not r.empty]
    return pd.concat(frames_, ignore_index=True) if frames_ else pd.DataFrame(columns=SPAN_COLUMNS)


@dataclass
class _Context:
    """Everything a (worker) process needs to code a batch of sources."""

    rulesets: dict[str, RuleSet]
    roles: dict[str, str]
    case_of: dict[int, Any]
    include_interviewer: bool
    speaker_roles: SpeakerRoles = field(default_factory=SpeakerRoles)

    def run(self, texts: dict[int, str], segments: pd.DataFrame | None) -> pd.DataFrame:
        out = []
        # marks blanked in the whole text: a sentence may start inside "(laughs)"
        blanked = {sid: blank_marks(text) for sid, text in texts.items()}
        for kind, ruleset in self.rulesets.items():
            units = cut_units(texts, segments, kind)
            if units.empty:
                continue
            if not self.include_interviewer:
                said_by_interviewer = self.speaker_roles.interviewer_mask(units["speaker"])
                units = units[[not flag for flag in said_by_interviewer]].reset_index(drop=True)
            units["role"] = self._role(units)
            said = [blanked[s][a:b] for s, a, b in zip(units["source_id"], units["start"], units["end"])]
            hits = ruleset.apply(units.assign(text=said))
            if hits.empty:
                continue
            rows = units.iloc[hits["row"].to_numpy()]
            out.append(pd.DataFrame({
                "source_id": rows["source_id"].to_numpy(), "start": rows["start"].to_numpy(),
                "end": rows["end"].to_numpy(), "text": rows["text"].to_numpy(),
                "code_id": hits["code_id"].to_numpy(), "code": hits["code"].to_numpy(),
                "matches": hits["matches"].to_numpy(), "confidence": hits["confidence"].to_numpy(),
            }))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=SPAN_COLUMNS)

    def _role(self, units: pd.DataFrame) -> pd.Series:
        """The role of the speaker's case, or of the source's case when there is no speaker."""
        speaker_role = units["speaker"].map(self.roles)
        source_role = units["source_id"].map(lambda s: self.roles.get(str(self.case_of.get(s))))
        return speaker_role.where(units["speaker"].notna(), source_role).astype("string")


def store_matches(db: Database, spans: pd.DataFrame, coder: str, apply: bool, dry_run: bool,
                  params: dict[str, Any], decided_by: str, kind: str = "autocode") -> AutocodeResult:
    """Count the matched units (``SPAN_COLUMNS``) new for ``coder``, and unless a dry run,
    write them as one run of ``kind`` in one transaction."""
    with db.connect() as conn:
        coder_id = store_coding.coder_id(conn, coder)
        existing = review_store.coded_spans(conn, coder_id) if coder_id is not None else pd.DataFrame()
    spans["new"] = _is_new(spans, existing)
    counts = _counts(spans)
    params = {**params, "units": int(len(spans)), "new": int(spans["new"].sum()) if not spans.empty else 0}
    result = AutocodeResult(coder=coder, dry_run=dry_run, counts=counts, params=params)
    fresh = spans[spans["new"]] if not spans.empty else spans
    if dry_run or fresh.empty:
        return result
    run_id, inserted = store_machine_run(db, fresh, coder=coder, kind=kind, origin="rule", apply=apply,
                                         params=params, decided_by=decided_by)
    result.run_id, result.inserted = run_id, inserted
    return result




def _is_new(spans: pd.DataFrame, existing: pd.DataFrame) -> pd.Series:
    if spans.empty:
        return pd.Series(dtype=bool)
    if existing.empty:
        return pd.Series(True, index=spans.index)
    keys = ["source_id", "start", "end", "code_id"]
    seen = pd.MultiIndex.from_frame(existing[keys].astype("int64"))
    mine = pd.MultiIndex.from_frame(spans[keys].astype("int64"))
    return pd.Series(~mine.isin(seen), index=spans.index)


def _counts(spans: pd.DataFrame) -> pd.DataFrame:
    if spans.empty:
        return pd.DataFrame(columns=["code", "units", "new"])
    grouped = spans.groupby("code", sort=True).agg(units=("code_id", "size"), new=("new", "sum"))
    return grouped.reset_index().astype({"units": int, "new": int})


def undo_run(db: Database, run_id: int, force: bool = False) -> dict[str, int]:
    """Delete a run's undecided applications (all of them with ``force``); one transaction."""
    with db.begin() as conn:
        row = review_store.run_row(conn, run_id)
        if row is None:
            raise NotFoundError(f"no run {run_id}; list runs with 'qualcode runs'")
        deleted, kept = review_store.delete_run_applications(conn, run_id, keep_decided=not force)
        orphans = store_coding.delete_orphan_excerpts(conn)
        params = dict(row.params or {})
        params["undone_at"] = utcnow().isoformat(timespec="seconds")
        params["undo_deleted"] = params.get("undo_deleted", 0) + deleted
        review_store.set_run_params(conn, run_id, params)
    return {"deleted": deleted, "kept": kept, "excerpts_removed": orphans}


def list_runs(db: Database) -> pd.DataFrame:
    """Runs, newest last: id, kind, coder, when, unit, apply, calibrated (rule confidences
    measured on hand coding), current counts by status, undone."""
    with db.connect() as conn:
        frame = review_store.runs(conn)
    if frame.empty:
        return frame.drop(columns=["params"]).assign(unit=[], apply=[], calibrated=[], undone_at=[])
    params = frame.pop("params").map(lambda p: p if isinstance(p, dict) else {})
    frame.insert(4, "unit", params.map(lambda p: p.get("unit") or "per rule"))
    frame.insert(5, "apply", params.map(lambda p: bool(p.get("apply"))))
    frame.insert(6, "calibrated", params.map(lambda p: bool(p.get("calibration"))))
    frame["undone_at"] = params.map(lambda p: p.get("undone_at") or "")
    return frame
