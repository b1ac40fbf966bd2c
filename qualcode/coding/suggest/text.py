"""Text features for the code suggester: word and character n-gram TF-IDF.

Why two views of the same text: coded units in a study (and open survey answers such as
the ANES verbatims) are short, typed in a hurry, full of typos and upper case, and use
``//`` to separate the parts of an answer that an interviewer probed for. Character
n-grams (across word boundaries) survive typos and spelling variants ("vice presidnet");
word n-grams carry the meaning; a few structure tokens (how many parts the answer has,
whether it starts or ends with a separator) let a model learn codes that describe the
*shape* of an answer ("gave a guess after a probe") rather than its words.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from qualcode.coding.suggest.ngrams import CharCounter, WordCounter

_SEPARATOR = re.compile(r"/+|\\\\+")
_SPACES = re.compile(r"\s+")
_WORD_TOKEN = r"(?u)\b\w+\b"  # keeps one-letter words such as "r" (respondent) and "i"
MAX_PARTS_TOKEN = 5


def char_view(text: str) -> str:
    """Lower case, ``//`` shown as ``|``, runs of white space collapsed."""
    text = _SEPARATOR.sub(" | ", str(text).lower())
    return _SPACES.sub(" ", text).strip()


def word_view(text: str) -> str:
    """Lower case words, separators as the token ``zzsep``, plus answer-shape tokens."""
    raw = str(text)
    stripped = raw.strip()
    parts = _SEPARATOR.split(raw)
    filled = sum(1 for part in parts if part.strip())
    shape = [f"zzparts{min(filled, MAX_PARTS_TOKEN)}"]
    if stripped.startswith(("/", "\\")):
        shape.append("zzstartsep")
    if stripped.endswith(("/", "\\")):
        shape.append("zzendsep")
    body = " zzsep ".join(part.strip() for part in parts).lower()
    return _SPACES.sub(" ", body).strip() + " " + " ".join(shape)


class TextFeatures(TransformerMixin, BaseEstimator):
    """Word and character n-gram TF-IDF, stacked side by side (sparse CSR).

    Each block is L2-normalised on its own so neither view drowns the other; sublinear
    term frequency stops a repeated word ("don't know // don't know") from dominating.
    Set ``word_ngrams`` or ``char_ngrams`` to ``None`` to drop that block.
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] | None = (1, 2),
        char_ngrams: tuple[int, int] | None = (1, 5),
        char_min_df: int = 2,
        max_features: int | None = None,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.char_min_df = char_min_df
        self.max_features = max_features

    def _vectorizers(self) -> list[TfidfVectorizer]:
        blocks = []
        if self.word_ngrams is not None:
            blocks.append(
                TfidfVectorizer(
                    preprocessor=word_view,
                    token_pattern=_WORD_TOKEN,
                    ngram_range=tuple(self.word_ngrams),
                    sublinear_tf=True,
                    max_features=self.max_features,
                    dtype=np.float64,
                )
            )
        if self.char_ngrams is not None:
            blocks.append(
                TfidfVectorizer(
                    preprocessor=char_view,
                    analyzer="char",
                    ngram_range=tuple(self.char_ngrams),
                    min_df=self.char_min_df,
                    sublinear_tf=True,
                    max_features=self.max_features,
                    dtype=np.float64,
                )
            )
        if not blocks:
            raise ValueError("TextFeatures needs word_ngrams or char_ngrams (both are None)")
        return blocks

    def fit(self, texts: Sequence[str], y: object = None) -> "TextFeatures":
        """Learn the vocabularies and IDF weights of both views."""
        texts = _as_texts(texts)
        blocks = self._vectorizers()
        if self.char_ngrams is not None and len(texts) < self.char_min_df:
            blocks[-1].set_params(min_df=1)
        self.vectorizers_ = [vec.fit(texts) for vec in blocks]
        self.n_features_out_ = sum(len(vec.vocabulary_) for vec in self.vectorizers_)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse features, one row per text.

        Both blocks are counted by ``suggest_ngrams`` (numpy: the same matrices as the
        vectorisers' own ``transform``, several times faster on many texts).
        """
        check_is_fitted(self, "vectorizers_")
        texts = _as_texts(texts)
        return sp.hstack([self._block(i, vec, texts) for i, vec in enumerate(self.vectorizers_)], format="csr")

    def _block(self, i: int, vec: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
        counters = self.__dict__.setdefault("_counters", {})
        cached = counters.get(i)
        if cached is None or cached[0] is not vec:  # built once per fitted vectoriser
            if vec.analyzer == "char":
                cached = (vec, CharCounter.build(vec, char_view))
            else:
                cached = (vec, WordCounter.build(vec, word_view))
            counters[i] = cached
        counter = cached[1]
        return vec.transform(texts) if counter is None else counter.transform(texts)

    def __getstate__(self) -> dict:
        # the counters are rebuilt from the vocabularies on demand: keep them out of saved models
        state = dict(super().__getstate__())
        state.pop("_counters", None)
        return state


def _as_texts(texts: Sequence[str]) -> list[str]:
    """Texts as a list of str; missing values (None, NaN) become empty strings."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    out = []
    for text in texts:
        if text is None or (isinstance(text, float) and np.isnan(text)):
            out.append("")
        else:
            out.append(str(text))
    return out


def sentence_view(text: str) -> str:
    """Lower case with white space collapsed: what the sentence encoder reads."""
    return _SPACES.sub(" ", str(text).lower()).strip()
