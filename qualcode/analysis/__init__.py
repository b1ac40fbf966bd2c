"""Analyses: pure functions from the tidy frames of docs/frames.md to DataFrames.

Conventions (the same for every function here):

* **Inputs are frames, pre-filtered.** Functions take ``project.applications()``
  (``apps``), ``project.codes()`` (``codebook``, optional: without it codes and their
  parents are read from the paths), ``project.descriptors()``, ``project.excerpts()``,
  ``project.responses()`` / ``project.questions()``. They count the rows they are given:
  to analyse "CEOs only" or "the Governance branch", filter first with
  :mod:`qualcode.analysis.filters` (``where`` conditions on frame columns or case
  descriptors, ``codes`` with or without descendants). Status is not re-checked:
  ``applications()`` returns ``applied`` rows by default.
* **Denominators are explicit.** "% of cases" divides by ``base``: None = the cases
  present in ``apps``; a frame with ``case`` (e.g. the filtered ``excerpts()``, so
  cases with material but no codings count); a list of case names; or an int. The
  base used is returned in a column (``case_base``, ``group_cases``, ``base_first``).
* **Units.** Excerpt counts are distinct excerpts (two coders applying one code to one
  excerpt count once; ``applications`` keeps raw rows). A case counts when any excerpt
  of its sources carries the code. Excerpts whose source has no case are counted as
  excerpts and sources, never as cases.
* **Codes** are named by path (``"Arenas/Self"``) in outputs; arguments accept a path or
  a unique last-part name. Outputs list codes in codebook (tree) order.
* **Child-sum** (``*_sum`` columns, ``child_sum=True``): a parent counts an excerpt that
  carries it or any descendant, once per excerpt.
* Nothing here prints, plots or touches SQL; bad arguments raise
  :class:`qualcode.errors.UsageError` / ``NotFoundError`` with a one-line message.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.analysis.cooccurrence import cooccurrence
    from qualcode.analysis.cooccurrence import cooccurrence_excerpts
    from qualcode.analysis.cooccurrence import cooccurrence_matrix
    from qualcode.analysis.cooccurrence import overlap_matrix
    from qualcode.analysis.crosstab import code_by_descriptor
    from qualcode.analysis.crosstab import to_wide
    from qualcode.analysis.filters import excerpts_with_codes
    from qualcode.analysis.filters import filter_codes
    from qualcode.analysis.filters import filter_where
    from qualcode.analysis.filters import with_descriptors
    from qualcode.analysis.frequencies import code_application
    from qualcode.analysis.frequencies import code_presence
    from qualcode.analysis.frequencies import excerpts_per_source
    from qualcode.analysis.frequencies import frequencies
    from qualcode.analysis.group_tests import cases_in_several_groups
    from qualcode.analysis.group_tests import group_tests
    from qualcode.analysis.group_tests import paired_wave_tests
    from qualcode.analysis.priorities import top_priorities
    from qualcode.analysis.questionnaire import closed_questions
    from qualcode.analysis.questionnaire import likert
    from qualcode.analysis.questionnaire import open_answers
    from qualcode.analysis.questionnaire import ratings
    from qualcode.analysis.questionnaire import response_rate
    from qualcode.analysis.questionnaire_tests import answer_group_tests
    from qualcode.analysis.quotes import attribution
    from qualcode.analysis.quotes import redact
    from qualcode.analysis.quotes import representative_quotes
    from qualcode.analysis.waves import frequencies_by_wave
    from qualcode.analysis.waves import wave_change
    from qualcode.analysis.weights import code_weights
    from qualcode.analysis.words import count_tokens
    from qualcode.analysis.words import distinguishing_words
    from qualcode.analysis.words import tokens
    from qualcode.analysis.words import word_frequencies

#: Public names and the module each comes from. They are loaded on first use (PEP 562):
#: ``from qualcode.analysis import frequencies`` loads ``frequencies`` alone, not the
#: statistical tests (scipy.stats) of ``group_tests`` or the words of ``words``.
_EXPORTS = {
    "answer_group_tests": "questionnaire_tests",
    "attribution": "quotes",
    "cases_in_several_groups": "group_tests",
    "closed_questions": "questionnaire",
    "code_application": "frequencies",
    "code_by_descriptor": "crosstab",
    "code_presence": "frequencies",
    "code_weights": "weights",
    "cooccurrence": "cooccurrence",
    "cooccurrence_excerpts": "cooccurrence",
    "cooccurrence_matrix": "cooccurrence",
    "count_tokens": "words",
    "distinguishing_words": "words",
    "excerpts_per_source": "frequencies",
    "excerpts_with_codes": "filters",
    "filter_codes": "filters",
    "filter_where": "filters",
    "frequencies": "frequencies",
    "frequencies_by_wave": "waves",
    "group_tests": "group_tests",
    "likert": "questionnaire",
    "open_answers": "questionnaire",
    "overlap_matrix": "cooccurrence",
    "paired_wave_tests": "group_tests",
    "ratings": "questionnaire",
    "redact": "quotes",
    "representative_quotes": "quotes",
    "response_rate": "questionnaire",
    "to_wide": "crosstab",
    "tokens": "words",
    "top_priorities": "priorities",
    "wave_change": "waves",
    "with_descriptors": "filters",
    "word_frequencies": "words",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"qualcode.analysis.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'qualcode.analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
