"""How well the codebook's rules agree with a person's coding: precision and recall per code.

Why: before a team runs its rules over hundreds of transcripts it wants to know which
rules over-reach (a keyword that also fires on unrelated talk) and which miss most of what
people code. The sources someone has coded by hand are the yardstick: a rule unit
*agrees* when a manual excerpt of the same code in the same source overlaps it, and a
manual excerpt is *found* when a rule unit of the same code overlaps it. Overlap, not
identity, because rules code sentences or turns while people code passages of any length.

Precision is a lower bound where the manual coding is not exhaustive (a rule can be right
where nobody coded). Codes are compared exactly: a rule on a parent code is not credited
with a person's coding of its child.

Pure functions on frames: the project layer reads the rule matches and the manual
applications and calls :func:`evaluate_rules`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SPAN_KEYS = ["source_id", "start", "end", "code"]
TABLE_COLUMNS = ["code", "suggested", "agreed", "precision", "manual", "found", "recall", "f1"]
KEYWORD_COLUMNS = ["code", "keyword", "units", "agreed", "precision", "only_keyword"]
ALL_CODES = "(all codes)"


@dataclass
class RuleEvaluation:
    """Rules against manual coding, per code, with the units behind every figure."""

    table: pd.DataFrame  # TABLE_COLUMNS, one row per code with a rule, then the pooled row ALL_CODES
    units: pd.DataFrame  # rule units in the compared sources, with ``agrees``
    manual: pd.DataFrame  # distinct manual excerpts x code in those sources, with ``found``
    sources: int  # how many sources were compared
    keywords: pd.DataFrame = field(default_factory=pd.DataFrame)  # KEYWORD_COLUMNS, see keyword_table
    #: what the comparison had to assume, said before any figure (None: the sources compared
    #: were marked as coded completely by the people compared with)
    assumption: str | None = None

    def summary(self) -> str:
        total = self.table[self.table["code"] == ALL_CODES].iloc[0]
        caveat = f"ASSUMED: {self.assumption}\n" if self.assumption else ""
        return caveat + (f"rules against manual coding in {self.sources} source(s): precision {_fmt(total['precision'])} "
                f"({int(total['agreed'])} of {int(total['suggested'])} rule units overlap a manual excerpt of their "
                f"code), recall {_fmt(total['recall'])} ({int(total['found'])} of {int(total['manual'])} manual "
                "excerpts found)")

    def false_positives(self, code: str, n: int = 5) -> pd.DataFrame:
        """Up to ``n`` rule units of ``code`` that no manual excerpt of it overlaps."""
        wrong = self.units[(self.units["code"] == code) & ~self.units["agrees"]]
        return wrong.head(n)

    def misses(self, code: str, n: int = 5) -> pd.DataFrame:
        """Up to ``n`` manual excerpts of ``code`` that no rule unit of it overlaps."""
        missed = self.manual[(self.manual["code"] == code) & ~self.manual["found"]]
        return missed.head(n)


def evaluate_rules(rule_units: pd.DataFrame, manual: pd.DataFrame, rule_codes: Iterable[str],
                   sources: Iterable[int] | None = None) -> RuleEvaluation:
    """Compare ``rule_units`` with ``manual`` applications, both with ``SPAN_KEYS``.

    Only ``sources`` (default: the sources in ``manual``) are compared -- a source a
    person read and found nothing in counts, every rule hit there is wrong; ``rule_codes`` (the codes that have a
    rule) are the rows of the table, so a code whose rule matched nothing still shows
    with its recall of 0. Manual applications of one span and code by several coders
    count once.
    """
    codes = sorted(set(rule_codes))
    compared = set(sources) if sources is not None else (set(manual["source_id"]) if not manual.empty else set())
    units = rule_units[rule_units["source_id"].isin(compared) & rule_units["code"].isin(codes)]
    units = units.drop_duplicates(["source_id", "start", "end", "code"]).reset_index(drop=True)
    people = manual[manual["code"].isin(codes)].drop_duplicates(SPAN_KEYS).reset_index(drop=True)
    units = units.assign(agrees=overlap_flags(units, people))
    people = people.assign(found=overlap_flags(people, units))
    table = _table(units, people, codes)
    return RuleEvaluation(table=table, units=units, manual=people, sources=len(compared))


def keyword_table(units: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """Per code and keyword: how many of the rule's units it occurs in, how many of those
    agree with the hand coding, and in how many it is the only keyword of that code.

    ``units`` are :attr:`RuleEvaluation.units` (``agrees``), ``hits`` the ``row, code,
    keyword`` frame of ``RuleSet.keyword_hits`` on their texts (``row`` = position in
    ``units``). A keyword with low precision that is often the only one is the one to
    drop or to guard with an exclusion; one that only ever co-occurs costs nothing.
    """
    if units.empty or hits.empty:
        return pd.DataFrame(columns=KEYWORD_COLUMNS)
    own = hits[hits["code"].to_numpy() == units["code"].to_numpy()[hits["row"].to_numpy()]]
    if own.empty:
        return pd.DataFrame(columns=KEYWORD_COLUMNS)
    own = own.assign(agrees=units["agrees"].to_numpy()[own["row"].to_numpy()])
    per_unit = own.groupby("row")["keyword"].transform("size")
    own = own.assign(alone=per_unit.to_numpy() == 1)
    table = own.groupby(["code", "keyword"], sort=True).agg(units=("row", "size"), agreed=("agrees", "sum"),
                                                            only_keyword=("alone", "sum")).reset_index()
    table["precision"] = table["agreed"] / table["units"]
    return table.astype({"units": "int64", "agreed": "int64", "only_keyword": "int64"})[KEYWORD_COLUMNS]


def overlap_flags(spans: pd.DataFrame, others: pd.DataFrame) -> np.ndarray:
    """For each row of ``spans``: does a row of ``others`` with the same source and code overlap it?

    Vectorised: ``others`` sorted by (source, code, start) with the running maximum of
    their ends per group; a span [s, e) is overlapped when, among the others of its group
    that start before e, the furthest end lies beyond s.
    """
    out = np.zeros(len(spans), dtype=bool)
    if spans.empty or others.empty:
        return out
    keys = pd.MultiIndex.from_frame(pd.concat([spans[["source_id", "code"]], others[["source_id", "code"]]])
                                    .astype({"source_id": "int64", "code": str}))
    group = pd.factorize(keys)[0].astype(np.int64)
    mine, theirs = group[: len(spans)], group[len(spans):]
    starts = others["start"].to_numpy(np.int64)
    ends = others["end"].to_numpy(np.int64)
    order = np.lexsort((starts, theirs))
    theirs, starts, ends = theirs[order], starts[order], ends[order]
    furthest = pd.Series(ends).groupby(theirs).cummax().to_numpy()
    scale = int(max(starts.max(initial=0), spans["end"].max()) + 1)
    sorted_keys = theirs * scale + starts
    query = mine * scale + spans["end"].to_numpy(np.int64)
    last = np.searchsorted(sorted_keys, query, side="left") - 1  # the last other starting before the span's end
    valid = last >= 0
    same_group = np.zeros(len(spans), dtype=bool)
    same_group[valid] = theirs[last[valid]] == mine[valid]
    out[same_group] = furthest[last[same_group]] > spans["start"].to_numpy(np.int64)[same_group]
    return out


def _table(units: pd.DataFrame, people: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    rows = []
    for code in codes + [ALL_CODES]:
        mine = units if code == ALL_CODES else units[units["code"] == code]
        theirs = people if code == ALL_CODES else people[people["code"] == code]
        rows.append(_scores(code, mine["agrees"], theirs["found"]))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _scores(code: str, agrees: pd.Series, found: pd.Series) -> dict[str, object]:
    suggested, agreed = len(agrees), int(agrees.sum())
    manual, hit = len(found), int(found.sum())
    precision = agreed / suggested if suggested else np.nan
    recall = hit / manual if manual else np.nan
    both = precision + recall
    f1 = 2 * precision * recall / both if suggested and manual and both > 0 else (0.0 if suggested and manual else np.nan)
    return {"code": code, "suggested": suggested, "agreed": agreed, "precision": precision,
            "manual": manual, "found": hit, "recall": recall, "f1": f1}


def _fmt(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.2f}"
