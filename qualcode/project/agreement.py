"""``Project`` methods for several coders: agreement statistics and the consensus coding.

``qualcode.Project`` inherits this class; it builds on :class:`~qualcode.project.core.ProjectCore`
(the frames), so mypy checks every call. Methods stay thin: read the project's frames or
open one transaction, call the module that does the work, return data.

* :meth:`ProjectAgreement.agreement` turns the project's frames into the inputs of the pure
  engine :func:`qualcode.coding.agreement.measure.agreement` -- the coders' applications with
  their excerpt text, the units (sentences, paragraphs, turns, answers) cut from the
  compared sources, source lengths for character level -- and names the sources in the
  disagreement list.
* :meth:`ProjectAgreement.set_final` / :meth:`ProjectAgreement.clear_final` mark which
  applications are the project's consensus coding (the ``final`` column of
  ``applications()``), keeping every coder's work for the record.

(Merging another coder's project lives in ``qualcode.project.interop``.)
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qualcode.analysis._tree import code_table, expand
from qualcode.coding.agreement import PROJECT_UNITS, SEGMENT_UNITS
from qualcode.coding.agreement.measure import AgreementResult, agreement
from qualcode.errors import CodingError, NotFoundError, UsageError
from qualcode.project.core import ProjectCore, default_coder
from qualcode.store import consensus_store, frames
from qualcode.store import coverage as coverage_store
from qualcode.store import sources as store_sources
from qualcode.store.migrations import utcnow



@dataclass(frozen=True)
class ConsensusReport:
    """What :meth:`ProjectAgreement.set_final` did.

    ``final``: applications marked final now; ``previously_final``: how many were final
    before the call; ``others``: applied applications kept for the record but not final;
    ``coder``: the coder whose work was marked (None when ids were given); ``by``, ``at``:
    who decided and when (UTC, ISO format).
    """

    final: int
    previously_final: int
    others: int
    coder: str | None
    by: str
    at: str


class ProjectAgreement(ProjectCore):
    """Agreement and consensus; ``qualcode.Project`` inherits them."""

    # ------------------------------------------------------------------ agreement
    def agreement(
        self,
        coders: str | Sequence[str],
        unit: str = "excerpt",
        codes: str | Iterable[str] | None = None,
        sources: str | Iterable[str] | None = None,
        min_overlap: float = 0.0,
        where: Mapping[str, Any] | None = None,
        *,
        descendants: bool = True,
    ) -> AgreementResult:
        """Agreement between ``coders`` (two or more names, or ``"anna,ben"``).

        unit: ``excerpt`` (the spans the coders coded), ``sentence``, ``paragraph``,
            ``turn`` or ``answer`` (units cut from the compared sources, so coders who
            drew different spans can be compared) or ``char`` (every character).
        codes: codes to compare (paths or unique names), with their descendants unless
            ``descendants=False``; codes in that list nobody applied get undefined
            coefficients. Default: every code the coders applied.
        sources: source names the coders all coded; default: a coder coded a source
            when they applied any code in it or marked it coded (:meth:`mark_coded`: a
            source a coder read and found nothing in leaves no other trace).
        min_overlap: sentence/paragraph/turn/answer only -- fraction of a unit a coder's
            spans of a code must cover for it to count (0 = any overlap).
        where: only material matching these conditions (descriptors, wave, source...),
            as in the analyses.

        Returns the engine's :class:`~qualcode.coding.agreement.measure.AgreementResult`; its
        disagreement list also has the ``source`` name.
        """
        chosen = _coder_list(coders)
        if unit not in PROJECT_UNITS:
            raise UsageError(f"unit must be one of {', '.join(PROJECT_UNITS)}, got {unit!r}")
        if min_overlap and unit not in SEGMENT_UNITS:
            raise UsageError(f"min_overlap applies to {', '.join(SEGMENT_UNITS)} units, not {unit}")
        apps = self.applications(where=where)
        if apps.empty:
            raise NotFoundError("the project has no applied codings to compare; code or import some first")
        apps = apps[apps["coder"].isin(chosen)]
        code_list = None
        if codes is not None:
            code_list = expand(code_table(None, self.codes()), codes, descendants)
        source_ids = self._source_ids(sources) if sources is not None else None
        scope: Any = source_ids
        if source_ids is not None:
            compared = source_ids
        else:  # only sources two coders or more worked on can hold a compared unit: cut no others
            who_coded = self._who_coded(apps, chosen)
            per_source = who_coded.groupby("source_id")["coder"].nunique()
            compared = sorted(int(s) for s in per_source.index[per_source >= 2])
            if len(who_coded) > len(apps[["coder", "source_id"]].drop_duplicates()):
                scope = who_coded  # some sources were read and left uncoded: they count for their coders
        kwargs: dict[str, Any] = {"coders": chosen, "codes": code_list, "sources": scope}

        if unit == "excerpt":
            text = self.excerpts(status=None).set_index("excerpt_id")["text"]
            apps = apps.assign(text=apps["excerpt_id"].map(text))
            result = agreement(apps, unit="excerpt", **kwargs)
        elif unit == "char":
            lengths = self.sources().set_index("source_id")["length"]
            with self._db.connect() as conn:
                texts = store_sources.texts(conn, compared)
            result = agreement(apps, unit="char", source_lengths=lengths, source_texts=texts, **kwargs)
        else:
            units = _without_uncoded_interviewer_units(self.agreement_units(unit, compared), apps,
                                                       self.speaker_roles())
            if units.empty and compared:
                raise NotFoundError(
                    f"the compared sources have no {unit} units"
                    + ("; answers exist only in questionnaire responses and email interviews" if unit == "answer" else "")
                    + "; choose another --unit"
                )
            result = agreement(apps, unit="segment", units=units, min_overlap=min_overlap, unit_name=unit, **kwargs)
        names = self.sources().set_index("source_id")["source"]
        disagreements = result.disagreements.copy()
        disagreements.insert(2, "source", disagreements["source_id"].map(names).astype("string"))
        return dataclasses.replace(result, disagreements=disagreements)

    def agreement_units(self, unit: str, source_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """The units of one kind for agreement: ``unit_id, source_id, start, end, speaker, question, text``.

        The one place that decides how sources are cut for agreement: the same cutting as
        autocoding and review (:mod:`qualcode.coding.units`), so "sentence" means one
        thing across the project. ``unit_id`` numbers the units in source order.
        """
        from qualcode.coding.units import cut_units  # spaCy loads only when units are cut

        if unit not in SEGMENT_UNITS:
            raise UsageError(f"units for agreement are one of {', '.join(SEGMENT_UNITS)}, got {unit!r}")
        with self._db.connect() as conn:
            texts = store_sources.texts(conn, None if source_ids is None else [int(s) for s in source_ids])
            segments = frames.segments(conn, None if source_ids is None else [int(s) for s in source_ids])
        units = cut_units(dict(sorted(texts.items())), segments, unit)
        units.insert(0, "unit_id", np.arange(1, len(units) + 1, dtype=np.int64))
        return units

    def _who_coded(self, apps: pd.DataFrame, coders: Sequence[str]) -> pd.DataFrame:
        """(coder, source_id) pairs: sources where a coder applied a code, and those marked
        coded. A mark counts only in a source that one of the compared coders coded in the
        compared material (``apps``, already filtered by ``where``): outside it there is
        nothing to disagree about, and a mark must not pull in material ``where`` left out."""
        with self._db.connect() as conn:
            marked = coverage_store.marks(conn)
        pairs = [apps[["coder", "source_id"]]]
        if not marked.empty:
            keep = marked["coder"].isin(coders) & marked["source_id"].isin(set(apps["source_id"]))
            pairs.append(marked.loc[keep, ["coder", "source_id"]])
        return pd.concat(pairs, ignore_index=True).astype({"coder": str, "source_id": "int64"}).drop_duplicates()

    # ------------------------------------------------------------------ coverage
    def mark_coded(self, sources: str | Iterable[str], coder: str | None = None) -> int:
        """Record that ``coder`` (default: the current coder) has read and coded these
        sources, including any where they found nothing to code.

        Agreement counts a source for a coder when they applied a code in it or it is
        marked: in a marked source that another compared coder coded, every unit without
        their codes is "no code" from them.
        Returns how many marks are new (marking twice changes nothing). One transaction.
        """

        ids = self._source_ids(sources)
        with self._db.begin() as conn:
            return coverage_store.mark(conn, coder or default_coder(), ids, utcnow())

    def unmark_coded(self, sources: str | Iterable[str], coder: str | None = None) -> int:
        """Take back :meth:`mark_coded` marks; returns how many were removed."""

        ids = self._source_ids(sources)
        with self._db.begin() as conn:
            return coverage_store.unmark(conn, coder or default_coder(), ids)

    def coverage(self) -> pd.DataFrame:
        """Who coded which source: ``source, coder, applications`` (their applied codings
        there) and ``marked`` (marked as coded), one row per source and coder with either.
        Agreement counts a source for a coder on either ground."""
        apps = self.applications()
        with self._db.connect() as conn:
            marked = coverage_store.marks(conn)
        keys = ["source_id", "source", "coder"]
        counts = (apps.groupby(keys).size().rename("applications").reset_index() if not apps.empty
                  else pd.DataFrame(columns=keys + ["applications"]))
        table = counts.merge(marked.assign(marked=True)[keys + ["marked"]], on=keys, how="outer")
        table["applications"] = table["applications"].fillna(0).astype("int64")
        table["marked"] = table["marked"].astype("boolean").fillna(False).astype(bool)
        return table.sort_values(["source_id", "coder"]).drop(columns="source_id").reset_index(drop=True)

    def _source_ids(self, sources: str | Iterable[str]) -> list[int]:
        """Ids of sources named by name or original file name (as on the command line)."""
        names = [sources] if isinstance(sources, str) else list(sources)
        if not names:
            raise UsageError("sources=[] selects nothing; pass None to compare every source the coders coded")
        with self._db.connect() as conn:
            return list(dict.fromkeys(store_sources.resolve(conn, str(n)).id for n in names))

    # ------------------------------------------------------------------ consensus
    def set_final(
        self,
        coder: str | None = None,
        application_ids: Iterable[int] | None = None,
        by: str | None = None,
        *,
        replace: bool = True,
    ) -> ConsensusReport:
        """Make one coder's applied applications (or the given ones) the project's final coding.

        Nothing is deleted: the other coders' applications stay, with ``final`` False,
        so agreement can be recomputed and the record kept. With ``replace`` (the
        default) the final coding is exactly this set -- earlier final marks are
        cleared; ``replace=False`` adds to it (e.g. a second coder's work on sources the
        first did not code). ``by`` records who decided (default: the current coder).
        One transaction: on an error nothing changes.
        """
        if (coder is None) == (application_ids is None):
            raise UsageError("give either a coder or application ids to mark as final")

        decided_by = by or default_coder()
        at = utcnow().isoformat(timespec="seconds")
        with self._db.begin() as conn:
            if coder is not None:
                ids = consensus_store.applied_ids_of_coder(conn, coder)
                if ids is None:
                    raise NotFoundError(f"no coder {coder!r} in the project; see the coder column of 'qualcode excerpts'")
                if not ids:
                    raise NotFoundError(f"coder {coder!r} has no applied applications to mark as final")
            else:
                ids = sorted({int(i) for i in application_ids})  # type: ignore[union-attr]
                if not ids:
                    raise UsageError("application_ids is empty: nothing to mark as final")
                _check_applied(consensus_store.statuses(conn, ids), ids)
            before = consensus_store.count_final(conn)
            earlier = [] if replace else list((consensus_store.recorded(conn) or {}).get("from", []))
            if replace:
                consensus_store.clear_final(conn)
            consensus_store.mark_final(conn, ids)
            final = consensus_store.count_final(conn)
            consensus_store.record(conn, {"by": decided_by, "at": at, "final": final,
                                          "from": earlier + [coder if coder is not None else f"{len(ids)} chosen applications"]})
            applied = consensus_store.count_applied(conn)
        return ConsensusReport(final=final, previously_final=before, others=applied - final,
                               coder=coder, by=decided_by, at=at)

    def clear_final(self) -> int:
        """Unmark the whole final coding (applications stay); returns how many were final."""
        with self._db.begin() as conn:
            cleared = consensus_store.clear_final(conn)
            consensus_store.record(conn, None)
        return cleared

    def consensus_info(self) -> dict[str, Any]:
        """The final coding at a glance: ``final`` (applications), ``by_coder`` (coder ->
        final applications), and from the last :meth:`set_final`: ``set_by``, ``set_at``
        and ``made_from`` (the coders, or "N chosen applications", marked since the last
        replacement); None / [] when never set."""
        with self._db.connect() as conn:
            by_coder = consensus_store.final_by_coder(conn)
            note = consensus_store.recorded(conn) or {}
        return {"final": sum(by_coder.values()), "by_coder": by_coder, "set_by": note.get("by"),
                "set_at": note.get("at"), "made_from": list(note.get("from", []))}


def _coder_list(coders: str | Sequence[str]) -> list[str]:
    """``"anna,ben"`` or ``["anna", "ben"]`` -> ``["anna", "ben"]`` (blanks dropped)."""
    items = coders.split(",") if isinstance(coders, str) else [str(c) for c in coders]
    return [c.strip() for c in items if c.strip()]


def _check_applied(statuses: Mapping[int, str], ids: Sequence[int]) -> None:
    """Every id exists and is applied: a suggestion nobody accepted cannot be the consensus."""
    for i in ids:
        if i not in statuses:
            raise NotFoundError(f"no application {i}; see the application_id column of project.applications()")
        if statuses[i] != "applied":
            raise CodingError(f"application {i} is {statuses[i]}, not applied; accept it first ('qualcode review') or leave it out")


def _without_uncoded_interviewer_units(units: pd.DataFrame, apps: pd.DataFrame, roles: Any) -> pd.DataFrame:
    """Interviewer turns are not coded by design: counted as units, every one would add an
    "agreed: no code" and lift the agreement. They are left out -- unless a compared coder
    coded one, which then counts as any unit does."""
    if units.empty:
        return units
    asked = np.asarray(roles.interviewer_mask(units["speaker"]), dtype=bool)
    if not asked.any():
        return units
    coded = np.zeros(len(units), dtype=bool)
    if not apps.empty:
        spans = apps[["source_id", "start", "end"]].drop_duplicates()
        for sid, group in spans.groupby("source_id"):
            in_source = np.flatnonzero(asked & (units["source_id"].to_numpy() == sid))
            for i in in_source:
                a, b = units["start"].iat[i], units["end"].iat[i]
                coded[i] = bool(((group["start"] < b) & (group["end"] > a)).any())
    return units[~asked | coded].reset_index(drop=True)
