"""The one place that builds a spaCy pipeline.

No spaCy model can be downloaded on every machine, so the default pipeline is
``spacy.blank("en")`` with the rule-based sentencizer and the lookup lemmatizer from
``spacy-lookups-data``. When a trained English pipeline is installed (``en_core_web_sm``
or larger) and NER is wanted, it is used instead. Pipelines are cached per process
because building one costs about a second.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

# spaCy itself is imported by the functions that build a pipeline: asking whether a
# trained pipeline is installed (every name scan does) costs no spaCy import.

TRAINED_PIPELINES = ("en_core_web_trf", "en_core_web_lg", "en_core_web_md", "en_core_web_sm")


def trained_pipeline_name() -> str | None:
    """Name of an installed trained English pipeline, or None."""
    for name in TRAINED_PIPELINES:
        if find_spec(name) is not None:
            return name
    return None


@lru_cache(maxsize=4)
def get_nlp(ner: bool = False) -> Language:
    """A pipeline with sentences and lemmas (and entities when ``ner`` and a model exist).

    The lookup lemmatizer lower-cases nothing, so callers match on ``lemma_.lower()``.
    """
    import spacy

    if ner:
        name = trained_pipeline_name()
        if name is not None:
            return _with_sentencizer(spacy.load(name))
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.max_length = 50_000_000
    _DEFAULT_BUILT[:] = [nlp]
    return nlp


def get_tokenizer_nlp() -> Language:
    """A pipeline for callers that only tokenise (and look lemmas up in
    :func:`lemma_lookup`): :func:`get_nlp`'s when this process has built it, else
    ``spacy.blank("en")`` alone -- the same tokenizer, vocabulary and stop words, without
    initialising the lemmatizer's tables (about half a second)."""
    return _DEFAULT_BUILT[0] if _DEFAULT_BUILT else _blank_english()


#: the default pipeline of :func:`get_nlp`, once built
_DEFAULT_BUILT: list[Language] = []


@lru_cache(maxsize=1)
def _blank_english() -> Language:
    import spacy

    nlp = spacy.blank("en")
    nlp.max_length = 50_000_000
    return nlp


def _with_sentencizer(nlp: Language) -> Language:
    if "parser" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    nlp.max_length = 50_000_000
    return nlp


@lru_cache(maxsize=4)
def lemma_lookup(lang: str = "en") -> dict[str, str]:
    """The lookup lemmatizer's table (word -> lemma, from spacy-lookups-data) as plain
    strings, for code that lemmatises token by token without running the pipeline
    component; empty when no table is installed."""
    from spacy.util import load_language_data, registry

    tables = registry.lookups.get(lang) if lang in registry.lookups else {}
    path = tables.get("lemma_lookup") if isinstance(tables, dict) else None
    table = dict(load_language_data(path)) if path is not None else {}
    if table:
        table.update(LEMMA_CORRECTIONS.get(lang, {}))
    return table


#: Entries of the lookup table that are wrong for any reading of the word, not just
#: ambiguous between noun and verb: "a bit" is not "bite", "evening" is not "even",
#: "worse" is not "wrong", "data" is not "datum", "matter" is not "matt" (a reader takes
#: "matt" for a name that escaped anonymising) in anyone's interview. They showed up
#: in the demo's word cloud. Ambiguous ones ("meeting" -> "meet") are left as the table has them.
LEMMA_CORRECTIONS: dict[str, dict[str, str]] = {
    "en": {
        "bit": "bit", "bits": "bit",
        "evening": "evening", "evenings": "evening",
        "worse": "bad", "worst": "bad",
        "data": "data", "media": "media",
        "matter": "matter",
    },
}
