"""Character n-gram counts with numpy, equal to a fitted ``TfidfVectorizer``'s own.

Why: scikit-learn counts character n-grams in a Python loop (one dict look-up per
n-gram, some 300 per short text), which was most of the time the suggester spent
suggesting for 10^5 units (issue 5). Here the vocabulary becomes a trie stored as one
integer table (``child[node * base + character] -> node``), every character of a batch
of texts a small integer (its rank in the vocabulary's alphabet, 0 for any other), and
the n-grams starting at all positions of the batch are found by ``max_n`` array look-ups.
The occurrences are then counted by a stable radix sort on the column, which leaves them
in (column, row) order, and turned into a CSR matrix.

The count matrix is the same, entry for entry, as the vectoriser's (same columns, counts
and sorted indices), and the TF-IDF weighting applied after it is scikit-learn's own
arithmetic on the vectoriser's fitted ``idf_``, so the features are bit for bit those of
``vectorizer.transform`` (``tests/test_suggester_speed_equivalence.py``).

Only the settings the suggester uses are handled (``analyzer="char"``, no accent
stripping, not binary, L2 or no norm); ``CharCounter.supports`` says whether a fitted
vectoriser qualifies and callers fall back to ``vectorizer.transform`` otherwise.
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
_CHUNK_CHARS = 2_000_000  # characters handled at once: bounds the temporary arrays (~60 bytes a char)
_ROOT, _DEAD = 0, 1  # trie nodes: the empty prefix, and "no vocabulary term starts like this"


class _TooLarge(ValueError):
    """The vocabulary's trie table would exceed ``_MAX_TABLE`` entries."""


class CharCounter:
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
        vocabulary = getattr(vectorizer, "vocabulary_", None)
        if not vocabulary or vectorizer.analyzer != "char" or vectorizer.preprocessor is not preprocessor:
            return None
        if vectorizer.binary or vectorizer.strip_accents is not None or vectorizer.input != "content":
            return None
        if vectorizer.norm not in ("l2", None) or vectorizer.dtype not in (np.float64, np.float32):
            return None
        try:
            return cls(vectorizer)
        except _TooLarge:
            return None

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF features of ``texts``, equal to ``self.vectorizer.transform(texts)``."""
        vec = self.vectorizer
        counts = self.counts([_WHITE_SPACES.sub(" ", vec.preprocessor(text)) for text in texts])
        counts = counts.astype(vec.dtype, copy=False)
        # the same steps, in the same order, as TfidfTransformer.transform
        if vec.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1.0
        if vec.use_idf:
            counts.data *= vec.idf_[counts.indices]
        if vec.norm is not None:
            counts = normalize(counts, norm=vec.norm, copy=False)
        return counts

    def counts(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Count matrix (docs x vocabulary columns) of already preprocessed ``docs``."""
        blocks: list[sp.csr_matrix] = []
        start, size = 0, 0
        for end, doc in enumerate(docs, start=1):
            size += len(doc) + 1
            if size >= _CHUNK_CHARS:
                blocks.append(self._count_chunk(docs[start:end]))
                start, size = end, 0
        if start < len(docs) or not blocks:
            blocks.append(self._count_chunk(docs[start:]))
        return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")

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
        row = np.concatenate(rows)
        col = np.concatenate(cols)
        # Within one n the rows come in order, and a column is one n-gram (one n), so a
        # stable sort on the column leaves the occurrences sorted by (column, row).
        order = _stable_argsort(col, self.n_features)
        row, col = row[order], col[order]
        new = np.ones(row.size, dtype=bool)
        new[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, row.size)).astype(np.float64)
        per_column = np.bincount(col[starts], minlength=self.n_features)
        indptr = np.concatenate([[0], np.cumsum(per_column)])
        by_column = sp.csc_matrix((counts, row[starts], indptr), shape=(len(docs), self.n_features))
        matrix = by_column.tocsr()  # CSC to CSR visits the columns in order: indices come out sorted
        matrix.has_sorted_indices = True
        return matrix


def _stable_argsort(values: np.ndarray, bound: int) -> np.ndarray:
    """Stable argsort of non-negative ints below ``bound``, by numpy's radix sort on 16 bits."""
    if bound <= 2**16:
        return np.argsort(values.astype(np.uint16), kind="stable")
    low = np.argsort((values & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((values[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]
