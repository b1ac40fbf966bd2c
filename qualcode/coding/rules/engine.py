"""Codebook rules -> codes on units: what a ``rules:`` block means, and running it.

A code's ``rules:`` block (checked by :mod:`qualcode.codebook.rules`) says when a unit
gets the code:

* ``keywords`` -- words and phrases matched on whole tokens, by lemma and lower case:
  "mentors" matches the keyword "mentor", "Boards" matches "board", and the phrase
  "board meeting" matches "board meetings" (a phrase is a sequence of tokens; white space
  and line breaks between them do not matter, punctuation does: "self-belief" is the three
  tokens ``self - belief``). The key of a word is the root of the lower-cased word in
  spaCy's lookup table (:mod:`qualcode.coding.rules.lemma_keys`): it is a table, not a
  dictionary, so an odd pair comes along ("better" and "best" both have the key "good").
* ``regex`` -- Python regular expressions searched in the unit's raw text,
  case-insensitive unless ``case_sensitive: true``.
* ``min_matches`` (default 1) -- how many *distinct* keywords and regexes must occur
  ("board" three times is one; "board" and "trustees" are two).
* ``exclude`` -- phrases matched like keywords; if any occurs, the unit does not get the
  code ("in confidence" keeps a sentence out of Confidence), whatever else matched.
* ``speakers`` -- the rule applies only to units spoken by these speakers: a speaker
  label ("Mentor-03"), its leading word ("Mentor" for "Mentor-03"), or the ``role``
  descriptor of the speaker's case ("Mentor"); a unit without a speaker (a questionnaire
  answer) uses its source's case. Without keywords or regexes, every such unit is coded.
* ``questions`` -- every non-empty answer to these questionnaire columns (or email
  questions) is coded, whatever its words; exclusions and speakers still apply. These
  always code the whole answer, whatever the unit of the run.
* ``case_sensitive`` -- keywords match the words exactly as written (no lemmas, no
  lower-casing) and regexes are case-sensitive.
* ``unit`` -- sentence (default), paragraph, turn, answer or source
  (:mod:`qualcode.coding.units`); a run may override it for every rule.

Units spoken by the interviewer are skipped before any rule runs (see
:mod:`qualcode.coding.rules.autocode`): researchers code what participants say.

Confidence is ``1 - 0.5 ** n`` for ``n`` distinct keyword and regex hits (0.5, 0.75,
0.875...), and 1.0 for speaker and question rules, which leave nothing to chance.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from spacy.language import Language

# The ``regex`` package (a core dependency) runs rule patterns like "\\bimpost[eo]r\\b"
# 10x faster than ``re`` and, unlike ``re``, takes a ``timeout``: rules are user input.
import regex as regex_engine

from qualcode.coding.rules.lemma_keys import key_table_for
from qualcode.coding.rules.match import FastMatcher, Pattern, SpacyMatcher, distinct, phrase_keys
from qualcode.coding.units import check_unit
from qualcode.errors import CodebookError, UsageError

ENGINES = ("fast", "spacy")
#: CPU seconds one rule regex may spend in one run, over all the units it searches. A
#: pattern such as ``(a|a)+b`` backtracks for ever on a line of a's; real patterns
#: search a million units in a few seconds.
REGEX_SECONDS = 30.0


class RegexClock:
    """The CPU time left to one regex of one rule; ``timeout()`` for the next search.

    The ``regex`` package counts its ``timeout=`` in CPU time of this process, not in
    wall time, so the budget is kept on the same clock (``time.process_time``): a budget
    kept on the wall clock handed each search the wall time left, which the search then
    spent as CPU time, and on a loaded machine (a quarter of a core) a 1 s limit fired
    after 4-5 s. CPU time also makes the limit the same on a busy and an idle machine:
    whether a rule is stopped does not depend on what else runs.
    """

    def __init__(self, code: str, source: str, seconds: float | None = None) -> None:
        import time

        self._now = time.process_time
        self.code, self.source = code, source
        self.seconds = REGEX_SECONDS if seconds is None else seconds
        self.deadline = self._now() + self.seconds

    def timeout(self) -> float:
        return max(self.deadline - self._now(), 0.001)

    def error(self) -> CodebookError:
        return CodebookError(
            f"rules of {self.code!r}: regex {self.source!r} used more than {self.seconds:g} s of CPU time and was "
            "stopped; it backtracks catastrophically (e.g. (a|a)+ or (a+)+): rewrite it without nested or "
            "overlapping repeats"
        )

SEPARATOR = "\n\n"  # between units when regexes search a batch at once
HIT_COLUMNS = ["row", "code_id", "code", "matches", "confidence"]
# Answers that say nothing: a question rule does not code them.
_EMPTY_ANSWER = re.compile(r"^\W*(?:n/?a|none|nil|-+)?\W*$", re.IGNORECASE)
# Regex features whose meaning changes when units are searched in one joined batch.
_UNIT_ONLY = re.compile(r"\\[AZzBG]|\(\?<[=!]")


@dataclass(frozen=True)
class Rule:
    """One code's ``rules:`` block, normalised."""

    code_id: int
    code: str
    unit: str | None = None
    keywords: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    min_matches: int = 1
    case_sensitive: bool = False

    @classmethod
    def from_block(cls, code_id: int, code: str, block: dict[str, Any]) -> "Rule":
        def strings(key: str) -> tuple[str, ...]:
            value = block.get(key) or ()
            value = [value] if isinstance(value, (str, int, float)) else value
            return tuple(str(v) for v in value if str(v).strip())

        return cls(
            code_id=int(code_id),
            code=code,
            unit=block.get("unit"),
            keywords=strings("keywords"),
            regex=strings("regex"),
            exclude=strings("exclude"),
            speakers=strings("speakers"),
            questions=strings("questions"),
            min_matches=int(block.get("min_matches") or 1),
            case_sensitive=bool(block.get("case_sensitive", False)),
        )


