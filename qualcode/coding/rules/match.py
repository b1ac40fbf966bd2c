"""Finding keyword phrases in units: spaCy's ``PhraseMatcher``, and a vectorised matcher that agrees with it.

Both matchers answer one question -- which phrase patterns occur in which unit -- with
the same meaning:

* a unit's words are its spaCy tokens (``nlp.tokenizer``) without the white-space
  tokens, so a phrase also matches across a line break;
* a pattern is a tuple of keys, one per token; a token's key is the root lemma of the
  lower-cased word (:mod:`qualcode.coding.rules.lemma_keys`), or the word exactly as written
  for case-sensitive rules;
* a pattern occurs where consecutive words of one unit have exactly its keys.

:class:`SpacyMatcher` is the reference: tokenize each unit, make a Doc of its keys, run a
``PhraseMatcher``. Building a Python ``Token`` per word is most of its time (about 3 µs
a word, 20 times the fast matcher; see benchmarks/RESULTS.md).

:class:`FastMatcher` gives the same answer without touching a token in Python. spaCy's
tokenizer works on white-space-delimited chunks one at a time -- white space always ends a
token and no rule looks across it -- so a unit's tokens are the concatenation of its
chunks' tokens. Chunks repeat endlessly ("the", "board,", "I'm"), so each distinct chunk
is tokenized once per process and its token keys kept in flat integer arrays. A batch
of units is then one ``str.split``, a dictionary lookup per chunk (``map(dict.get)``, at
C speed) and numpy gathers: one integer key per token. One-word patterns are an array lookup; longer phrases are found by the
integer pair of their first two keys (``numpy.isin``) and checked on the few candidates.
Tests compare the two matchers on the demo corpus and on generated text.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from itertools import chain

import numpy as np
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from qualcode.coding.rules.lemma_keys import KeyTable, key_table_for

Hits = tuple[np.ndarray, np.ndarray]  # (unit position, pattern id), unique pairs
_MARK = "\x00"  # a chunk between units of a batch (a unit that contains it is split alone)
_UNIT_MARK = f" {_MARK} "
_MARK_ROW, _NEW = -1, -2  # chunk rows of the marker, and of a chunk not seen yet
_SPLIT_SUFFIXES = ("'s", "’s", ",", ";", ":", "!", "?", ")", ".")


@dataclass(frozen=True)
class Pattern:
    """One phrase: token keys (lemma keys, or exact words when ``exact``)."""

    pid: int
    keys: tuple[str, ...]
    exact: bool = False


def phrase_keys(nlp: Language, table: KeyTable, phrase: str, exact: bool) -> tuple[str, ...]:
    """The keys of a keyword phrase, computed exactly as for a unit's words."""
    words = [t.text for t in nlp.tokenizer(phrase) if not t.is_space]
    return tuple(words) if exact else tuple(table.key(w.lower()) for w in words)


def _unique_pairs(units: list[int] | np.ndarray, pids: list[int] | np.ndarray) -> Hits:
    u = np.asarray(units, dtype=np.int64)
    p = np.asarray(pids, dtype=np.int64)
    if not len(u):
        return u, p
    width = int(p.max()) + 1
    key = distinct(u * width + p)
    return key // width, key % width


def distinct(values: np.ndarray, counts: bool = False) -> Any:
    """Sorted distinct int64 values (and how often each occurs): a sort and a diff, several
    times faster than ``numpy.unique``'s hash table on these arrays."""
    ordered = np.sort(values, kind="stable") if len(values) else values.astype(np.int64)
    first = np.empty(len(ordered), dtype=bool)
    if len(ordered):
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    found = ordered[first]
    if not counts:
        return found
    starts = np.flatnonzero(first)
    return found, np.diff(np.append(starts, len(ordered)))


class SpacyMatcher:
    """Reference matcher: spaCy tokens -> a Doc of keys -> ``PhraseMatcher``."""

    def __init__(self, patterns: Sequence[Pattern], nlp: Language) -> None:
        self.nlp = nlp
        self.table = key_table_for(nlp)
        self._ids: dict[int, int] = {}
        self._lower = self._matcher([p for p in patterns if not p.exact])
        self._exact = self._matcher([p for p in patterns if p.exact])

    def _matcher(self, patterns: Sequence[Pattern]) -> PhraseMatcher | None:
        if not patterns:
            return None
        matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for p in patterns:
            label = f"qualcode-pattern-{p.pid}"
            self._ids[self.nlp.vocab.strings.add(label)] = p.pid
            matcher.add(label, [Doc(self.nlp.vocab, words=list(p.keys))])
        return matcher

    def hits(self, texts: Sequence[str]) -> Hits:
        units: list[int] = []
        pids: list[int] = []
        key = self.table.key
        for position, doc in enumerate(self.nlp.tokenizer.pipe(texts, batch_size=256)):
            words = [t.text for t in doc if not t.is_space]
            if not words:
                continue
            for matcher, values in ((self._lower, None), (self._exact, words)):
                if matcher is None:
                    continue
                values = values or [key(w.lower()) for w in words]
                for match_id, _, _ in matcher(Doc(self.nlp.vocab, words=values)):
                    units.append(position)
                    pids.append(self._ids[match_id])
        return _unique_pairs(units, pids)


