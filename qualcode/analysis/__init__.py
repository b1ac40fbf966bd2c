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

from qualcode.analysis._tree import in_tree_order
from qualcode.analysis.base import BASES, AnalysisBase, check_base, coded_source_ids, sources_as_cases
from qualcode.analysis.cooccurrence import (
    cooccurrence,
    cooccurrence_excerpts,
    cooccurrence_matrix,
    overlap_matrix,
)
from qualcode.analysis.crosstab import code_by_descriptor, to_wide
from qualcode.analysis.filters import excerpts_with_codes, filter_codes, filter_where, with_descriptors
from qualcode.analysis.frequencies import (
    code_application,
    code_presence,
    excerpts_per_source,
    frequencies,
)
from qualcode.analysis.group_tests import cases_in_several_groups, group_tests, paired_wave_tests
from qualcode.analysis.priorities import top_priorities
from qualcode.analysis.questionnaire_tests import answer_group_tests
from qualcode.analysis.questionnaire import (
    closed_questions,
    likert,
    open_answers,
    ratings,
    response_rate,
)
from qualcode.analysis.quotes import attribution, redact, representative_quotes
from qualcode.analysis.waves import frequencies_by_wave, wave_change
from qualcode.analysis.weights import code_weights
from qualcode.analysis.words import count_tokens, distinguishing_words, tokens, word_frequencies

__all__ = [
    "in_tree_order",
    "BASES",
    "AnalysisBase",
    "check_base",
    "coded_source_ids",
    "sources_as_cases",
    "answer_group_tests",
    "attribution",
    "cases_in_several_groups",
    "closed_questions",
    "code_application",
    "code_by_descriptor",
    "code_presence",
    "code_weights",
    "cooccurrence",
    "cooccurrence_excerpts",
    "cooccurrence_matrix",
    "distinguishing_words",
    "excerpts_per_source",
    "excerpts_with_codes",
    "filter_codes",
    "filter_where",
    "frequencies",
    "frequencies_by_wave",
    "group_tests",
    "likert",
    "open_answers",
    "overlap_matrix",
    "paired_wave_tests",
    "ratings",
    "redact",
    "representative_quotes",
    "response_rate",
    "to_wide",
    "top_priorities",
    "wave_change",
    "with_descriptors",
    "word_frequencies",
    "count_tokens",
    "tokens",
]