def rules_from_codes(codes: pd.DataFrame) -> list[Rule]:
    """The rules of every code that has a non-empty ``rules:`` block (``project.codes()``)."""
    out = []
    for row in codes.itertuples(index=False):
        block = row.rules if isinstance(row.rules, dict) else {}
        rule = Rule.from_block(row.code_id, row.path, block)
        if rule.keywords or rule.regex or rule.speakers or rule.questions:
            out.append(rule)
    return out


@dataclass(frozen=True)
class Task:
    """One part of a rule on one kind of unit: fired by keywords/regexes, speakers or questions."""

    rule: Rule
    trigger: str  # "keywords", "speakers" or "questions"


def plan(rules: Iterable[Rule], unit: str | None = None) -> dict[str, list[Task]]:
    """Which tasks run on which unit kind (``unit`` overrides every rule's own)."""
    if unit is not None:
        check_unit(unit)
    tasks: dict[str, list[Task]] = defaultdict(list)
    for rule in rules:
        kind = unit or rule.unit or "sentence"
        if rule.keywords or rule.regex:
            tasks[kind].append(Task(rule, "keywords"))
        elif rule.speakers and not rule.questions:
            tasks[kind].append(Task(rule, "speakers"))
        if rule.questions:
            tasks["answer"].append(Task(rule, "questions"))
    return dict(tasks)


