"""``Project`` methods for analyses: frequencies, co-occurrence, crosstabs,
waves, words, questionnaire summaries, quotes and priorities.

Each method reads the project's tidy frames once, applies the same ``where`` filter to
the applications and to the excerpts (so "% of cases" is out of the cases that have
material in the filtered set), and calls one pure function of ``qualcode.analysis``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from qualcode import analysis as qa
from qualcode.analysis.conversation import CONVERSATION_STOP_WORDS, CONVERSATIONAL_KINDS
from qualcode.codebook.branches import thematic_mask
from qualcode.errors import UsageError
from qualcode.analysis.filters import filter_applications, filter_where, listed_where
from qualcode.speech.marks import only_marks, strip_marks
from qualcode.speech.roles import SpeakerRoles
from qualcode.project.privacy import ProjectPrivacy
from qualcode.store import frames


Where = Mapping[str, Any] | None


class AnalysisFrames:
    """The frames one analysis call works on, filtered consistently.

    ``apps`` are the applications (for a count, only the columns counting needs);
    ``base`` is the material the same filter keeps, one row per source with excerpts
    (``case``, ``wave``…): the denominator for "% of cases". ``excerpts`` (with text,
    speaker and codes) and ``descriptors`` (a frequency table needs none) are read only
    when asked for.
    """

    def __init__(self, apps: pd.DataFrame, codebook: pd.DataFrame,
                 descriptors: "Callable[[], pd.DataFrame] | pd.DataFrame",
                 base: pd.DataFrame, excerpts: "Callable[[], pd.DataFrame] | pd.DataFrame",
                 counted: "qa.AnalysisBase | None" = None) -> None:
        self.apps, self.codebook, self.base = apps, codebook, base
        self._descriptors = descriptors
        self._excerpts = excerpts
        self.counted = counted  # what ``base`` is, in words (qualcode.analysis.base)

    @property
    def descriptors(self) -> pd.DataFrame:
        if callable(self._descriptors):
            self._descriptors = self._descriptors()
        return self._descriptors

    @property
    def excerpts(self) -> pd.DataFrame:
        if callable(self._excerpts):
            self._excerpts = self._excerpts()
        return self._excerpts.copy(deep=False)

    def copy(self, *, share_excerpts: bool = True) -> "AnalysisFrames":
        """Shallow copies of every frame read so far (callers may add columns).

        With ``share_excerpts`` the excerpts, once one copy reads them, are kept here for
        every copy (a report's dozen analyses read them once); without, each copy reads
        its own and this object never holds the texts (a notebook's kept frames stay
        small)."""
        excerpts = self._share_excerpts if share_excerpts else (
            self._excerpts if not callable(self._excerpts) else self._unshared_excerpts)
        return AnalysisFrames(self.apps.copy(deep=False), self.codebook.copy(deep=False),
                              self._descriptors if callable(self._descriptors) else self._descriptors.copy(deep=False),
                              self.base.copy(deep=False), excerpts,
                              self.counted)

    def _unshared_excerpts(self) -> pd.DataFrame:
        return self._excerpts() if callable(self._excerpts) else self._excerpts

    def _share_excerpts(self) -> pd.DataFrame:
        return self.excerpts


#: fields of a ``where`` that the lean counting frames carry (besides case descriptors)
_SPANS = ("start", "end")
COUNTING_FIELDS = frozenset({"source_id", "source", "kind", "case", "wave"})
#: filtered analysis frames kept between calls outside ``cached()`` (each a shallow view
#: or a filtered copy of the 10^6-row counting frame)
_KEPT_FRAMES = 8


class ProjectAnalysis(ProjectPrivacy):
    """Analyses over the project's frames (``applications()``, ``excerpts()``,
    ``codes()``, ``descriptors()``, ``responses()``…); ``qualcode.Project`` inherits them."""

    # ------------------------------------------------------------------ frames
    def analysis_frames(
        self,
        where: Where = None,
        codes: str | Iterable[str] | None = None,
        *,
        descendants: bool = True,
        coder: str | Iterable[str] | None = None,
        structural: bool = True,
        final_only: bool = False,
        extra: Sequence[str] = (),
        base: str = "coded",
    ) -> AnalysisFrames:
        """Applications, codebook, descriptors and material filtered by ``where``
        (descriptors, wave, source…), ``codes`` and ``coder``; ``structural=False``
        drops the questionnaire-question codes; ``final_only`` keeps the consensus coding.

        The applications carry what counting needs (excerpt, source, case, wave, kind,
        code, coder) plus ``extra`` (``start``, ``end``, ``weight``); they are read once
        and kept while the project is unchanged. A ``where`` on any other column (an
        application's ``origin``…) reads the full frames instead.

        ``base`` (see :mod:`qualcode.analysis.base`): ``"coded"`` (default) keeps the
        sources that carry a code, ``"all"`` every source. In a project where no source
        belongs to a case, each source stands in for a case (``case`` = source name).
        """
        qa.check_base(base)
        # inside ``cached()`` (a report) the frames and the excerpts read for them are
        # shared by every call; otherwise they are kept between calls while the project is
        # unchanged (a notebook re-running a cell, the CLI's table and its base line), at
        # most _KEPT_FRAMES of them, without the excerpts' texts
        report = self._db.frame_cache
        cache = report if report is not None else self._db.lasting_cache()
        extra = tuple(c for c in frames.COUNT_EXTRAS if c in extra)
        key = ("analysis_frames", _hashable(where), _hashable(codes), descendants, _hashable(coder), structural,
               final_only, extra, base)
        if key in cache:
            return cache[key].copy(share_excerpts=report is not None)  # type: ignore[union-attr]
        descriptors = self.descriptors() if where else None  # (read only when a filter or a caller needs them)
        listed = listed_where(where)
        if not where or all(f in COUNTING_FIELDS or f in descriptors.columns for f in where):  # type: ignore[union-attr]
            # the material first: the first count after a write reads it while the
            # command line's thread is still reading the ids (qualcode.store.count_prefetch)
            material = self._material()
            apps = self._counting_applications(extra + (("final",) if final_only else ()))
            code_table = self.codes() if codes is not None else None
            apps = filter_applications(apps, codes, code_table, descendants=descendants, coder=coder, where=where,
                                        descriptors=descriptors if where else None, final_only=final_only)
            material = filter_where(material, listed, descriptors if where else None)
        else:
            apps = self.applications(codes, descendants=descendants, coder=coder, where=where, final_only=final_only)
            material = self.excerpts(where=where, status=None)
        if not structural and not apps.empty:
            apps = apps[thematic_mask(apps["code"])]
        coded = self._coded_source_ids() if base == "coded" else None
        if coded is not None and not material.empty and set(material["source_id"].tolist()) <= coded:
            coded = None  # every source with material is coded: nothing to drop (10^6 rows not copied)
        as_sources = self._without_cases()

        def chosen(frame: pd.DataFrame) -> pd.DataFrame:
            if coded is not None and not frame.empty and "source_id" in frame.columns:
                frame = frame[frame["source_id"].isin(coded)]
            return qa.sources_as_cases(frame) if as_sources else frame

        apps, material = chosen(apps), chosen(material)
        n_units = int(material["case"].nunique()) if not material.empty else 0
        n_sources = int(material["source_id"].nunique()) if not material.empty and "source_id" in material else 0
        counted = qa.AnalysisBase(base, "source" if as_sources else "case", n_units, n_sources)
        codebook = self.codes()
        if not structural and not codebook.empty:  # no rows of zeros for the questionnaire-question codes
            codebook = codebook[thematic_mask(codebook["path"])].reset_index(drop=True)
        result = AnalysisFrames(apps.reset_index(drop=True), codebook,
                                self.descriptors if descriptors is None else descriptors,
                                material.reset_index(drop=True),
                                lambda: chosen(self.excerpts(where=where, status=None)).reset_index(drop=True),
                                counted)
        if report is None:
            kept = [k for k in cache if k[0] == "analysis_frames"]
            for old in kept[:max(0, len(kept) - _KEPT_FRAMES + 1)]:
                del cache[old]
        cache[key] = result
        return result.copy(share_excerpts=report is not None)

    def analysis_base(self, where: Where = None, *, base: str = "coded") -> "qa.AnalysisBase":
        """What "% of cases" is out of for analyses filtered by ``where``; its
        ``describe()`` is the line printed under every table and figure."""
        return self.analysis_frames(where, base=base).counted  # type: ignore[return-value]

    def _coded_source_ids(self) -> set[int]:
        """Sources carrying an applied code outside the structural branches (from the lean
        counting frame: the full ``applications()`` frame reads every timestamp)."""
        cache = self._db.lasting_cache()
        if ("coded_source_ids",) not in cache:
            apps = self._counting_applications()
            cache[("coded_source_ids",)] = qa.coded_source_ids(
                apps, thematic_mask(apps["code"]) if not apps.empty else pd.Series(dtype=bool))
        return set(cache[("coded_source_ids",)])  # type: ignore[call-overload]

    def _without_cases(self) -> bool:
        """True when the project has material and no source belongs to a case: from the
        kept source table when a count has read it (counting always does), else two SQL
        counts (scanning the sources table reads past every text: 0.05 s for 30,000)."""
        kept = self._db.lasting_cache().get((frames.source_table.__name__, (True,)))
        if kept is not None:
            return len(kept) > 0 and not kept["case"].notna().any()  # type: ignore[index]
        with self._db.connect() as conn:
            counts = frames.source_counts(conn)
        return counts["sources"] > 0 and counts["with_case"] == 0

    # ------------------------------------------------------------- counting
    def frequencies(self, where: Where = None, codes: str | Iterable[str] | None = None, *,
                    descendants: bool = True, coder: str | Iterable[str] | None = None, base: str = "coded") -> pd.DataFrame:
        """Per code: applications, excerpts, sources, cases and % of cases, explicit and child-sum."""
        f = self.analysis_frames(where, codes, descendants=descendants, coder=coder, base=base)
        return qa.frequencies(f.apps, f.codebook, base=f.base)

    def code_presence(self, by: str = "source", where: Where = None, *, child_sum: bool = False, base: str = "coded") -> pd.DataFrame:
        """Codes × sources (or cases) as 0/1."""
        f = self.analysis_frames(where, base=base)
        return qa.code_presence(f.apps, f.codebook, by=by, child_sum=child_sum)

    def code_application(self, by: str = "source", where: Where = None, *, child_sum: bool = False, base: str = "coded") -> pd.DataFrame:
        """Codes × sources (or cases): number of excerpts."""
        f = self.analysis_frames(where, base=base)
        return qa.code_application(f.apps, f.codebook, by=by, child_sum=child_sum)

    def excerpts_per_source(self, where: Where = None, *, base: str = "coded") -> pd.DataFrame:
        f = self.analysis_frames(where, base=base)
        return qa.excerpts_per_source(f.excerpts, f.apps)

    def cooccurrence(self, where: Where = None, *, overlap: bool = False, measure: str = "count",
                     child_sum: bool = False, codes: str | Iterable[str] | None = None, base: str = "coded") -> pd.DataFrame:
        """Code × code: excerpts where both are applied (or overlapping excerpts), or Jaccard."""
        f = self.analysis_frames(where, codes, extra=_SPANS if overlap else (), structural=False, base=base)
        return qa.cooccurrence_matrix(f.apps, f.codebook if codes is None else None, overlap=overlap,
                                      child_sum=child_sum, measure=measure)

    def cooccurrence_pairs(self, where: Where = None, *, overlap: bool = False, base: str = "coded") -> pd.DataFrame:
        f = self.analysis_frames(where, extra=_SPANS if overlap else (), structural=False, base=base)
        return qa.cooccurrence(f.apps, f.codebook, overlap=overlap)

    def cooccurrence_excerpts(self, code_a: str, code_b: str, where: Where = None, *, overlap: bool = False, base: str = "coded") -> pd.DataFrame:
        """The excerpts behind one co-occurrence cell."""
        f = self.analysis_frames(where, extra=_SPANS if overlap else (), base=base)
        return qa.cooccurrence_excerpts(f.apps, code_a, code_b, f.codebook, overlap=overlap, excerpts=f.excerpts)

    def crosstab(self, by: str | Sequence[str], where: Where = None, *, child_sum: bool = False,
                 codes: str | Iterable[str] | None = None, base: str = "coded") -> pd.DataFrame:
        """Code × descriptor group(s): excerpts, cases, % of cases, Dedoose-normalised counts."""
        f = self.analysis_frames(where, codes, structural=False, base=base)
        return qa.code_by_descriptor(f.apps, by, f.descriptors, f.codebook, base=f.base, child_sum=child_sum)

    def group_tests(self, by: str, where: Where = None, *, child_sum: bool = True,
                    codes: str | Iterable[str] | None = None, base: str = "coded") -> pd.DataFrame:
        """Per code: is the gap between the groups of ``by`` more than chance? Fisher's exact
        test (two groups) or the exact chi-square test (more), with Benjamini-Hochberg q-values.

        Each case must sit in one group, so ``by`` is a case descriptor (``role``); a
        per-source field such as ``wave`` is refused when a case has material in two of
        its groups (``wave_tests`` compares waves on the same cases)."""
        if not isinstance(by, str):
            raise UsageError("group tests compare the groups of one field: pass by='role', not a list")
        f = self.analysis_frames(where, codes, structural=False, base=base)
        shared = qa.cases_in_several_groups(f.base, by)
        if shared:
            raise UsageError(f"case {shared[0]!r} has material in more than one {by} group, so the groups are not "
                             "independent; compare waves on the same cases with the McNemar test (stats waves "
                             "--test, Project.wave_tests), or test a case descriptor")
        table = qa.code_by_descriptor(f.apps, by, f.descriptors, f.codebook, base=f.base, child_sum=child_sum)
        return qa.group_tests(table, by)

    def wave_tests(self, first: str | None = None, second: str | None = None, where: Where = None, *,
                   child_sum: bool = True, base: str = "coded") -> pd.DataFrame:
        """Per code, on the cases with material in both waves: raised more often in one wave
        than the other? Exact McNemar test with Benjamini-Hochberg q-values."""
        return qa.paired_wave_tests(self.wave_change(first, second, where, child_sum=child_sum, paired=True,
                                                     base=base))

    def weights(self, by: str | Sequence[str] | None = None, where: Where = None, *, base: str = "coded") -> pd.DataFrame:
        """Mean/min/max/sd of weights per code (and group)."""
        f = self.analysis_frames(where, extra=("weight",), base=base)
        return qa.code_weights(f.apps, by, f.descriptors, f.codebook)

    def waves(self, where: Where = None, *, child_sum: bool = False, base: str = "coded") -> pd.DataFrame:
        """Code frequencies (cases, % of cases) per wave."""
        f = self.analysis_frames(where, structural=False, base=base)
        return qa.frequencies_by_wave(f.apps, f.codebook, base=f.base, child_sum=child_sum)

    def wave_change(self, first: str | None = None, second: str | None = None, where: Where = None, *,
                    child_sum: bool = False, paired: bool = False, base: str = "coded") -> pd.DataFrame:
        """Cases mentioning each code in both waves, only the first, only the second."""
        f = self.analysis_frames(where, structural=False, base=base)
        first, second = _two_waves(f.base, first, second)
        return qa.wave_change(f.apps, first, second, f.codebook, base=f.base, child_sum=child_sum, paired=paired)

    def top_priorities(self, n: int | None = 10, where: Where = None, *, branch: str | None = None,
                       depth: int | None = None, base: str = "coded") -> pd.DataFrame:
        """Codes ranked by the number of cases that raised them (questionnaire-question codes left out)."""
        f = self.analysis_frames(where, structural=False, base=base)
        return qa.top_priorities(f.apps, f.codebook, branch=branch, depth=depth, base=f.base, n=n)

    # ---------------------------------------------------------------- words
    def word_frequencies(self, code: str | Iterable[str] | None = None, where: Where = None, *,
                         stop_words: Iterable[str] = (), min_count: int = 1, n: int | None = None,
                         conversation_stop: bool | Iterable[str] = True) -> pd.DataFrame:
        """Lemmatised word counts over the excerpts (of a code, a group) or, with neither,
        over the sources' own words (interviewer turns left out).

        ``stop_words`` are left out everywhere; ``conversation_stop`` leaves the fillers
        of talk out of transcripts' words (``True``: the documented list in
        :mod:`qualcode.analysis.conversation`; ``False``: none; words: that list instead)."""
        lists = self._word_lists(code, where, stop_words, conversation_stop)
        table = qa.count_tokens(lists, min_count=min_count)
        return table.head(n) if n else table

    def distinguishing_words(self, group_a: Where, group_b: Where, code: str | Iterable[str] | None = None, *,
                             method: str = "log_odds", n: int = 20, stop_words: Iterable[str] = (),
                             conversation_stop: bool | Iterable[str] = True) -> pd.DataFrame:
        """Words that set one group's material apart from another's (log-odds with an
        informative Dirichlet prior, or chi-square); stop lists as in ``word_frequencies``."""
        a = qa.count_tokens(self._word_lists(code, group_a, stop_words, conversation_stop))
        b = qa.count_tokens(self._word_lists(code, group_b, stop_words, conversation_stop))
        return qa.distinguishing_words(a, b, method=method, n=n)

    def _word_lists(self, code: str | Iterable[str] | None, where: Where, stop_words: Iterable[str],
                    conversation_stop: bool | Iterable[str]) -> list[list[str]]:
        """The lemma lists words are counted from, one per text, stop lists applied."""
        stop_words = list(stop_words)
        if code is None and not stop_words and self._db.frame_cache is not None:
            source_ids, lists = self._participant_tokens(where)
        else:
            if code is not None:
                excerpts = self.excerpts(code, where=where)
                source_ids, texts = excerpts["source_id"].tolist(), excerpts["text"].tolist()
            else:
                pairs = participant_text_pairs(self, where)
                source_ids, texts = [sid for sid, _ in pairs], [text for _, text in pairs]
            lists = qa.tokens(self._cleaned(texts), stop_words=stop_words)
        if conversation_stop is False:
            return list(lists)
        filler = CONVERSATION_STOP_WORDS if conversation_stop is True else {
            str(w).lower() for w in conversation_stop}  # type: ignore[union-attr]
        sources = self.sources()
        spoken = set(sources.loc[sources["kind"].isin(CONVERSATIONAL_KINDS), "source_id"]) if not sources.empty else set()
        return [[w for w in words if w not in filler] if sid in spoken else list(words)
                for sid, words in zip(source_ids, lists)]

    def _participant_tokens(self, where: Where) -> tuple[list[int], list[list[str]]]:
        """Participants' words as lemma lists with their source ids, tokenised once per
        ``cached()`` block and then selected by ``where`` (a report counts all words,
        then two groups')."""
        cache = self._db.frame_cache
        assert cache is not None
        key = ("participant_tokens",)
        if key not in cache:
            pairs = participant_text_pairs(self)
            token_lists = qa.tokens(self._cleaned([text for _, text in pairs]))
            cache[key] = ([source_id for source_id, _ in pairs], token_lists)
        source_ids, token_lists = cache[key]  # type: ignore[misc]
        if not where:
            return list(source_ids), list(token_lists)

        wanted = set(filter_where(self.sources(), where, self.descriptors())["source_id"].tolist())
        chosen = [(sid, words) for sid, words in zip(source_ids, token_lists) if sid in wanted]
        return [sid for sid, _ in chosen], [words for _, words in chosen]

    def _cleaned(self, texts: list[str]) -> list[str]:
        # confirmed names and case names are taken out of the text before counting, so
        # "Riverside Carers Centre" disappears while the word "carers" elsewhere still counts
        blank = self.anonymiser(case_names=True).remove
        return [blank(_drop_labels(strip_marks(t))) for t in texts]

    # -------------------------------------------------------- questionnaire
    def response_rate(self, by: str | None = None) -> pd.DataFrame:
        """Responses, invited and % response, overall and per group (invited from the
        questionnaire's ``about`` sheet or ``--invited``)."""
        responses = self.responses()
        if responses.empty:
            return pd.DataFrame(columns=["group", "responses", "invited", "pct_response"])
        invited = _invited(self.questionnaires(), by)
        return qa.response_rate(responses, invited=invited, by=by, descriptors=self.descriptors(), questions=self.questions())

    def closed_questions(self, by: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        return qa.closed_questions(self.responses(), self.questions(), columns=columns, by=by,
                                   descriptors=self.descriptors() if by else None)

    def likert(self, battery: str | None = None, by: str | None = None, *, percent: bool = False) -> pd.DataFrame:
        """Scale items: counts per level, % agree (top two levels), median, n."""
        return qa.likert(self.responses(), self.questions(), battery=battery, by=by,
                         descriptors=self.descriptors() if by else None, percent=percent)

    def ratings(self, by: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """"Marks out of ten" and other ratings: mean, median, sd, quartiles, n."""
        return qa.ratings(self.responses(), self.questions(), columns=columns, by=by,
                          descriptors=self.descriptors() if by else None)

    def answer_tests(self, by: str, columns: Sequence[str] | None = None,
                     types: Sequence[str] = ("rating", "scale")) -> pd.DataFrame:
        """Per rating and scale item: do the groups of ``by`` answer differently? Kruskal-Wallis
        on ranks (Mann-Whitney for two groups), Benjamini-Hochberg q-values across the items tested."""
        return qa.answer_group_tests(self.responses(), self.questions(), by, self.descriptors(), columns=columns,
                                     types=types)

    def open_answers(self, question: str | None = None) -> pd.DataFrame:
        """Each open answer with the excerpts coded inside it."""
        return qa.open_answers(self.segments(), self.excerpts(status=None), question=question)

    def wordcloud(self, out_file: str | Path, *, codes: bool = False, code: str | None = None,
                  where: Where = None, base: str = "coded", stop_words: Iterable[str] = (),
                  conversation_stop: bool | Iterable[str] = True) -> Path:
        """Save a code cloud (``codes=True``: codes sized by applications, coloured by
        branch) or a word cloud (of one code's excerpts, or of all participants' words)
        as PNG and SVG; returns the PNG path."""
        from qualcode.report import clouds
        from qualcode.report.figures import save_figure

        out = Path(out_file)
        if codes:
            f = self.analysis_frames(where, structural=False, base=base)
            table = qa.frequencies(f.apps, f.codebook)
            table = table[table["applications"] > 0]
            tops = f.codebook[(f.codebook["depth"] == 0) & (f.codebook["colour"] != "")]
            figure = clouds.code_cloud(table, colours=dict(zip(tops["name"], tops["colour"])),
                                       title="How the codes were applied")
        else:
            words = self.word_frequencies(code, where, n=150, stop_words=stop_words,
                                          conversation_stop=conversation_stop)
            figure = clouds.word_cloud(words, title=f"Words in {code}" if code else "Words participants used")
        saved = save_figure(figure, out.with_suffix(""), formats=("png", "svg"))
        return saved.png

    # --------------------------------------------------------------- quotes
    def quotes(self, code: str, n: int = 5, where: Where = None, *, fields: Sequence[str] | str | None = None,
               per_case: int = 1, descendants: bool = True, base: str = "coded") -> pd.DataFrame:
        """Representative quotes for a code, attributed by descriptors (e.g. "CEO, wave 2"),
        every confirmed name replaced by its pseudonym ("[Person 4]") and every other
        case name by "[name]"; without descriptors, "Participant N" (or "Source N")."""
        f = self.analysis_frames(where, extra=_SPANS, base=base)
        if fields is None:
            fields = [c for c in ("role", "wave") if c in f.descriptors.columns or c == "wave"]
        return qa.representative_quotes(
            self._quotable(f.excerpts, where, base), f.apps, code, f.descriptors, f.codebook, fields=fields, n=n, per_case=per_case,
            descendants=descendants, anonymise=self.anonymiser(case_names=True).series,
            unit_label="Participant" if f.counted is None or f.counted.unit == "case" else "Source",
        )

    def _quotable(self, excerpts: pd.DataFrame, where: Where, base: str) -> pd.DataFrame:
        """:func:`quotable` of the excerpts in scope, judged once per ``cached()`` block: a
        report asks for quotes of several codes, and judging every excerpt (interviewer?
        only transcription marks?) took ~15 s a time on 10^6 excerpts."""
        cache = self._db.frame_cache
        key = ("quotable", _hashable(where), base)
        if cache is not None and key in cache:
            return cache[key].copy(deep=False)  # type: ignore[union-attr]
        chosen = quotable(excerpts, self.speaker_roles())
        if cache is not None:
            cache[key] = chosen
            return chosen.copy(deep=False)  # representative_quotes reads it, never writes
        return chosen


def _hashable(value: Any) -> Any:
    """A cache key for a ``where`` mapping, a code list or a coder list."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, Iterable):
        return tuple(_hashable(v) for v in value)
    return repr(value)


def quotable(excerpts: pd.DataFrame, roles: SpeakerRoles) -> pd.DataFrame:
    """Excerpts that can be quoted: not said by an interviewer, not only transcription
    marks; the marks (``[laughs]``) taken out of the text a reader will see."""
    if excerpts.empty:
        return excerpts
    keep = ~np.asarray(roles.interviewer_mask(excerpts["speaker"]) if "speaker" in excerpts else
                       [False] * len(excerpts), dtype=bool)
    texts = excerpts["text"].astype(str).to_numpy(dtype=object)
    # a mark is bracketed: only texts with a bracket can be only marks or lose any
    bracketed = np.fromiter(("[" in t or "(" in t for t in texts), dtype=bool, count=len(texts))
    for i in np.flatnonzero(bracketed & keep):
        keep[i] = not only_marks(texts[i])
    chosen = excerpts[keep].copy(deep=False)
    shown = texts[keep]
    for i in np.flatnonzero(bracketed[keep]):
        shown[i] = strip_marks(shown[i])
    chosen["text"] = shown
    return chosen


def participant_texts(project: ProjectAnalysis, where: Where = None) -> list[str]:
    """The words participants wrote or said: speaker turns other than the interviewer's,
    email messages other than the researcher's, questionnaire answers, whole documents."""
    return [text for _, text in participant_text_pairs(project, where)]


def participant_text_pairs(project: ProjectAnalysis, where: Where = None) -> list[tuple[int, str]]:
    """:func:`participant_texts` as (source id, text) pairs."""
    sources = project.sources() if hasattr(project, "sources") else pd.DataFrame()
    if sources.empty:
        return []
    segments = project.segments()
    sources = filter_where(sources, where, project.descriptors() if where else None)
    texts: list[tuple[int, str]] = []
    spoken = {"turn", "cue", "message", "answer"}
    all_texts = project.source_texts()
    spoken_segments = segments[segments["kind"].isin(spoken)] if not segments.empty else segments
    by_source = dict(tuple(spoken_segments.groupby("source_id"))) if not spoken_segments.empty else {}
    roles = project.speaker_roles()  # type: ignore[attr-defined]
    for source_id in sources["source_id"].tolist():
        text = all_texts[source_id]
        segs = by_source.get(source_id)
        if segs is None:
            texts.append((source_id, text))
            continue
        if (segs["kind"] == "turn").any():
            segs = segs[segs["kind"] != "cue"]  # subtitles: the cues are inside the turns merged from them
        asked = roles.interviewer_mask(segs["speaker"])
        for start, end, by_interviewer in zip(segs["start"].tolist(), segs["end"].tolist(), asked):
            if not by_interviewer:
                texts.append((source_id, text[start:end]))
    return texts


#: a speaker label or an email header at the start of a line: "[00:01:02] CEO-07: ",
#: "Mentor-03: ", "From: CEO-12 (2025-02-05): Re: Question 1 - …" (the whole header line)
_LABEL = re.compile(r"^(?:From: [^\n]*$|\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\]?\s*)?[^:\n]{1,40}:[ \t])", re.MULTILINE)


def _drop_labels(text: str) -> str:
    """Speaker labels and email header lines are structure, not words anyone said."""
    return _LABEL.sub("", text)


def _two_waves(excerpts: pd.DataFrame, first: str | None, second: str | None) -> tuple[str, str]:
    waves = sorted(excerpts["wave"].dropna().astype(str).unique(), key=_wave_key) if not excerpts.empty else []
    if first is None or second is None:
        if len(waves) < 2:
            raise UsageError(f"wave change needs two waves; the material has {len(waves)} ({', '.join(waves) or 'none'})")
        first, second = first or waves[0], second or waves[1]
    return str(first), str(second)


def _wave_key(wave: str) -> tuple[int, Any]:
    return (0, float(wave)) if wave.replace(".", "", 1).isdigit() else (1, wave)


def _invited(questionnaires: pd.DataFrame, by: str | None) -> int | dict[str, int] | None:
    if questionnaires.empty:
        return None
    if by is None:
        total = questionnaires["invited"].dropna()
        return int(total.sum()) if len(total) else None
    groups: dict[str, int] = {}
    for mapping in questionnaires["invited_by_group"]:
        for value, count in (mapping or {}).get(by, {}).items():
            groups[str(value)] = groups.get(str(value), 0) + int(count)
    return groups or None
