"""Text search over the sources: which units say these words, shown in context.

Why here and not as a plain ``str.contains``: a researcher who searches for "mentor"
means "mentors", "Mentoring" and "mentored" too, and "board meeting" across a line
break. So a search is a codebook rule made on the spot (:class:`~qualcode.coding.
rules_engine.Rule`: keywords on lemmas, regexes, exclusions, ``min_matches``) and runs
through the same matcher as ``autocode``, on the same units (sentence, paragraph, turn,
answer, source). Each hit comes with where the words are in it, marked «like this», so
the list reads like a concordance; and the hits can be coded as one run (``kind``
``search``, coder ``search``) that is reviewed and undone like any autocoding run.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from qualcode.analysis.filters import filter_where
from qualcode.coding.rules import autocode as autocode_module
from qualcode.coding.rules.lemma_keys import key_table_for
from qualcode.coding.rules.engine import RegexClock, Rule, regex_engine
from qualcode.coding.rules.match import phrase_keys
from qualcode.coding.units import check_unit
from qualcode.errors import UsageError
from qualcode.nlp import get_nlp
from qualcode.store import codes as store_codes
from qualcode.store import frames
from qualcode.store.database import Database
from qualcode.speech.marks import blank_marks

SEARCH_CODER = "search"
HIT_COLUMNS = ["source", "case", "start", "end", "matched", "context", "text"]
CONTEXT_CHARS = 60  # of text shown on each side of the first match in ``context``
OPEN, CLOSE = "«", "»"


def search_rule(terms: Sequence[str], *, regex: Sequence[str] = (), exclude: Sequence[str] = (),
                unit: str = "sentence", min_matches: int = 1, case_sensitive: bool = False,
                code_id: int = 0, code: str = "search") -> Rule:
    """The rule a search stands for; a UsageError when there is nothing to look for."""
    check_unit(unit)
    words = tuple(t for t in (str(t).strip() for t in terms) if t)
    patterns = tuple(r for r in (str(r).strip() for r in regex) if r)
    if not words and not patterns:
        raise UsageError("give at least one word or phrase to search for (or --regex PATTERN)")
    for pattern in patterns:
        try:
            regex_engine.compile(pattern)
        except regex_engine.error as error:
            raise UsageError(f"--regex {pattern!r} does not compile ({error}); fix the pattern") from None
    if min_matches < 1:
        raise UsageError(f"--min-matches must be at least 1 (got {min_matches})")
    if min_matches > len(words) + len(patterns):
        raise UsageError(f"--min-matches {min_matches} asks for more distinct terms than the "
                         f"{len(words) + len(patterns)} given")
    return Rule(code_id=code_id, code=code, unit=unit, keywords=words, regex=patterns,
                exclude=tuple(e for e in (str(e).strip() for e in exclude) if e), min_matches=min_matches,
                case_sensitive=case_sensitive)


def searched_sources(db: Database, where: Mapping[str, Any] | None) -> list[int] | None:
    """Ids of the sources that meet ``where`` (descriptors, wave, kind, source); None: all."""
    if not where:
        return None
    with db.connect() as conn:
        sources = frames.sources(conn)
        descriptors = frames.descriptors(conn)
    return [int(s) for s in filter_where(sources, where, descriptors)["source_id"]]


def search_spans(db: Database, rule: Rule, *, where: Mapping[str, Any] | None = None,
                 include_interviewer: bool = False, progress: bool | None = None, n_process: int = 1,
                 cluster: str | None = None) -> pd.DataFrame:
    """The units ``rule`` matches (``autocode.SPAN_COLUMNS``), in the sources ``where`` allows,
    on ``n_process`` processes or a Dask ``cluster`` as autocode runs."""
    ids = searched_sources(db, where)
    if ids is not None and not ids:
        return pd.DataFrame(columns=autocode_module.SPAN_COLUMNS)
    return autocode_module.match_given_rules(db, [rule], unit=rule.unit, source_ids=ids, progress=progress,
                                             include_interviewer=include_interviewer, n_process=n_process,
                                             cluster=cluster)


def search(db: Database, rule: Rule, *, where: Mapping[str, Any] | None = None,
           include_interviewer: bool = False, progress: bool | None = None, n_process: int = 1,
           cluster: str | None = None) -> pd.DataFrame:
    """Every unit the search matches, in source order, with ``HIT_COLUMNS``.

    ``start``/``end`` are the unit's offsets in its source (code points, as ``qualcode
    code --start --end`` takes them); ``matched`` lists the search terms found in it;
    ``context`` is the unit with each match marked «…», cut to ``CONTEXT_CHARS`` on each
    side of the first; ``text`` is the unit as stored.
    """
    spans = search_spans(db, rule, where=where, include_interviewer=include_interviewer, progress=progress,
                         n_process=n_process, cluster=cluster)
    if spans.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    with db.connect() as conn:
        sources = frames.sources(conn).set_index("source_id")
    texts = spans["text"].astype(str).tolist()
    found = occurrences([blank_marks(text) for text in texts], rule)  # no «…» inside a [laughs]
    hits = pd.DataFrame({
        "source": spans["source_id"].map(sources["source"]).to_numpy(),
        "case": spans["source_id"].map(sources["case"]).to_numpy(),
        "start": spans["start"].astype(int).to_numpy(),
        "end": spans["end"].astype(int).to_numpy(),
        "matched": ["; ".join(dict.fromkeys(term for _, _, term in spans_of)) for spans_of in found],
        "context": [in_context(text, [(a, b) for a, b, _ in spans_of]) for text, spans_of in zip(texts, found)],
        "text": texts,
    })
    return hits.reset_index(drop=True)


def occurrences(texts: Sequence[str], rule: Rule) -> list[list[tuple[int, int, str]]]:
    """Per text, the (start, end, term) of every occurrence of the rule's keywords and regexes.

    Keywords are found token by token with the keys the matcher uses (lemma of the
    lower-cased word, or the word as written when ``case_sensitive``), so the marks sit
    exactly on what made the unit match. Sorted by position.
    """
    nlp = get_nlp()
    table = key_table_for(nlp)
    exact = rule.case_sensitive
    phrases = [(term, phrase_keys(nlp, table, term, exact)) for term in rule.keywords]
    phrases = [(term, keys) for term, keys in phrases if keys]
    flags = 0 if exact else regex_engine.IGNORECASE
    compiled = [(pattern, regex_engine.compile(pattern, flags)) for pattern in rule.regex]
    clocks: dict[str, RegexClock] = {}
    out: list[list[tuple[int, int, str]]] = []
    for doc, text in zip(nlp.tokenizer.pipe(texts, batch_size=256), texts):
        tokens = [t for t in doc if not t.is_space]
        keys = [t.text if exact else table.key(t.text.lower()) for t in tokens]
        found: list[tuple[int, int, str]] = []
        for term, wanted in phrases:
            n = len(wanted)
            for i in range(len(keys) - n + 1):
                if tuple(keys[i:i + n]) == wanted:
                    found.append((tokens[i].idx, tokens[i + n - 1].idx + len(tokens[i + n - 1].text), term))
        for pattern, regex in compiled:
            clock = clocks.setdefault(pattern, RegexClock(rule.code, pattern))
            try:
                found.extend((m.start(), m.end(), f"regex:{pattern}")
                             for m in regex.finditer(text, timeout=clock.timeout()) if m.end() > m.start())
            except TimeoutError:
                raise clock.error() from None
        out.append(sorted(found))
    return out


def in_context(text: str, spans: Sequence[tuple[int, int]], width: int = CONTEXT_CHARS) -> str:
    """``text`` with each span marked «…», white space collapsed, cut to ``width``
    characters before the first mark and after the last one within ``3 * width`` of it
    ("…" where cut). Overlapping spans merge."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        pieces += [text[at:start], OPEN, text[start:end], CLOSE]
        at = end
    pieces.append(text[at:])
    marked = re.sub(r"\s+", " ", "".join(pieces)).strip()
    if not merged:
        return marked if len(marked) <= 2 * width else marked[: 2 * width].rstrip() + "…"
    first = marked.index(OPEN)
    close = marked.index(CLOSE, first)
    last = marked.rindex(CLOSE)
    if last - first <= 3 * width:  # later marks close enough to show in the same line
        close = last
    left = max(0, first - width)
    right = min(len(marked), close + 1 + width)
    return ("…" if left > 0 else "") + marked[left:right].strip() + ("…" if right < len(marked) else "")


