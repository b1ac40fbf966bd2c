"""Running a rule evaluation on a project: match (or read the stored suggestions), then compare.

:mod:`qualcode.coding.rules.evaluation` holds the pure comparison; this module gathers its
inputs from the store -- the rule matches in the hand-coded sources, the excerpts' texts,
which keyword brought each unit in -- so that ``Project.evaluate_rules`` stays a thin
call. Nothing is written.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qualcode.codebook.branches import thematic_mask
from qualcode.coding.machine_runs import RunOptions
from qualcode.coding.rules.autocode import RuleMatches, match_rules
from qualcode.coding.rules.evaluation import RuleEvaluation, evaluate_rules, keyword_table
from qualcode.coding.rules.engine import RuleSet, Task, rules_from_codes
from qualcode.errors import UsageError
from qualcode.store import frames
from qualcode.store import sources as store_sources
from qualcode.store.database import Database

HAND_ORIGINS = ("manual", "import")
MANUAL_COLUMNS = ["source_id", "source", "case", "start", "end", "code", "coder"]


def hand_applications(applied: pd.DataFrame) -> pd.DataFrame:
    """The applied applications a person made (not accepted machine suggestions) on
    thematic codes: question codes say where an answer came from, not what it says."""
    if applied.empty:
        return applied
    return applied[applied["origin"].isin(HAND_ORIGINS) & thematic_mask(applied["code"])]


def hand_coding(applied: pd.DataFrame, coders: Sequence[str] | None) -> pd.DataFrame:
    """:func:`hand_applications`, with a one-line error when there are none."""
    if applied.empty or not applied["origin"].isin(HAND_ORIGINS).any():
        by = f" by {', '.join(coders)}" if coders else ""
        raise UsageError(f"no hand coding{by} to compare the rules with; code some sources by hand first "
                         "(qualcode code), or name a coder who has (--coder)")
    manual = hand_applications(applied)
    if manual.empty:
        raise UsageError("the hand coding holds only questionnaire question codes; code some passages by hand "
                         "first (qualcode code)")
    return manual


INCOMPLETE_ASSUMPTION = (
    "no source is marked as coded completely ('qualcode done SOURCE --coder NAME' once a person has coded all "
    "of it), so every source with some hand coding is taken as fully coded: a rule hit nobody coded counts as "
    "wrong, and on sparse hand coding precision is far too low. Mark the completely coded sources and "
    "evaluate again.")


def complete_sources(manual: pd.DataFrame, marks: pd.DataFrame) -> tuple[list[int] | None, str | None]:
    """The sources to evaluate rules on, and what had to be assumed.

    A person's coding is a fair yardstick only where they coded all of a source: there a
    rule hit they did not code is a real false positive. Sources marked done (coverage
    marks, ``qualcode done``) by the coders in ``manual`` are those; a marked source with
    no hand coding still counts (its rule hits are all wrong). With no marks at all, every
    hand-coded source is used and the assumption is returned to be said out loud."""
    coders = set(manual["coder"]) if not manual.empty else set()
    marked = marks[marks["coder"].isin(coders)] if not marks.empty else marks
    if marked.empty:
        return None, INCOMPLETE_ASSUMPTION
    return sorted(set(int(s) for s in marked["source_id"])), None


def evaluate_project_rules(db: Database, manual: pd.DataFrame, stored_rule_apps: pd.DataFrame | None, *,
                           codes: Sequence[str] | None = None, unit: str | None = None,
                           run: RunOptions = RunOptions()) -> RuleEvaluation:
    """Compare the rules with ``manual`` (from :func:`hand_coding`) in the sources coded
    completely (see :func:`complete_sources`).

    ``stored_rule_apps`` (the project's rule applications, any status) compares what earlier
    runs stored; None matches the codebook's rules as they are now.
    """
    from qualcode.store import coverage as coverage_store

    with db.connect() as conn:
        chosen, assumption = complete_sources(manual, coverage_store.marks(conn))
    if chosen is not None:
        manual = manual[manual["source_id"].isin(chosen)]
    ids = chosen if chosen is not None else sorted(set(int(s) for s in manual["source_id"]))
    with db.connect() as conn:
        texts = store_sources.texts(conn, ids)
        code_frame = frames.codes(conn)
    if stored_rule_apps is None:
        found = match_rules(db, unit=unit, codes=codes, source_ids=ids, run=run)
    else:
        found = _stored(stored_rule_apps, ids, texts)
    manual = manual[MANUAL_COLUMNS].assign(
        text=[texts[s][a:b] for s, a, b in zip(manual["source_id"], manual["start"], manual["end"])])
    names = dict(zip(manual["source_id"], manual["source"]))
    with db.connect() as conn:  # a source read and found empty has no manual row to name it
        names.update({i: store_sources.name_of(conn, i) for i in ids if i not in names})
    result = evaluate_rules(found.spans.assign(source=found.spans["source_id"].map(names)), manual, found.rule_codes,
                            sources=ids)
    result.assumption = assumption
    result.keywords = _keywords(result, code_frame, found.rule_codes)
    return result


def _stored(apps: pd.DataFrame, source_ids: list[int], texts: dict[int, str]) -> RuleMatches:
    """Stored rule applications in ``source_ids`` in the shape ``match_rules`` returns."""
    mine = apps[apps["source_id"].isin(set(source_ids))] if not apps.empty else apps
    if mine.empty:
        spans = pd.DataFrame(columns=["source_id", "start", "end", "code", "text"])
    else:
        spans = mine[["source_id", "start", "end", "code"]].reset_index(drop=True)
        spans["text"] = [texts[s][a:b] for s, a, b in zip(spans["source_id"], spans["start"], spans["end"])]
    return RuleMatches(spans, {"stored": True}, sorted(set(spans["code"])))


def _keywords(result: RuleEvaluation, code_frame: pd.DataFrame, rule_codes: list[str]) -> pd.DataFrame:
    """Which keyword of each code's rule brought its units in, and how often rightly."""
    wanted = set(rule_codes)
    rules = [r for r in rules_from_codes(code_frame) if r.code in wanted and (r.keywords or r.regex)]
    if not rules or result.units.empty:
        return keyword_table(result.units, pd.DataFrame(columns=["row", "code", "keyword"]))
    ruleset = RuleSet.compile([Task(r, "keywords") for r in rules])
    return keyword_table(result.units, ruleset.keyword_hits(result.units["text"].tolist()))
