"""Word and character n-gram counts with numpy, equal to a fitted ``TfidfVectorizer``'s own.

Why: scikit-learn counts n-grams in a Python loop (one dict look-up per n-gram: some 300
character n-grams and 30 word n-grams per short text), which was most of the time the
suggester spent suggesting for 10^5 units (issue 5). Here the n-grams of a whole batch
of texts are found in the vocabulary by a few array operations per n:

* characters (``CharCounter``): the vocabulary becomes a trie stored as one integer
  table (``child[node * base + character] -> node``) and every character a small integer
  (its rank in the vocabulary's alphabet, 0 for any other), so the n-grams starting at
  all positions are found by ``max_n`` array look-ups;
* words (``WordCounter``): texts are tokenised as scikit-learn does, each token becomes
  its number among the vocabulary's tokens (0 for any other), each n-gram one int64 key
  (its tokens as digits) and the keys are looked up with one ``searchsorted`` per n.

The occurrences are then counted by a stable radix sort on the column, which leaves them
in (column, row) order, and turned into a CSR matrix. That count matrix is the same,
entry for entry, as the vectoriser's (same columns, counts and sorted indices), and the
TF-IDF weighting applied after it is scikit-learn's own arithmetic on the vectoriser's
fitted ``idf_``, so the features are bit for bit those of ``vectorizer.transform``
(``tests/test_suggester_speed_equivalence.py``).

Only the settings the suggester uses are handled (analyser ``"char"``, or ``"word"``
with a token pattern, no stop words and no custom tokenizer; no accent stripping, not
binary, L2 or no norm); ``build`` returns None for any other vectoriser and callers
fall back to ``vectorizer.transform``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's char analyzer squeezes to one space
_MAX_TABLE = 2**24  # entries of the trie table (int32): larger vocabularies fall back to scikit-learn
_MAX_KEY = 2**62  # largest word n-gram key ((tokens + 1) ** max_n) allowed, clear of int64 overflow
_CHUNK_CHARS = 2_000_000  # characters handled at once: bounds the temporary arrays (~60 bytes a char)
_CHUNK_TOKENS = 500_000  # tokens handled at once by WordCounter
# token patterns whose tokens hold no space, so a vocabulary n-gram splits back into its tokens
_SPACELESS_TOKENS = (r"(?u)\b\w+\b", r"(?u)\b\w\w+\b")
_ROOT, _DEAD = 0, 1  # trie nodes: the empty prefix, and "no vocabulary term starts like this"


def _plain(vectorizer: TfidfVectorizer, analyzer: str, preprocessor: Callable[[str], str]) -> bool:
    """Whether ``vectorizer`` is fitted with the settings the counters reproduce."""
    return bool(getattr(vectorizer, "vocabulary_", None)) and (
        vectorizer.analyzer == analyzer
        and vectorizer.preprocessor is preprocessor
        and not vectorizer.binary
        and vectorizer.strip_accents is None
        and vectorizer.input == "content"
        and vectorizer.norm in ("l2", None)
        and vectorizer.dtype in (np.float64, np.float32)
    )


def _tfidf(vec: TfidfVectorizer, counts: sp.csr_matrix) -> sp.csr_matrix:
    """The same steps, in the same order, as ``TfidfTransformer.transform``."""
    counts = counts.astype(vec.dtype, copy=False)
    if vec.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vec.use_idf:
        counts.data *= vec.idf_[counts.indices]
    if vec.norm is not None:
        counts = normalize(counts, norm=vec.norm, copy=False)
    return counts


def _count_matrix(row: np.ndarray, col: np.ndarray, n_docs: int, n_features: int) -> sp.csr_matrix:
    """CSR counts of the (row, column) occurrences, indices sorted as scikit-learn sorts them.

    Needs the occurrences in blocks (one per n) with the rows in order within a block:
    a column is one n-gram, so one n, and a stable sort on the column then leaves the
    occurrences sorted by (column, row).
    """
    order = _stable_argsort(col, n_features)
    row, col = row[order], col[order]
    new = np.ones(row.size, dtype=bool)
    new[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    starts = np.flatnonzero(new)
    counts = np.empty(starts.size, dtype=np.float64)  # run lengths, without copying starts to append one
    np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
    counts[-1:] = row.size - starts[-1:]
    per_column = np.bincount(col[starts], minlength=n_features)
    indptr = np.concatenate([[0], np.cumsum(per_column)])
    by_column = sp.csc_matrix((counts, row[starts], indptr), shape=(n_docs, n_features))
    matrix = by_column.tocsr()  # CSC to CSR visits the columns in order: indices come out sorted
    matrix.has_sorted_indices = True
    return matrix


def _stacked_chunks(docs: Sequence, size: Callable[[object], int], limit: int,
                    count: Callable[[Sequence], sp.csr_matrix]) -> sp.csr_matrix:
    """``count`` applied to runs of ``docs`` of about ``limit`` total ``size``, stacked."""
    blocks: list[sp.csr_matrix] = []
    start, total = 0, 0
    for end, doc in enumerate(docs, start=1):
        total += size(doc) + 1
        if total >= limit:
            blocks.append(count(docs[start:end]))
            start, total = end, 0
    if start < len(docs) or not blocks:
        blocks.append(count(docs[start:]))
    return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")


class _TooLarge(ValueError):
    """The vocabulary's look-up would not fit: a trie table past ``_MAX_TABLE`` or keys past int64."""