@dataclass
class RuleSet:
    """The tasks for one unit kind, compiled; ``apply`` codes a frame of units.

    Picklable (worker processes rebuild the matcher from the patterns).
    """

    tasks: list[Task]
    engine: str = "fast"
    patterns: list[Pattern] = field(default_factory=list)
    _keyword_users: dict[int, list[int]] = field(default_factory=dict)
    _exclude_users: dict[int, list[int]] = field(default_factory=dict)
    _regexes: list[tuple[int, str, int]] = field(default_factory=list)
    _phrases: dict[tuple[int, int], str] = field(default_factory=dict)  # (task, keyword pattern) -> phrase
    _matcher: Any = None

    @classmethod
    def compile(cls, tasks: Sequence[Task], engine: str = "fast") -> "RuleSet":
        """Keywords and exclusions become token-key patterns (shared between rules), regexes
        are checked; a bad keyword or regex is a ``CodebookError`` naming the code."""
        if engine not in ENGINES:
            raise UsageError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
        nlp = _default_nlp()
        table = key_table_for(nlp)
        ids: dict[tuple[tuple[str, ...], bool], int] = {}
        ruleset = cls(list(tasks), engine)

        def pattern(phrase: str, rule: Rule, what: str) -> int:
            keys = phrase_keys(nlp, table, phrase, rule.case_sensitive)
            if not keys:
                raise CodebookError(f"rules of {rule.code!r}: {what} {phrase!r} has no words; remove it from the codebook")
            ident = (keys, rule.case_sensitive)
            if ident not in ids:
                ids[ident] = len(ids)
                ruleset.patterns.append(Pattern(ids[ident], keys, rule.case_sensitive))
            return ids[ident]

        for t, task in enumerate(ruleset.tasks):
            rule = task.rule
            if task.trigger == "keywords":
                for phrase in dict.fromkeys(rule.keywords):
                    pid = pattern(phrase, rule, "keyword")
                    users = ruleset._keyword_users.setdefault(pid, [])
                    if t not in users:  # "board" and "boards" share a pattern: the first phrase names it
                        users.append(t)
                        ruleset._phrases[(t, pid)] = phrase
                for source in dict.fromkeys(rule.regex):
                    try:
                        regex_engine.compile(source)
                    except regex_engine.error as exc:
                        raise CodebookError(f"rules of {rule.code!r}: regex {source!r} does not compile ({exc})") from exc
                    ruleset._regexes.append((t, source, 0 if rule.case_sensitive else regex_engine.IGNORECASE))
            for phrase in dict.fromkeys(rule.exclude):
                ruleset._exclude_users.setdefault(pattern(phrase, rule, "exclusion"), []).append(t)
        return ruleset

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_matcher"] = None
        return state

    # ------------------------------------------------------------------ running
    def matcher(self) -> FastMatcher | SpacyMatcher:
        if self._matcher is None:
            cls = FastMatcher if self.engine == "fast" else SpacyMatcher
            self._matcher = cls(self.patterns, _default_nlp())
        return self._matcher

    def apply(self, units: pd.DataFrame) -> pd.DataFrame:
        """Codes for ``units`` (columns text, speaker, question; ``role`` optional).

        Returns one row per (unit, code): ``row`` (position in ``units``), ``code_id``,
        ``code``, ``matches`` (distinct keyword/regex hits; 0 for speaker and question
        rules) and ``confidence``.
        """
        if units.empty or not self.tasks:
            return pd.DataFrame(columns=HIT_COLUMNS)
        texts = units["text"].tolist()
        empty = np.empty(0, dtype=np.int64)
        unit, pid = self.matcher().hits(texts) if self.patterns else (empty, empty)
        n_tasks = len(self.tasks)
        # (unit, task) for every distinct keyword or regex hit, and for every exclusion hit
        kw_unit, kw_task = _explode(unit, pid, self._users("keyword"))
        rx_unit, rx_task = self._regex_hits(texts)
        ex_unit, ex_task = _explode(unit, pid, self._users("exclude"))
        excluded = distinct(ex_unit * n_tasks + ex_task)
        hit_key = kw_unit * n_tasks + kw_task
        if len(rx_unit):
            hit_key = np.concatenate([hit_key, rx_unit * n_tasks + rx_task])
        keys, counts = distinct(hit_key, counts=True)
        keep = (counts >= self._minimum()[keys % n_tasks]) & ~_member(keys, excluded)
        keys, counts = keys[keep], counts[keep]
        u, t, n = keys // n_tasks, keys % n_tasks, counts  # sorted by unit, then task
        others = [(i, task) for i, task in enumerate(self.tasks) if task.trigger != "keywords"]
        if others:  # speaker and question rules: every unit that qualifies and is not excluded
            rows_u, rows_t = [u], [t]
            for i, task in others:
                mask = _answers(task.rule, units) if task.trigger == "questions" else np.ones(len(units), dtype=bool)
                chosen = np.flatnonzero(mask)
                chosen = chosen[~_member(chosen * n_tasks + i, excluded)]
                rows_u.append(chosen)
                rows_t.append(np.full(len(chosen), i, dtype=np.int64))
            u, t = np.concatenate(rows_u), np.concatenate(rows_t)
            n = np.concatenate([n, np.zeros(len(u) - len(n), dtype=np.int64)])
            order = np.lexsort((t, u))
            u, t, n = u[order], t[order], n[order]
        for i, task in enumerate(self.tasks):  # speaker restrictions apply to every kind of task
            if task.rule.speakers:
                keep = (t != i) | _speaker_mask(task.rule, units)[u]
                u, t, n = u[keep], t[keep], n[keep]
        code_ids, code_names = self._codes()
        # 1 - 0.5 ** n by a table look-up (n distinct hits; 0 for speaker and question rules: 1.0)
        by_matches = 1.0 - 0.5 ** np.arange(int(n.max(initial=0)) + 1, dtype=float)
        by_matches[0] = 1.0
        return pd.DataFrame({"row": u, "code_id": code_ids[t], "code": code_names.take(t), "matches": n,
                             "confidence": by_matches[n]})

    def _codes(self) -> tuple[np.ndarray, pd.Index]:
        """Each task's code id and code name, built once: the names as an Index, whose ``take``
        gives the frame's string column without checking a Python string per row."""
        cache = self.__dict__.setdefault("_code_columns", {})
        if not cache:
            cache["ids"] = np.array([task.rule.code_id for task in self.tasks], dtype=np.int64)
            cache["names"] = pd.Index([task.rule.code for task in self.tasks])
        return cache["ids"], cache["names"]

    def keyword_hits(self, texts: Sequence[str]) -> pd.DataFrame:
        """Which keyword or regex of which rule occurs in which text: ``row, code,
        keyword`` (a regex as ``regex:<pattern>``), one row per distinct hit.

        For reading a rule's output, not for coding: exclusions, ``min_matches`` and
        speakers are not applied (the units asked about already passed them), so a
        rule evaluation can say which keyword brought each unit in.
        """
        columns = ["row", "code", "keyword"]
        texts = list(texts)
        if not texts or not self.tasks:
            return pd.DataFrame(columns=columns)
        empty = np.empty(0, dtype=np.int64)
        unit, pid = self.matcher().hits(texts) if self.patterns else (empty, empty)
        offsets, flat = self._users("keyword")
        per_hit = (offsets[1:] - offsets[:-1])[pid] if len(pid) else pid
        rows: list[tuple[int, str, str]] = []
        for u, p, n in zip(unit.tolist(), pid.tolist(), per_hit.tolist()):
            for t in flat[offsets[p] : offsets[p] + n].tolist():
                rows.append((u, self.tasks[t].rule.code, self._phrases[(t, p)]))
        for t, source, flags in self._regexes:
            compiled = regex_engine.compile(source, flags)
            clock = RegexClock(self.tasks[t].rule.code, source)
            try:
                rows.extend((u, self.tasks[t].rule.code, f"regex:{source}") for u, text in enumerate(texts)
                            if compiled.search(text, timeout=clock.timeout()))
            except TimeoutError:
                raise clock.error() from None
        return pd.DataFrame(rows, columns=columns).drop_duplicates().reset_index(drop=True)

    def _users(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Pattern -> tasks that use it (as keyword or exclusion), as CSR arrays, built once."""
        cache = self.__dict__.setdefault("_csr", {})
        if kind not in cache:
            cache[kind] = _csr(self._keyword_users if kind == "keyword" else self._exclude_users, len(self.patterns))
        return cache[kind]

    def _minimum(self) -> np.ndarray:
        return np.array([t.rule.min_matches for t in self.tasks], dtype=np.int64)

    def _regex_hits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(unit, task) once for every regex that matches a unit.

        Each regex is searched once over the joined batch (MULTILINE, so ``^``/``$`` can
        match at every unit edge); units it touches are then searched alone, which is the
        exact answer. Patterns with lookbehind or ``\\A``/``\\Z``/``\\B`` are searched unit
        by unit, where joining could change their meaning.
        """
        units: list[int] = []
        tasks: list[int] = []
        if not self._regexes:
            return np.asarray(units, dtype=np.int64), np.asarray(tasks, dtype=np.int64)
        batch = SEPARATOR.join(texts)
        starts = np.cumsum([0] + [len(t) + len(SEPARATOR) for t in texts[:-1]]).tolist()
        for t, source, flags in self._regexes:
            clock = RegexClock(self.tasks[t].rule.code, source)
            try:
                self._regex_task_hits(t, source, flags, texts, batch, starts, clock, units, tasks)
            except TimeoutError:
                raise clock.error() from None
        return np.asarray(units, dtype=np.int64), np.asarray(tasks, dtype=np.int64)


    @staticmethod
    def _regex_task_hits(t: int, source: str, flags: int, texts: list[str], batch: str, starts: list[int],
                         clock: RegexClock, units: list[int], tasks: list[int]) -> None:
        """Units one regex matches, appended to ``units``/``tasks``; TimeoutError past ``clock``."""
        single = regex_engine.compile(source, flags)
        if _UNIT_ONLY.search(source):
            candidates: Iterable[int] = range(len(texts))
        else:
            touched: set[int] = set()
            for m in regex_engine.compile(source, flags | regex_engine.MULTILINE).finditer(batch, timeout=clock.timeout()):
                first = bisect_right(starts, m.start()) - 1
                last = bisect_right(starts, max(m.end() - 1, m.start())) - 1
                touched.update(range(first, last + 1))
            candidates = sorted(touched)
        for u in candidates:
            if single.search(texts[u], timeout=clock.timeout()):
                units.append(u)
                tasks.append(t)


def _csr(users: dict[int, list[int]], n_patterns: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.zeros(max(n_patterns, 1), dtype=np.int64)
    for p, ts in users.items():
        counts[p] = len(ts)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = np.zeros(int(offsets[-1]), dtype=np.int64)
    for p, ts in users.items():
        flat[offsets[p] : offsets[p] + len(ts)] = ts
    return offsets, flat


def _explode(unit: np.ndarray, pid: np.ndarray, csr: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(unit, pattern) hits -> (unit, task) for every task that uses the pattern."""
    offsets, flat = csr
    per_hit = (offsets[1:] - offsets[:-1])[pid] if len(pid) else pid
    total = int(per_hit.sum()) if len(per_hit) else 0
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    ends = np.cumsum(per_hit)
    index = np.repeat(offsets[pid] - (ends - per_hit), per_hit) + np.arange(total, dtype=np.int64)
    return np.repeat(unit, per_hit), flat[index]


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``numpy.isin`` for a sorted set of distinct values (a binary search, no sort of ``values``)."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _default_nlp() -> Language:
    """The tokenizer and vocabulary rules match with (keys come from the lookup table of
    :mod:`~qualcode.coding.rules.lemma_keys`, not from a pipeline component): no
    lemmatizer is initialised for them."""
    from qualcode.nlp import get_tokenizer_nlp  # spaCy loads only when rules run

    return get_tokenizer_nlp()


_LEADING_WORD = re.compile(r"[^\W\d_]+")


def _speaker_mask(rule: Rule, units: pd.DataFrame) -> np.ndarray:
    """Units whose speaker label, the label's leading word or the speaker's role is one of
    the rule's speakers (case-insensitive)."""
    wanted = {s.strip().lower() for s in rule.speakers}
    mask = np.zeros(len(units), dtype=bool)
    if "speaker" in units:
        speaker = units["speaker"].astype("string").str.strip().str.lower()
        lead = speaker.str.extract(r"^([^\W\d_]+)", expand=False)
        mask |= speaker.isin(wanted).fillna(False).to_numpy(dtype=bool)
        mask |= lead.isin(wanted).fillna(False).to_numpy(dtype=bool)
    if "role" in units:
        role = units["role"].astype("string").str.strip().str.lower()
        mask |= role.isin(wanted).fillna(False).to_numpy(dtype=bool)
    return mask


def _answers(rule: Rule, units: pd.DataFrame) -> np.ndarray:
    """Units that answer one of the rule's questions and say something."""
    if "question" not in units:
        return np.zeros(len(units), dtype=bool)
    wanted = {q.strip().lower() for q in rule.questions}
    asked = units["question"].astype("string").str.strip().str.lower().isin(wanted).fillna(False).to_numpy(dtype=bool)
    said = ~units["text"].astype(str).str.match(_EMPTY_ANSWER.pattern, case=False).to_numpy(dtype=bool)
    return asked & said
