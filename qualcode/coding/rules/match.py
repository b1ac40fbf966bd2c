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
of units is found chunk by chunk without a Python object per chunk: the batch's UTF-8
bytes are cut at white space with numpy (exactly where ``str.split()`` cuts), a chunk of
up to 15 bytes is looked up by its bytes read as two integers in a numpy hash table
(an exact key, not a digest), and only longer or new chunks become Python strings. Then
numpy gathers give one integer key per token. One-word patterns are an array lookup;
longer phrases are found by the integer pair of their first two keys (a dense table)
and checked on the few candidates.
Tests compare the two matchers on the demo corpus and on generated text.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from qualcode.coding.rules.lemma_keys import KeyTable, key_table_for

Hits = tuple[np.ndarray, np.ndarray]  # (unit position, pattern id), unique pairs
_NEW = -2  # the chunk row of a chunk not seen yet
_SHORT = 15  # chunks of at most this many UTF-8 bytes are looked up by their bytes, as two integers
_PAD = b" " * 16  # after a batch's bytes: an 8-byte read at any chunk start or 8 bytes in stays inside
_BYTE_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)  # the first n bytes of 8
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
    times faster than ``numpy.unique``'s hash table on these arrays. (The default sort:
    equal integers cannot be told apart, so a stable sort would only be slower.)"""
    ordered = np.sort(values) if len(values) else values.astype(np.int64)
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
    """Chunk -> row in the chunk tables; a chunk not seen yet reads as ``_NEW``, so one
    ``map(rows.__getitem__, chunks)`` serves known and new chunks alike (the long and new
    chunks of a batch; the short known ones are found by :class:`_ShortChunks`)."""

    def __missing__(self, chunk: str) -> int:
        return _NEW


# Odd constants of the short-chunk table's hash (multiplying by them is a bijection mod 2**64).
_MIX_FIRST, _MIX_SECOND = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_LONG = np.uint64(0xFF << 56)  # the second word of a chunk too long for the table: matches no key


class _ShortChunks:
    """Chunk rows of the chunks of at most 15 UTF-8 bytes, keyed by the chunk's exact bytes:
    bytes 0-7 as one little-endian integer, and bytes 8-14 with the length in the top byte
    as another (see :func:`_short_keys`).

    An open-addressing hash table (linear probing, at most half full) in numpy arrays, so
    that a batch's 300,000 chunks are found in a few vectorised passes instead of one
    Python string and one dictionary lookup each (which was most of the matcher's time).
    The key is the chunk itself, not a digest of it: a hit is exact.
    """

    def __init__(self, bits: int = 12) -> None:
        self._allocate(bits)

    def _allocate(self, bits: int) -> None:
        size = 1 << bits
        self.bits, self.count = bits, 0
        self.first = np.zeros(size, dtype=np.uint64)
        self.second = np.full(size, _LONG, dtype=np.uint64)  # an empty slot: no key has this second word
        self.row = np.full(size, -1, dtype=np.int64)

    def _slots(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return (((first ^ (second * _MIX_SECOND)) * _MIX_FIRST) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The row of each key, or -1 where the table does not hold it (always for a long chunk)."""
        slot = self._slots(first, second)
        held = self.second[slot]
        same = (held == second) & (self.first[slot] == first)
        rows = np.where(same, self.row[slot], -1)
        wrap = (1 << self.bits) - 1
        pending = np.flatnonzero(~same & (held != _LONG) & (second != _LONG))  # another key's slot: probe on
        slot = (slot[pending] + 1) & wrap
        while len(pending):
            held = self.second[slot]
            same = (held == second[pending]) & (self.first[slot] == first[pending])
            rows[pending[same]] = self.row[slot[same]]
            probe = np.flatnonzero(~same & (held != _LONG))
            pending, slot = pending[probe], (slot[probe] + 1) & wrap
        return rows

    def add(self, first: np.ndarray, second: np.ndarray, rows: np.ndarray) -> None:
        """Store keys that the table does not hold yet (distinct, short) with their rows."""
        if 2 * (self.count + len(rows)) > (1 << self.bits):
            held = np.flatnonzero(self.second != _LONG)
            old = self.first[held], self.second[held], self.row[held]
            bits = self.bits
            while 2 * (len(held) + len(rows)) > (1 << bits):
                bits += 1
            self._allocate(bits)
            self._insert(*old)
        self._insert(first, second, rows)

    def _insert(self, first: np.ndarray, second: np.ndarray, rows: np.ndarray) -> None:
        wrap = (1 << self.bits) - 1
        pending = np.arange(len(rows), dtype=np.int64)
        slot = self._slots(first, second)
        while len(pending):
            free = self.second[slot] == _LONG
            _, first_of_slot = np.unique(slot[free], return_index=True)  # one key per free slot per round
            won = np.flatnonzero(free)[first_of_slot]
            at, key = slot[won], pending[won]
            self.first[at], self.second[at], self.row[at] = first[key], second[key], rows[key]
            self.count += len(won)
            lost = np.ones(len(pending), dtype=bool)
            lost[won] = False  # every other key's slot is taken now: probe the next
            pending, slot = pending[lost], (slot[lost] + 1) & wrap


def _short_keys(data: bytes, starts: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two table words of each chunk (``data[start:start + size]``): bytes 0-7, and
    bytes 8-14 with the length in the top byte; ``_LONG`` as the second word of a chunk of
    more than 15 bytes. ``data`` must hold 16 bytes after the last chunk."""
    words = np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))  # unaligned reads
    first = words[starts] & _BYTE_MASKS[np.minimum(size, 8)]
    second = np.full(len(starts), _LONG, dtype=np.uint64)
    second[size <= _SHORT] = size[size <= _SHORT].astype(np.uint64) << np.uint64(56)
    tail = np.flatnonzero((size > 8) & (size <= _SHORT))
    second[tail] |= words[starts[tail] + 8] & _BYTE_MASKS[size[tail] - 8]
    return first, second


def _space_runs(codes: list[int]) -> list[tuple[int, int]]:
    """Consecutive code points as (first, count) runs."""
    runs: list[tuple[int, int]] = []
    for c in codes:
        if runs and runs[-1][0] + runs[-1][1] == c:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((c, 1))
    return runs


#: The ASCII characters ``str.split()`` splits on (tab to carriage return, the four
#: information separators, space), as (first byte, count) runs.
_ASCII_SPACE_RUNS = _space_runs([c for c in range(128) if chr(c).isspace()])


#: The non-ASCII characters ``str.split()`` splits on (next line, no-break space, ogham
#: space mark, en quad to hair space, line and paragraph separators, narrow no-break,
#: medium mathematical and ideographic spaces), as UTF-8. A test checks the list against
#: ``str.isspace`` over every code point, so a Python with other white space fails it.
MULTIBYTE_SPACES = tuple(chr(c).encode("utf-8") for c in (0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
                                                          0x202F, 0x205F, 0x3000))
_SPACES_BY_LEAD: dict[int, list[bytes]] = defaultdict(list)  # by first byte: one pass over the lead bytes each
for _sequence in MULTIBYTE_SPACES:
    _SPACES_BY_LEAD[_sequence[0]].append(_sequence)


def _white_space(buffer: np.ndarray, ascii_only: bool) -> np.ndarray:
    """Which bytes of UTF-8 text are (part of) a character ``str.split()`` splits on."""
    first, count = _ASCII_SPACE_RUNS[0]
    space = (buffer - np.uint8(first)) < count  # uint8 arithmetic wraps: one compare per run
    for first, count in _ASCII_SPACE_RUNS[1:]:
        space |= (buffer - np.uint8(first)) < count
    if not ascii_only:
        leads = np.flatnonzero(buffer >= 0xC2)  # every multi-byte white space starts with C2, E1, E2 or E3
        for lead, sequences in _SPACES_BY_LEAD.items():
            at_lead = leads[buffer[leads] == lead]
            for sequence in sequences:
                at = at_lead
                for k in range(1, len(sequence)):
                    at = at[buffer[at + k] == sequence[k]]
                for k in range(len(sequence)):
                    space[at + k] = True
    return space


class FastMatcher:
    """Vectorised matcher: chunk tokens cached as integer keys, patterns found with numpy."""

    #: The largest dense table of phrases' first-two-key pairs (cells); beyond it, a binary search.
    DENSE_PAIR_CELLS = 1 << 22

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
        # the pair of a phrase's first two keys -> its index in _pair_keys, as a dense table over the
        # keys that start a pair and the keys that come second (a few hundred each in a codebook);
        # a codebook so large that the table would pass 4 M cells searches _pair_keys instead
        firsts = sorted({k >> 31 for k in self._pair_keys.tolist()})
        seconds = sorted({k & ((1 << 31) - 1) for k in self._pair_keys.tolist()})
        self._pair_table: np.ndarray | None = None
        if len(firsts) * len(seconds) <= self.DENSE_PAIR_CELLS:
            self._first_slot = np.full(max(self._n_pattern_ids, 1), -1, dtype=np.int64)
            self._first_slot[firsts] = np.arange(len(firsts)) * len(seconds)
            self._second_slot = np.full(max(self._n_pattern_ids, 1), -1, dtype=np.int64)
            self._second_slot[seconds] = np.arange(len(seconds))
            self._pair_table = np.full(max(len(firsts) * len(seconds), 1), -1, dtype=np.int64)
            for index, k in enumerate(self._pair_keys.tolist()):
                self._pair_table[self._first_slot[k >> 31] + self._second_slot[k & ((1 << 31) - 1)]] = index
        self._special = frozenset(nlp.tokenizer.rules or {})
        self._chunk_row: dict[str, int] = _ChunkRows()
        self._short = _ShortChunks()
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

    def tokens(self, texts: Sequence[str], exact: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a batch: unit position, lemma-key id and exact-word id of every token (the
        last empty when ``exact`` is false: no case-sensitive pattern needs it)."""
        empty = np.empty(0, dtype=np.int64)
        chunk_rows, chunk_unit = self._chunks(texts)
        if not len(chunk_rows):
            return empty, empty, empty
        lengths = self._length.array[chunk_rows]
        firsts = self._offset.array[chunk_rows]
        ends = np.cumsum(lengths)
        flat = np.repeat(firsts - (ends - lengths), lengths) + np.arange(int(ends[-1]), dtype=np.int64)
        unit = np.repeat(chunk_unit, lengths)
        return unit, self._keys.array[flat], self._orths.array[flat] if exact else empty

    def _chunks(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The chunk-table row and the unit position of every chunk of a batch, in order.

        The units are joined by spaces and encoded once; chunks are the runs of bytes
        between white-space characters (the same cuts as ``str.split()``), and a chunk's
        unit is found from where the units start. Short chunks seen before are found in
        :class:`_ShortChunks` by their bytes; the rest (new, or longer than 15 bytes)
        become strings and go through the chunk dictionary, new ones to the tokenizer.
        """
        empty = np.empty(0, dtype=np.int64)
        if not len(texts):
            return empty, empty
        joined = " ".join(texts)
        # one space before (so every chunk has a start edge) and 16 after; lone surrogates kept
        data = b" " + joined.encode("utf-8", "surrogatepass") + _PAD
        buffer = np.frombuffer(data, dtype=np.uint8)
        ascii_only = len(data) == len(joined) + 1 + len(_PAD)
        word = ~_white_space(buffer, ascii_only)
        edges = np.flatnonzero(word[1:] != word[:-1]) + 1  # start, end, start, end... (spaces at both ends)
        starts, ends = edges[0::2], edges[1::2]
        if not len(starts):
            return empty, empty
        # the unit of each chunk: units start one past the previous unit's end in ``joined``
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        unit_start = np.cumsum(lengths + 1) - lengths  # in characters of ``data`` (after the leading space)
        if not ascii_only:  # characters -> bytes: a character starts at every byte but 10xxxxxx
            unit_start = np.flatnonzero((buffer & 0xC0) != 0x80)[unit_start]
        first_chunk = np.searchsorted(starts, unit_start)
        chunk_unit = np.repeat(np.arange(len(texts), dtype=np.int64),
                               np.diff(np.append(first_chunk, len(starts))))
        # short chunks by their bytes (two integers); the rest as strings through the dictionary
        size = ends - starts
        first, second = _short_keys(data, starts, size)
        rows = self._short.find(first, second)
        rest = np.flatnonzero(rows < 0)
        if len(rest):
            rows[rest] = self._rows_by_text(data, starts[rest], ends[rest], first[rest], second[rest])
            add = rest[size[rest] <= _SHORT]  # short chunks new to the table: store them once
            add = add[np.unique(rows[add], return_index=True)[1]]
            self._short.add(first[add], second[add], rows[add])
        return rows, chunk_unit

    def _rows_by_text(self, data: bytes, starts: np.ndarray, ends: np.ndarray, first: np.ndarray,
                      second: np.ndarray) -> np.ndarray:
        """Rows of chunks the byte table did not hold (new ones, long ones), through their text.

        A first batch holds 300,000 such chunks and 9,000 distinct ones: equal short keys
        are grouped first (by a sort), so that one string per distinct chunk is made and
        looked up. A chunk is grouped only when its words equal its group's first member's,
        so the grouping is exact; long chunks and the members of a group that differ (two
        keys with one digest) are made into strings one by one."""
        digest = first ^ (second * _MIX_SECOND)
        _, first_of_group, group = np.unique(digest, return_index=True, return_inverse=True)
        lead = first_of_group[group]
        alone = np.flatnonzero((first != first[lead]) | (second != second[lead]) | (second == _LONG))
        text = self._text_of(data, starts, ends)
        rows = self._rows_of(text(first_of_group))[group]
        rows[alone] = self._rows_of(text(alone))
        return rows

    @staticmethod
    def _text_of(data: bytes, starts: np.ndarray, ends: np.ndarray) -> Any:
        def text(which: np.ndarray) -> list[str]:
            return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts[which].tolist(), ends[which].tolist())]
        return text

    def _rows_of(self, chunks: list[str]) -> np.ndarray:
        """Chunk-table rows of chunks given as strings; new chunks are tokenized and added."""
        rows_of = self._chunk_row
        rows = np.fromiter(map(rows_of.__getitem__, chunks), dtype=np.int64, count=len(chunks))
        new = np.flatnonzero(rows == _NEW)
        if len(new):
            unseen = [chunks[i] for i in new.tolist()]
            self._add_chunks(list(dict.fromkeys(unseen)))
            rows[new] = np.fromiter(map(rows_of.__getitem__, unseen), dtype=np.int64, count=len(unseen))
        return rows

    def hits(self, texts: Sequence[str]) -> Hits:
        unit, keys, orths = self.tokens(texts, exact=self._has_exact)
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
        if self._pair_table is not None:  # both keys are pattern keys here: the slot tables cover them
            row, column = self._first_slot[values[starts]], self._second_slot[values[starts + 1]]
            found = np.flatnonzero((row >= 0) & (column >= 0))
            at = self._pair_table[row[found] + column[found]]
            found, at = found[at >= 0], at[at >= 0]
            starts = starts[found]
        else:
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