class _Counter:
    """What both counters share: the fallback to scikit-learn when a table would be too
    large, and ``transform`` = prepare each text, count in bounded chunks, weight."""

    vectorizer: TfidfVectorizer
    chunk_size: int  # characters or tokens counted at once

    @classmethod
    def _built(cls, vectorizer: TfidfVectorizer) -> "_Counter | None":
        try:
            return cls(vectorizer)  # type: ignore[call-arg]
        except _TooLarge:
            return None

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF features of ``texts``, equal to ``self.vectorizer.transform(texts)``."""
        docs = [self._prepare(self.vectorizer.preprocessor(text)) for text in texts]
        return _tfidf(self.vectorizer, _stacked_chunks(docs, len, self.chunk_size, self._count_chunk))

    def _prepare(self, text: str) -> object:
        raise NotImplementedError

    def _count_chunk(self, docs: Sequence) -> sp.csr_matrix:
        raise NotImplementedError


class CharCounter(_Counter):
    """The vocabulary of one fitted char n-gram vectoriser as a trie in an integer table."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self.min_n, self.max_n = (int(n) for n in vectorizer.ngram_range)
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.n_features = len(vocabulary)
        chars = sorted({c for term in vocabulary for c in term})
        self.alphabet = np.asarray([ord(c) for c in chars], dtype=np.int64)
        self.base = len(chars) + 1  # digit 0: a character outside the alphabet, or the gap between texts
        rank = {c: i + 1 for i, c in enumerate(chars)}
        node = {"": _ROOT}
        parents: list[int] = [_DEAD, _DEAD]  # per node: its parent and last digit (root and dead have none)
        digits: list[int] = [0, 0]
        for term in vocabulary:
            for k in range(1, len(term) + 1):
                prefix = term[:k]
                if prefix not in node:
                    node[prefix] = len(parents)
                    parents.append(node[prefix[:-1]])
                    digits.append(rank[prefix[-1]])
        if len(parents) * self.base > _MAX_TABLE:
            raise _TooLarge(f"a trie of {len(parents)} nodes over {self.base} characters")
        self.child = np.full(len(parents) * self.base, _DEAD, dtype=np.int32)
        self.child[np.asarray(parents[2:], dtype=np.int64) * self.base + np.asarray(digits[2:], dtype=np.int64)] = (
            np.arange(2, len(parents), dtype=np.int32)
        )
        self.column = np.full(len(parents), -1, dtype=np.int32)
        self.column[[node[term] for term in vocabulary]] = list(vocabulary.values())

    @classmethod
    def build(cls, vectorizer: TfidfVectorizer, preprocessor: Callable[[str], str]) -> "CharCounter | None":
        """A counter for ``vectorizer``, or None when it is not a fitted char vectoriser
        with the settings reproduced here or its trie table would be too large."""
        if not _plain(vectorizer, "char", preprocessor):
            return None
        return cls._built(vectorizer)  # type: ignore[return-value]

    chunk_size = _CHUNK_CHARS

    def _prepare(self, text: str) -> str:
        return _WHITE_SPACES.sub(" ", text)

    def _count_chunk(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Count matrix of ``docs`` with sorted column indices, as scikit-learn builds it."""
        lengths = np.fromiter((len(doc) for doc in docs), dtype=np.int64, count=len(docs))
        joined = "\0".join(docs) + "\0"
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        at = np.minimum(np.searchsorted(self.alphabet, points), max(self.alphabet.size - 1, 0))
        if self.alphabet.size:
            digits = np.where(self.alphabet[at] == points, at + 1, 0)
        else:
            digits = np.zeros_like(points)
        digits[np.cumsum(lengths + 1) - 1] = 0  # the gaps between texts, whatever character was put there
        owner = np.repeat(np.arange(len(docs), dtype=np.int32), lengths + 1)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        node = self.child[_ROOT * self.base + digits]  # node of the 1-gram starting at each position
        for n in range(1, self.max_n + 1):
            if n > 1:
                node = self.child[node[:-1].astype(np.int64) * self.base + digits[n - 1:]]
            if n >= self.min_n:
                column = self.column[node]
                found = np.flatnonzero(column >= 0)
                rows.append(owner[found])
                cols.append(column[found])
        return _count_matrix(np.concatenate(rows), np.concatenate(cols), len(docs), self.n_features)


class WordCounter(_Counter):
    """The vocabulary of one fitted word n-gram vectoriser as sorted int64 keys."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self.min_n, self.max_n = (int(n) for n in vectorizer.ngram_range)
        self.tokenize = vectorizer.build_tokenizer()
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.n_features = len(vocabulary)
        terms = [term.split(" ") for term in vocabulary]
        self.token_id = {token: i + 1 for i, token in enumerate(sorted({t for term in terms for t in term}))}
        self.base = len(self.token_id) + 1  # id 0: a token outside the vocabulary, or the gap between texts
        if self.base ** self.max_n >= _MAX_KEY:
            raise _TooLarge(f"{self.base - 1} tokens and n-grams up to {self.max_n}")
        keys = np.empty(len(terms), dtype=np.int64)
        for i, term in enumerate(terms):
            key = 0
            for token in term:
                key = key * self.base + self.token_id[token]
            keys[i] = key
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.columns = np.fromiter(vocabulary.values(), dtype=np.int32, count=len(vocabulary))[order]

    @classmethod
    def build(cls, vectorizer: TfidfVectorizer, preprocessor: Callable[[str], str]) -> "WordCounter | None":
        """A counter for ``vectorizer``, or None when it is not a fitted word vectoriser
        with the settings reproduced here or its n-gram keys would not fit in int64."""
        if not _plain(vectorizer, "word", preprocessor) or vectorizer.token_pattern not in _SPACELESS_TOKENS:
            return None
        if vectorizer.tokenizer is not None or vectorizer.stop_words is not None:
            return None
        low, high = (int(n) for n in vectorizer.ngram_range)
        for term in vectorizer.vocabulary_:  # n-grams of tokens joined by single spaces, as scikit-learn makes them
            tokens = term.split(" ")
            if not low <= len(tokens) <= high or not all(tokens):
                return None
        return cls._built(vectorizer)  # type: ignore[return-value]

    chunk_size = _CHUNK_TOKENS

    def _prepare(self, text: str) -> list[str]:
        return self.tokenize(text)

    def _count_chunk(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """Count matrix of tokenised ``docs`` with sorted column indices."""
        lengths = np.fromiter((len(doc) for doc in docs), dtype=np.int64, count=len(docs))
        get = self.token_id.get
        ids = np.fromiter((get(token, 0) for doc in docs for token in (*doc, "")), dtype=np.int64,
                          count=int(lengths.sum()) + len(docs))
        owner = np.repeat(np.arange(len(docs), dtype=np.int32), lengths + 1)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        key = ids.copy()
        valid = ids > 0
        for n in range(1, self.max_n + 1):
            if n > 1:
                key = key[:-1] * self.base + ids[n - 1:]
                valid = valid[:-1] & (ids[n - 1:] > 0)
            if n < self.min_n:
                continue
            where = np.flatnonzero(valid)
            at = np.searchsorted(self.keys, key[where])
            hit = at < self.keys.size
            hit[hit] = self.keys[at[hit]] == key[where[hit]]
            rows.append(owner[where[hit]])
            cols.append(self.columns[at[hit]])
        return _count_matrix(np.concatenate(rows), np.concatenate(cols), len(docs), self.n_features)


def _stable_argsort(values: np.ndarray, bound: int) -> np.ndarray:
    """Stable argsort of non-negative ints below ``bound``, by numpy's radix sort on 16 bits."""
    if bound <= 2**16:
        return np.argsort(values.astype(np.uint16), kind="stable")
    low = np.argsort((values & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((values[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]