class _Growable:
    """An int64 array with amortised appends (the chunk tables grow as text is seen)."""

    def __init__(self) -> None:
        self.data = np.empty(1024, dtype=np.int64)
        self.size = 0

    def extend(self, values: Sequence[int]) -> None:
        need = self.size + len(values)
        if need > len(self.data):
            self.data = np.resize(self.data, max(need, 2 * len(self.data)))
        self.data[self.size:need] = values
        self.size = need

    @property
    def array(self) -> np.ndarray:
        return self.data[: self.size]


class _ChunkRows(dict):
    """Chunk -> row in the chunk tables; a chunk not seen yet reads as ``_NEW``.

    One ``map(rows.__getitem__, chunks)`` then serves warm and cold batches alike: a
    ``try`` over plain ``dict.__getitem__`` that falls back to ``dict.get`` on the first
    unknown chunk walked a cold batch twice, which was most of an autocode run's first
    pass over new text."""

    def __missing__(self, chunk: str) -> int:
        return _NEW


class FastMatcher:
    """Vectorised matcher: chunk tokens cached as integer keys, patterns found with numpy."""

    def __init__(self, patterns: Sequence[Pattern], nlp: Language) -> None:
        self.nlp = nlp
        self.table = key_table_for(nlp)
        self._ids: dict[str, int] = {}
        for p in patterns:  # pattern strings get the smallest ids: "id < n" means "in some pattern"
            for k in p.keys:
                self._ids.setdefault(("=" if p.exact else "~") + k, len(self._ids))
        self._n_pattern_ids = len(self._ids)
        self._has_exact = any(p.exact for p in patterns)
        self._single = np.full(max(self._n_pattern_ids, 1), -1, dtype=np.int64)
        self._pairs: dict[int, list[tuple[tuple[int, ...], int]]] = defaultdict(list)
        # identical patterns are matched once and reported under every id
        first_of: dict[tuple[tuple[str, ...], bool], int] = {}
        self._aliases: dict[int, list[int]] = defaultdict(list)
        unique = []
        for p in patterns:
            canonical = first_of.setdefault((p.keys, p.exact), p.pid)
            if canonical == p.pid:
                unique.append(p)
            else:
                self._aliases[canonical].append(p.pid)
        for p in unique:
            ids = [self._ids[("=" if p.exact else "~") + k] for k in p.keys]
            if len(ids) == 1:
                self._single[ids[0]] = p.pid
            else:
                self._pairs[_pair(ids[0], ids[1])].append((tuple(ids[2:]), p.pid))
        self._pair_keys = np.array(sorted(self._pairs), dtype=np.int64)
        # per pair: the two-word pattern's id (or -1), and whether longer patterns start with it
        self._pair_two = np.array([next((pid for rest, pid in self._pairs[k] if not rest), -1) for k in self._pair_keys],
                                  dtype=np.int64)
        self._pair_longer = np.array([any(rest for rest, _ in self._pairs[k]) for k in self._pair_keys], dtype=bool)
        # three-word phrases: (index of the pair, third key id) as one int64, sorted
        triples = sorted((i * (1 << 31) + rest[0], pid) for i, k in enumerate(self._pair_keys.tolist())
                         for rest, pid in self._pairs[k] if len(rest) == 1)
        self._triple_keys = np.array([t for t, _ in triples], dtype=np.int64)
        self._triple_pids = np.array([p for _, p in triples], dtype=np.int64)
        self._pair_beyond = np.array([any(len(rest) > 1 for rest, _ in self._pairs[k]) for k in self._pair_keys],
                                     dtype=bool)
        self._special = frozenset(nlp.tokenizer.rules or {})
        self._chunk_row: dict[str, int] = _ChunkRows({_MARK: _MARK_ROW})
        self._marker_as_text: int | None = None
        self._offset, self._length = _Growable(), _Growable()
        self._keys, self._orths = _Growable(), _Growable()

    def _id(self, value: str) -> int:
        found = self._ids.get(value)
        if found is None:
            found = self._ids[value] = len(self._ids)
        return found

    def _add_chunks(self, chunks: list[str]) -> None:
        """Tokenize chunks not seen before and append them to the chunk tables."""
        tokens: list[list[str] | None] = [self._split_plain(c) for c in chunks]
        hard = [i for i, words in enumerate(tokens) if words is None]
        for i, words in zip(hard, self._tokenize_many([chunks[i] for i in hard])):
            tokens[i] = words
        for chunk, row in zip(chunks, self._append(tokens)):  # type: ignore[arg-type]
            self._chunk_row[chunk] = row

    def _append(self, tokens: list[list[str]]) -> range:
        """Add the token lists of new chunks; returns their rows."""
        first_row = self._length.size
        lengths = [len(words) for words in tokens]
        self._offset.extend((self._keys.size + np.cumsum([0] + lengths[:-1])).tolist())
        self._length.extend(lengths)
        words = [w for ws in tokens for w in ws]
        key = self.table.key
        self._keys.extend([self._id("~" + key(w.lower())) for w in words])
        self._orths.extend([self._id("=" + w) for w in words] if self._has_exact else [-1] * len(words))
        return range(first_row, first_row + len(tokens))

    def split_chunk(self, chunk: str) -> list[str]:
        """spaCy's tokens of one chunk (no white space in it).

        The commonest shapes skip the tokenizer: plain letters are one token, and letters
        followed by one of ``, ; : ! ? ) 's`` (or ``.`` after two letters or more) are
        two -- exactly what spaCy's suffix rules give, checked against it for every word
        of the lemma table. Special cases ("can't", "e.g.") always go to spaCy.
        """
        words = self._split_plain(chunk)
        return words if words is not None else [t.text for t in self.nlp.tokenizer(chunk)]

    def _split_plain(self, chunk: str) -> list[str] | None:
        """The tokens of a chunk of the commonest shapes (see ``split_chunk``), else None."""
        if chunk not in self._special:
            if chunk.isalpha():
                return [chunk]
            for suffix in _SPLIT_SUFFIXES:
                if chunk.endswith(suffix):
                    word = chunk[: -len(suffix)]
                    if word.isalpha() and word not in self._special and (suffix != "." or len(word) > 1):
                        return [word, suffix]
                    break
        return None

    def _tokenize_many(self, chunks: list[str]) -> list[list[str]]:
        """spaCy's tokens of each chunk, from one tokenizer call over the chunks joined by
        spaces. White space always ends a token and no tokenizer rule looks across it, so
        this is each chunk's own tokens (the reference matcher relies on the same when it
        tokenizes whole units); one call instead of one per chunk saves building a Doc
        per chunk, most of the first pass over new text."""
        if not chunks:
            return []
        out: list[list[str]] = [[]]
        for token in self.nlp.tokenizer(" ".join(chunks)):
            out[-1].append(token.text)
            if token.whitespace_:
                out.append([])
        if len(out) != len(chunks):  # cannot happen for chunks without white space; be exact anyway
            return [[t.text for t in self.nlp.tokenizer(c)] for c in chunks]
        return out

    def tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a batch: unit position, lemma-key id and exact-word id of every token.

        The batch is joined with a marker chunk between units and split once (a split
        per unit costs several times more); the markers then count the units.
        """
        joined = _UNIT_MARK.join(texts)
        per_unit: np.ndarray | None = None
        if joined.count(_MARK) != len(texts) - 1:  # a unit holds the marker itself: split unit by unit
            split = [t.split() for t in texts]
            per_unit = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
            chunks = list(chain.from_iterable(split))
        else:
            chunks = joined.split()
        empty = np.empty(0, dtype=np.int64)
        if not chunks:
            return empty, empty, empty
        # chunk -> row by dict lookups at C speed (one map over the dict; unseen chunks read as _NEW)
        rows_of = self._chunk_row
        chunk_rows = np.fromiter(map(rows_of.__getitem__, chunks), dtype=np.int64, count=len(chunks))
        new = np.flatnonzero(chunk_rows == _NEW)
        if len(new):
            unseen = [chunks[i] for i in new.tolist()]
            self._add_chunks(list(dict.fromkeys(unseen)))
            chunk_rows[new] = np.fromiter(map(rows_of.__getitem__, unseen), dtype=np.int64, count=len(unseen))
        if per_unit is None:
            is_mark = chunk_rows == _MARK_ROW
            chunk_unit = np.cumsum(is_mark)[~is_mark]
            chunk_rows = chunk_rows[~is_mark]
        else:  # the marker is text here: tokenize it like any chunk
            is_mark = chunk_rows == _MARK_ROW
            if is_mark.any():
                if self._marker_as_text is None:
                    self._marker_as_text = self._append([self.split_chunk(_MARK)])[0]
                chunk_rows[is_mark] = self._marker_as_text
            chunk_unit = np.repeat(np.arange(len(texts), dtype=np.int64), per_unit)
        if not len(chunk_rows):
            return empty, empty, empty
        lengths = self._length.array[chunk_rows]
        firsts = self._offset.array[chunk_rows]
        ends = np.cumsum(lengths)
        flat = np.repeat(firsts - (ends - lengths), lengths) + np.arange(int(ends[-1]), dtype=np.int64)
        unit = np.repeat(chunk_unit, lengths)
        return unit, self._keys.array[flat], self._orths.array[flat]

    def hits(self, texts: Sequence[str]) -> Hits:
        unit, keys, orths = self.tokens(texts)
        found_units: list[np.ndarray] = []
        found_pids: list[np.ndarray] = []
        for values in (keys, orths) if self._has_exact else (keys,):
            if not len(values):
                continue
            known = np.flatnonzero(values < self._n_pattern_ids)  # tokens whose key is in some pattern
            pid = self._single[values[known]]
            one = pid >= 0
            found_units.append(unit[known[one]])
            found_pids.append(pid[one])
            if len(self._pair_keys) and len(known) > 1:
                u, p = self._phrases(unit, values, known)
                found_units.append(u)
                found_pids.append(p)
        if not found_units:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        units, pids = np.concatenate(found_units), np.concatenate(found_pids)
        if self._aliases:
            extra = [(u, alias) for u, p in zip(units.tolist(), pids.tolist()) for alias in self._aliases.get(p, ())]
            if extra:
                more = np.asarray(extra, dtype=np.int64)
                units, pids = np.concatenate([units, more[:, 0]]), np.concatenate([pids, more[:, 1]])
        return _unique_pairs(units, pids)

    def _phrases(self, unit: np.ndarray, values: np.ndarray, known: np.ndarray) -> Hits:
        """Phrases of two or more words: candidates by their first two keys, then checked.

        ``known`` holds the positions of tokens whose key occurs in some pattern."""
        starts = known[:-1][np.diff(known) == 1]
        starts = starts[unit[starts] == unit[starts + 1]]
        pair = _pair(values[starts], values[starts + 1])
        at = np.minimum(np.searchsorted(self._pair_keys, pair), len(self._pair_keys) - 1)
        found = self._pair_keys[at] == pair
        starts, at = starts[found], at[found]
        two = self._pair_two[at] >= 0  # two-word phrases: found already
        units, pids = [unit[starts[two]]], [self._pair_two[at[two]]]
        n = len(values)
        longer = self._pair_longer[at] & (starts + 2 < n)
        if len(self._triple_keys) and longer.any():  # three-word phrases: the third key, by search
            s3, a3 = starts[longer], at[longer]
            same = unit[s3 + 2] == unit[s3]
            s3, a3 = s3[same], a3[same]
            triple = a3 * (1 << 31) + values[s3 + 2]
            lo = np.searchsorted(self._triple_keys, triple, side="left")
            hi = np.searchsorted(self._triple_keys, triple, side="right")
            for k in range(int((hi - lo).max(initial=0))):  # identical triples of several patterns
                ok = lo + k < hi
                units.append(unit[s3[ok]])
                pids.append(self._triple_pids[lo[ok] + k])
        more_units, more_pids = [], []
        beyond = self._pair_beyond[at]  # four words or more: rare, checked one by one
        for i, key in zip(starts[beyond].tolist(), self._pair_keys[at[beyond]].tolist()):
            for rest, pid in self._pairs[key]:
                j = i + 2 + len(rest)
                if len(rest) > 1 and j <= n and unit[j - 1] == unit[i] and tuple(values[i + 2 : j].tolist()) == rest:
                    more_units.append(int(unit[i]))
                    more_pids.append(pid)
        units.append(np.asarray(more_units, dtype=np.int64))
        pids.append(np.asarray(more_pids, dtype=np.int64))
        return np.concatenate(units), np.concatenate(pids)


def _pair(first: np.ndarray | int, second: np.ndarray | int) -> np.ndarray | int:
    """One int64 for two key ids (ids stay far below 2**31)."""
    return first * (1 << 31) + second
