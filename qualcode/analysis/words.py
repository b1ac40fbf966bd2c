"""Word frequencies and the words that distinguish one group of excerpts from another.

Word clouds and "what do online mentees say that face-to-face ones don't?" both rest on
lemma counts: ``mentors``/``mentoring`` fold to ``mentor``/``mentor`` and function
words, numbers and punctuation drop out. Texts go through spaCy's English tokenizer in
batches (``nlp.pipe``), lower-cased first because the lookup lemmatizer is
case-sensitive ("Running" has no entry, "running" does).

Distinguishing words use the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008, "Fightin' Words", section 3.5): for word w with counts
``y_a``, ``y_b`` in groups of ``n_a``, ``n_b`` tokens and prior counts ``alpha_w``
summing to ``alpha_0``::

    delta = log((y_a + alpha_w) / (n_a + alpha_0 - y_a - alpha_w))
          - log((y_b + alpha_w) / (n_b + alpha_0 - y_b - alpha_w))
    var   = 1 / (y_a + alpha_w) + 1 / (y_b + alpha_w)
    z     = delta / sqrt(var)

The prior shrinks rare words towards zero so the list is not all hapaxes. By default
``alpha_w`` is the word's share of both groups pooled times ``alpha_0`` (default: the
pooled token count, i.e. the pooled counts themselves). The chi-square option is the
2x2 test (word vs other words, group a vs b) without continuity correction.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain

import numpy as np
import pandas as pd

from qualcode.errors import UsageError
from qualcode.speech.marks import strip_marks

__all__ = ["word_frequencies", "count_tokens", "distinguishing_words", "tokens"]


def _texts(texts: Iterable[str] | pd.Series | pd.DataFrame) -> list[str]:
    if isinstance(texts, pd.DataFrame):
        if "text" not in texts.columns:
            raise UsageError("the excerpts frame has no 'text' column; build it with project.excerpts()")
        texts = texts["text"]
    if isinstance(texts, str):
        return [strip_marks(texts)]
    return ["" if (t is None or (not isinstance(t, str) and pd.isna(t))) else strip_marks(str(t)) for t in texts]


def tokens(texts: Iterable[str] | pd.Series | pd.DataFrame, *, stop_words: Iterable[str] = (),
           min_length: int = 3, batch_size: int = 256) -> list[list[str]]:
    """Lower-cased lemmas of each text, with stop words, numbers, punctuation and short
    tokens (fewer than ``min_length`` characters) removed.

    A token is dropped when its text or lemma is a spaCy English stop word or in
    ``stop_words`` (compared lower-cased), so "were" (lemma "be") and a user's "carer"
    both go. Accepts strings, a Series, or an excerpts frame (its ``text`` column).

    Texts are lower-cased, run through spaCy's tokenizer only, and each distinct token is
    judged once (stop word? number? its lemma from the same lookup table the pipeline's
    lemmatizer uses): a million words take seconds, not the minute the full pipeline's
    per-token Python work would. Each distinct white-space-separated chunk is tokenised
    once, and a text's lemmas are its chunks' put together: 9 million words of 30,000
    sources took 9 s of spaCy before, about 1 s now. (``batch_size`` is no longer used.)
    """
    nlp, lemmas = _lemmatiser(stop_words, min_length)

    class _ByChunk(dict):  # chunk -> its lemmas, each distinct chunk tokenised once
        def __missing__(self, chunk: str) -> tuple[str, ...]:
            found = self[chunk] = lemmas(nlp.tokenizer(chunk))
            return found

    by_chunk = _ByChunk()
    # a text's tokens are its white-space-separated chunks' tokens put together: spaCy
    # splits at white space first and tokenises each chunk alone (prefixes, suffixes,
    # infixes, special cases). Its one look across chunks, special cases matched as token
    # sequences over the whole text, changes a text only when a match across a space
    # ("and /or", which itself is left alone) overlaps a special case inside a chunk that
    # affix splitting had broken up; none occurred in 48,000 real and fuzzed texts
    # (tests/test_analysis_words.py compares the two on such text)
    return [list(chain.from_iterable(map(by_chunk.__getitem__, text.lower().split()))) for text in _texts(texts)]


def _lemmatiser(stop_words: Iterable[str], min_length: int):  # noqa: ANN202 - (Language, Doc -> lemmas)
    """spaCy's tokenizer pipeline and the function from a tokenised Doc to its counted
    lemmas (each distinct token judged once), as :func:`tokens` uses them."""
    from spacy.attrs import LOWER

    from qualcode.nlp import get_tokenizer_nlp, lemma_lookup  # spaCy loads only when words are counted

    nlp = get_tokenizer_nlp()  # the tokenizer and vocabulary: lemmas come from the lookup table
    lookup = lemma_lookup()
    user = {w.lower() for w in stop_words}
    spacy_stop = nlp.Defaults.stop_words
    vocab = nlp.vocab
    verdict: dict[int, str | None] = {}

    def judge(key: int) -> str | None:
        lex = vocab[key]
        text = lex.text
        if lex.is_punct or lex.is_space or lex.like_num or lex.is_digit or lex.is_stop or lex.like_url:
            return None
        lemma = _lemma(lookup, text)
        if len(lemma) < min_length or lemma in user or text in user or lemma in spacy_stop:
            return None
        if not any(ch.isalpha() for ch in lemma):
            return None
        return lemma

    def lemmas(doc) -> tuple[str, ...]:  # noqa: ANN001 - a spaCy Doc
        words = []
        for key in doc.to_array(LOWER).tolist():
            word = verdict[key] if key in verdict else verdict.setdefault(key, judge(key))
            if word is not None:
                words.append(word)
        return tuple(words)

    return nlp, lemmas


def _lemma(lookup: Mapping[str, str], word: str) -> str:
    """The lookup lemma of ``word``, followed to its end: the table maps "meetings" to
    "meeting" and "meeting" to "meet", and one step would count the two apart."""
    lemma = lookup.get(word, word).lower().strip()
    for _ in range(3):  # chains are one or two steps long; the bound guards against a cycle
        nxt = lookup.get(lemma, lemma).lower().strip()
        if nxt == lemma:
            break
        lemma = nxt
    return lemma


def word_frequencies(texts: Iterable[str] | pd.Series | pd.DataFrame, *, stop_words: Iterable[str] = (),
                     min_length: int = 3, min_count: int = 1, batch_size: int = 256) -> pd.DataFrame:
    """Lemma frequencies for any set of texts (all excerpts, one code's, one group's).

    Columns: ``word``, ``count`` (occurrences), ``texts`` (number of texts containing
    it), ``share`` (count / all counted tokens). Sorted by count descending, then word.
    Words below ``min_count`` are left out (after ``share`` is computed).
    """
    return count_tokens(tokens(texts, stop_words=stop_words, min_length=min_length, batch_size=batch_size),
                        min_count=min_count)


def count_tokens(token_lists: Iterable[list[str]], *, min_count: int = 1) -> pd.DataFrame:
    """The :func:`word_frequencies` table from texts already run through :func:`tokens`
    (a report counts all words and then each group's without tokenising twice)."""
    counts: Counter[str] = Counter()
    doc_freq: Counter[str] = Counter()
    for words in token_lists:
        counts.update(words)
        doc_freq.update(set(words))
    total = sum(counts.values())
    out = pd.DataFrame({"word": list(counts), "count": list(counts.values())}, columns=["word", "count"])
    out["texts"] = out["word"].map(doc_freq).astype(int) if len(out) else pd.Series(dtype=int)
    out["share"] = out["count"] / total if total else np.nan
    out = out[out["count"] >= min_count]
    return out.sort_values(["count", "word"], ascending=[False, True]).reset_index(drop=True)


def _as_counts(x: object, **kw) -> pd.Series:
    """Word -> count from texts, an excerpts frame, a word_frequencies table or a mapping."""
    if isinstance(x, pd.DataFrame) and {"word", "count"} <= set(x.columns):
        return x.set_index("word")["count"].astype(float)
    if isinstance(x, Mapping):
        return pd.Series(x, dtype=float)
    return word_frequencies(x, **kw).set_index("word")["count"].astype(float)


def distinguishing_words(group_a: object, group_b: object, *, method: str = "log_odds",
                         prior: Mapping[str, float] | pd.Series | None = None, alpha0: float | None = None,
                         stop_words: Iterable[str] = (), min_length: int = 3, min_count: int = 1,
                         n: int | None = None) -> pd.DataFrame:
    """Words over-used in ``group_a`` relative to ``group_b`` (and, at the bottom, the reverse).

    Each group is texts (strings, a Series, an excerpts frame) or word counts (a
    :func:`word_frequencies` table or a word -> count mapping). ``method`` is
    ``"log_odds"`` (see module docstring; ``prior`` is background counts, default the
    two groups pooled; ``alpha0`` rescales it to that total) or ``"chi2"``. Words with
    fewer than ``min_count`` occurrences over both groups are left out.

    Columns: ``word, count_a, count_b, per_1000_a, per_1000_b`` then for log-odds
    ``log_odds, z`` (positive = typical of a) or for chi-square ``chi2, p, z`` (z is the
    signed square root of chi2, positive = over-used in a). Sorted by ``z`` descending;
    ``n`` keeps the top n of each direction (2n rows).
    """
    from qualcode.analysis.exact_tests import chi2_sf

    if method not in ("log_odds", "chi2"):
        raise UsageError(f"method must be 'log_odds' or 'chi2', got {method!r}")
    kw = {"stop_words": stop_words, "min_length": min_length}
    a, b = _as_counts(group_a, **kw), _as_counts(group_b, **kw)
    words = a.index.union(b.index)
    ya = a.reindex(words, fill_value=0.0).to_numpy(dtype=float)
    yb = b.reindex(words, fill_value=0.0).to_numpy(dtype=float)
    keep = (ya + yb) >= min_count
    na, nb = ya.sum(), yb.sum()
    if na == 0 or nb == 0:
        raise UsageError("both groups need at least one counted word; check the texts and the stop list")
    out = pd.DataFrame({"word": words, "count_a": ya.astype(int), "count_b": yb.astype(int),
                        "per_1000_a": 1000 * ya / na, "per_1000_b": 1000 * yb / nb})
    if method == "log_odds":
        if prior is None:
            background = ya + yb
        else:
            background = pd.Series(prior, dtype=float).reindex(words, fill_value=0.0).to_numpy()
        if alpha0 is not None:
            background = background * (alpha0 / background.sum())
        # a word absent from the background still needs a positive prior count
        alpha = np.where(background > 0, background, 0.01)
        a0 = alpha.sum()
        delta = (np.log((ya + alpha) / (na + a0 - ya - alpha))
                 - np.log((yb + alpha) / (nb + a0 - yb - alpha)))
        out["log_odds"] = delta
        out["z"] = delta / np.sqrt(1.0 / (ya + alpha) + 1.0 / (yb + alpha))
    else:
        # 2x2: [[ya, na - ya], [yb, nb - yb]]
        n_all = na + nb
        col1 = ya + yb
        num = n_all * (ya * (nb - yb) - yb * (na - ya)) ** 2
        den = na * nb * col1 * (n_all - col1)
        with np.errstate(invalid="ignore", divide="ignore"):
            chi2 = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        out["chi2"] = chi2
        out["p"] = chi2_sf(chi2, 1)
        out["z"] = np.sign(ya / na - yb / nb) * np.sqrt(chi2)
    out = out[keep].sort_values(["z", "word"], ascending=[False, True]).reset_index(drop=True)
    if n is not None:
        out = pd.concat([out.head(n), out[out["z"] < 0].tail(n)]).drop_duplicates("word").reset_index(drop=True)
    return out