def code_hits(db: Database, rule: Rule, code: str, *, where: Mapping[str, Any] | None = None,
              include_interviewer: bool = False, apply: bool = False, dry_run: bool = False,
              decided_by: str | None = None, progress: bool | None = None, n_process: int = 1,
              cluster: str | None = None) -> "autocode_module.AutocodeResult":
    """Code every unit the search matches with ``code``, as one run of kind ``search``.

    The codes are ``suggested`` (``apply``: applied) by the coder ``search``, so
    ``qualcode review`` shows them and ``qualcode undo RUN`` takes them back; re-running
    the same search adds only what is new; ``dry_run`` counts and writes nothing.
    """
    with db.connect() as conn:
        target = store_codes.resolve(conn, code)
    coded_rule = replace(rule, code_id=int(target.id), code=target.path)
    spans = search_spans(db, coded_rule, where=where, include_interviewer=include_interviewer, progress=progress,
                         n_process=n_process, cluster=cluster)
    params = {"search": list(rule.keywords), "regex": list(rule.regex), "exclude": list(rule.exclude),
              "unit": rule.unit, "min_matches": rule.min_matches, "case_sensitive": rule.case_sensitive,
              "where": {k: [str(x) for x in v] if isinstance(v, (list, tuple, set)) else str(v)
                        for k, v in (where or {}).items()},
              "code": target.path, "apply": apply, "include_interviewer": include_interviewer}
    return autocode_module.store_matches(db, spans, SEARCH_CODER, apply, dry_run, params,
                                         decided_by or SEARCH_CODER, kind="search")
