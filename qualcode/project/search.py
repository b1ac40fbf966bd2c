"""``Project`` methods for text search: a concordance of the passages that say some
words, their counts by group, and coding every hit (``qualcode.search``)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.coding.machine_runs import RunOptions
from qualcode.project.core import ProjectCore, coder_or_default, listed_names

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.coding.rules.autocode import AutocodeResult


class ProjectSearch(ProjectCore):
    """Text search; ``qualcode.Project`` inherits it."""

    # ------------------------------------------------------------- text search
    def search_text(
        self,
        terms: str | Sequence[str] = (),
        *,
        regex: str | Sequence[str] = (),
        exclude: str | Sequence[str] = (),
        unit: str = "sentence",
        min_matches: int = 1,
        case_sensitive: bool = False,
        where: Mapping[str, Iterable[str]] | None = None,
        include_interviewer: bool = False,
        progress: bool | None = None,
        n_process: int = 1,
        cluster: str | None = None,
    ) -> pd.DataFrame:
        """The units (sentences by default) that say ``terms``, as a concordance.

        Words and phrases match by lemma and lower case, as codebook keywords do
        ("mentor" finds "mentors" and "Mentoring"; the lemmas come from a lookup table, so
        "board meeting" also finds "boards met"; ``case_sensitive`` matches words exactly
        as written). ``regex`` adds regular expressions, ``exclude`` phrases that keep a
        unit out, ``min_matches`` how many distinct terms a unit needs. Interviewer turns are skipped unless ``include_interviewer``.
        ``where`` limits the sources (descriptors, wave, kind); ``n_process`` and
        ``cluster`` spread the matching as in ``autocode``. Columns: source, case,
        start, end (the unit's offsets), matched, context (matches marked «…»), text.
        """
        from qualcode.search import passages as text_search
        rule = text_search.search_rule(listed_names(terms) or [], regex=listed_names(regex) or [], exclude=listed_names(exclude) or [],
                                       unit=unit, min_matches=min_matches, case_sensitive=case_sensitive)
        run = RunOptions(include_interviewer=include_interviewer, n_process=n_process, cluster=cluster, progress=progress)
        return text_search.search(self._db, rule, where=where, run=run)

    def search_counts(self, hits: pd.DataFrame, by: str, where: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
        """``search_text`` hits per value of ``by`` (a descriptor, wave or kind): units,
        sources and cases with a hit, and % of the group's searched cases (``where``: the
        same filter the search used, so the base is the material searched)."""
        from qualcode.analysis.filters import filter_where
        from qualcode.search.counts import search_hits_by

        descriptors = self.descriptors()
        searched = filter_where(self.sources(), where, descriptors)
        return search_hits_by(hits, searched, by, descriptors)

    def code_search(
        self,
        terms: str | Sequence[str],
        code: str,
        *,
        regex: str | Sequence[str] = (),
        exclude: str | Sequence[str] = (),
        unit: str = "sentence",
        min_matches: int = 1,
        case_sensitive: bool = False,
        where: Mapping[str, Iterable[str]] | None = None,
        include_interviewer: bool = False,
        apply: bool = False,
        dry_run: bool = False,
        progress: bool | None = None,
        n_process: int = 1,
        cluster: str | None = None,
    ) -> "AutocodeResult":
        """Code every unit ``search_text`` would find with ``code``: one run of kind
        ``search`` by the coder ``search``, ``suggested`` for review (``apply``: applied),
        undone with ``undo_run``. Re-running adds only what is new."""
        from qualcode.search import passages as text_search
        rule = text_search.search_rule(listed_names(terms) or [], regex=listed_names(regex) or [], exclude=listed_names(exclude) or [],
                                       unit=unit, min_matches=min_matches, case_sensitive=case_sensitive)
        run = RunOptions(include_interviewer=include_interviewer, n_process=n_process, cluster=cluster, progress=progress)
        return text_search.code_hits(self._db, rule, code, where=where, apply=apply, dry_run=dry_run,
                                     decided_by=coder_or_default(None), run=run)
