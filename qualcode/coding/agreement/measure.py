"""Inter-coder agreement: kappa, pooled kappa, Krippendorff's alpha and a disagreement list.

One call, :func:`agreement`, takes the applications frame (``project.applications()``,
see docs/frames.md) and returns an :class:`AgreementResult` of plain DataFrames. Pure
function: no SQL, no printing; the CLI and reports format the result.

The pipeline, each step in its own module:

1. unitise (:mod:`agreement_units`, :mod:`agreement_chars`): decide the units (excerpts,
   segments or characters), which coders coded each, and which codes each coder
   applied to each unit -- the rules are documented there;
2. compress to counts per (code, coders who coded, coders who applied) and compute the
   statistics (:mod:`agreement_stats`);
3. list the disagreements (:mod:`agreement_disagreements`) and label the coefficients
   with conventional bands (:mod:`agreement_interpret`).

Statistics reported:

* per code and pair of coders: both / only A / only B / neither counts, percent
  agreement, Cohen's kappa, Pearson r of the weights on units both coders weighted;
* per code: Krippendorff's alpha (nominal, any number of coders, missing data allowed),
  percent of units on which all coders agree, and -- because that percentage is mostly
  "neither" when units are many and codes rare -- the percent of units anyone applied
  the code to that every coder applied it to (``percent_all_applied``);
* pooled: kappa pooled over codes (de Vries et al. 2008, as Dedoose reports: observed
  and expected agreement averaged over codes, kappa from the averages) per pair of coders,
  and an overall alpha from the coincidences summed over codes (every unit x code
  decision a binary unit of analysis).

Undefined values are NaN and explained in an ``explanation`` column, never 0 or 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from qualcode.coding.agreement.chars import char_comparison
from qualcode.coding.agreement.disagreements import char_disagreements, unit_disagreements
from qualcode.coding.agreement.interpret import (
    alpha_label, alpha_labels, interpretation_text, kappa_label, kappa_labels, neither_note, unit_note,
)
from qualcode.coding.agreement.stats import (
    NO_WEIGHTS, popcount, Coincidences, StateCounts, alpha_from_coincidences, coincidences, grouped_pearson,
    kappa_from_counts, pair_counts, percent_all_agree, percent_all_applied, pooled_kappa,
)
from qualcode.coding.agreement.units import (
    PresenceTable, SourceScope, excerpt_presence, prepare_applications, segment_presence,
    source_coverage,
)
from qualcode.errors import NotFoundError, UsageError

UNITS = ("excerpt", "segment", "char")

PAIR_COLUMNS = ["n_units", "both", "only_a", "only_b", "neither", "percent_agreement", "po", "pe",
                "kappa", "kappa_label", "weight_r", "n_weighted"]


@dataclass(frozen=True)
class AgreementResult:
    """Everything :func:`agreement` computed, as plain data.

    ``per_code``: one row per code -- ``code, n_units, percent_agreement`` (all coders
    agree, 0-100), ``n_applied`` (units anyone applied the code to),
    ``percent_all_applied`` (of those, % every coder applied it to), ``alpha, alpha_label``; with exactly two coders also ``both, only_a,
    only_b, neither, po, pe, kappa, kappa_label, weight_r, n_weighted``; and
    ``explanation`` (why a value is undefined, "" otherwise). ``n_units`` counts
    characters at character level.
    ``pooled``: ``unit, unit_name, coders, n_units, n_sources, n_codes, percent_agreement,
    percent_all_applied, percent_neither`` (% of unit x code decisions where no coder
    applied the code), ``po, pe, kappa, kappa_label, alpha, alpha_label,
    n_disagreements, n_outside, unit_note`` (what a unit is, in words) and
    ``explanation`` (kappa/po/pe are for two coders; with more see ``pooled_pairwise``).
    ``pairwise``: one row per (coder_a, coder_b, code) with the pair columns above.
    ``pooled_pairwise``: one row per pair -- ``coder_a, coder_b, po, pe, kappa,
    kappa_label, explanation``.
    ``disagreements``: see :mod:`qualcode.coding.agreement.disagreements`.
    """

    unit: str
    coders: tuple[str, ...]
    per_code: pd.DataFrame
    pooled: dict[str, Any]
    pairwise: pd.DataFrame
    pooled_pairwise: pd.DataFrame
    disagreements: pd.DataFrame
    interpretation: str = field(default="")
    unit_name: str = field(default="")

    def kappa_matrix(self) -> pd.DataFrame:
        """Pooled kappa for every pair of coders as a symmetric coders x coders table (NaN diagonal)."""
        mat = pd.DataFrame(np.nan, index=list(self.coders), columns=list(self.coders))
        for row in self.pooled_pairwise.itertuples(index=False):
            mat.loc[row.coder_a, row.coder_b] = row.kappa
            mat.loc[row.coder_b, row.coder_a] = row.kappa
        return mat

    def summary(self) -> str:
        """A few sentences for a report or a notebook: what was compared and the headline numbers."""
        p = self.pooled
        unit_word = self.unit_name or {"excerpt": "excerpt", "segment": "segment", "char": "character"}[self.unit]
        pct = p["percent_agreement"]
        lines = [
            f"Agreement between {', '.join(self.coders)} on {_count(p['n_codes'], 'code')} over "
            f"{_count(p['n_units'], unit_word)} in {_count(p['n_sources'], 'source')}.",
            "Percent agreement undefined." if pd.isna(pct) else f"Percent agreement {pct:.1f}%.",
        ]
        lines += [x for x in (p["unit_note"], neither_note(p["percent_neither"], p["percent_all_applied"], unit_word)) if x]
        if len(self.coders) == 2:
            lines.append(f"Pooled kappa {_fmt(p['kappa'], '.2f')} ({p['kappa_label']}).")
        else:
            k = self.pooled_pairwise["kappa"]
            lines.append(f"Pooled kappa per pair of coders from {_fmt(k.min(), '.2f')} to {_fmt(k.max(), '.2f')} (see pooled_pairwise).")
        lines.append(f"Overall Krippendorff's alpha {_fmt(p['alpha'], '.3f')} ({p['alpha_label']}).")
        undefined = int(self.per_code["alpha"].isna().sum())
        if undefined:
            lines.append(f"{undefined} code(s) have undefined coefficients (see the explanation column).")
        lines.append(f"{p['n_disagreements']:,} disagreement rows to discuss.")
        if p.get("n_outside"):
            lines.append(f"{p['n_outside']:,} applications in compared sources fell outside every unit and were not compared.")
        lines.append(interpretation_text())  # the conventions, without repeating the values
        return "\n".join(lines)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _fmt(value: float, spec: str) -> str:
    return "undefined" if pd.isna(value) else format(value, spec)


def _explain(named_notes: Sequence[tuple[str, str]]) -> str:
    """Merge notes like [("kappa", "undefined: x"), ("alpha", "undefined: x")] into "kappa and alpha undefined: x"."""
    by_note: dict[str, list[str]] = {}
    for name, note in named_notes:
        if note:
            by_note.setdefault(note, []).append(name)
    parts = []
    for note, names in by_note.items():
        if note.startswith("undefined"):
            parts.append(f"{' and '.join(names)} {note}")
        else:
            parts.append(note)
    return "; ".join(parts)


def _weight_pairs(table: PresenceTable | None, a: int, b: int, n_codes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson r of two coders' weights per code, over units both weighted."""
    if table is None:  # character level: said once in the pooled explanation
        nan = np.full(n_codes, np.nan)
        return nan, np.zeros(n_codes), np.full(n_codes, "", dtype=object)
    marks = table.marks[~np.isnan(table.marks["weight"].to_numpy())]
    key = marks["unit_pos"].to_numpy(np.int64) * n_codes + marks["code_pos"].to_numpy(np.int64)
    coder = marks["coder_pos"].to_numpy()
    wa = pd.Series(marks["weight"].to_numpy()[coder == a], index=key[coder == a])
    wb = pd.Series(marks["weight"].to_numpy()[coder == b], index=key[coder == b])
    joint = pd.concat([wa.rename("a"), wb.rename("b")], axis=1, join="inner")
    groups = (joint.index.to_numpy(np.int64) % n_codes) if n_codes else np.zeros(0, dtype=np.int64)
    r, n, note = grouped_pearson(groups, joint["a"].to_numpy(float), joint["b"].to_numpy(float), n_codes)
    # a code neither coder ever weighted: r is simply not applicable, no note on every row
    weighted = np.zeros(n_codes, dtype=bool)
    weighted[marks["code_pos"].to_numpy(np.int64)[(coder == a) | (coder == b)]] = True
    note[~weighted] = ""
    return r, n, note


def _pairwise(sc: StateCounts, table: PresenceTable | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (pair, code) table and pooled kappa per pair."""
    rows, pooled_rows = [], []
    for a, b in combinations(range(len(sc.coders)), 2):
        stats = kappa_from_counts(pair_counts(sc, a, b))
        counts = ["n_units", "both", "only_a", "only_b", "neither"]
        stats[counts] = stats[counts].round().astype(np.int64)  # units or characters: whole numbers
        r, n_w, w_note = _weight_pairs(table, a, b, sc.n_codes)
        stats["weight_r"], stats["n_weighted"] = r, n_w.astype(np.int64)
        stats["kappa_label"] = kappa_labels(stats["kappa"])
        stats["explanation"] = [_explain([("kappa", kn), ("weight", wn)]) for kn, wn in zip(stats["kappa_note"], w_note)]
        stats.insert(0, "code", list(sc.codes))
        stats.insert(0, "coder_b", sc.coders[b])
        stats.insert(0, "coder_a", sc.coders[a])
        rows.append(stats.drop(columns="kappa_note"))
        po, pe, kappa, note = pooled_kappa(stats["po"].to_numpy(), stats["pe"].to_numpy())
        pooled_rows.append({"coder_a": sc.coders[a], "coder_b": sc.coders[b], "n_codes": sc.n_codes,
                            "po": po, "pe": pe, "kappa": kappa, "kappa_label": kappa_label(kappa),
                            "explanation": f"pooled kappa {note}" if note else ""})
    pairwise = pd.concat(rows, ignore_index=True)[["coder_a", "coder_b", "code"] + PAIR_COLUMNS + ["explanation"]]
    return pairwise, pd.DataFrame(pooled_rows)


def presence(
    applications: pd.DataFrame,
    *,
    coders: Sequence[str] | None = None,
    unit: str = "excerpt",
    units: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
    sources: SourceScope = None,
    require_all: bool = True,
    min_overlap: float = 0.0,
) -> PresenceTable:
    """The unitised presence table behind :func:`agreement` (excerpt or segment level).

    Same arguments as :func:`agreement`. Use ``.to_frame()`` for the full unit x code x
    coder 0/1 table or ``.reliability_data(code)`` for one code's coders x units matrix.
    Character level is not tabulated (one row per character would be enormous).
    """
    if unit not in ("excerpt", "segment"):
        raise UsageError(f"presence tables exist for unit='excerpt' or 'segment', got {unit!r}; use agreement(unit='char') for characters")
    if unit == "segment" and units is None:
        raise UsageError("unit='segment' needs a units frame (unit_id, source_id, start, end), e.g. from project.segments()")
    apps, chosen = prepare_applications(applications, coders)
    coverage = source_coverage(apps, chosen, sources if sources is None or isinstance(sources, pd.DataFrame) else list(sources))
    if unit == "excerpt":
        return excerpt_presence(apps, chosen, coverage, units=units, codes=codes, require_all=require_all)
    return segment_presence(apps, chosen, coverage, units, codes=codes, min_overlap=min_overlap, require_all=require_all)


def agreement(
    applications: pd.DataFrame,
    *,
    coders: Sequence[str] | None = None,
    unit: str = "excerpt",
    units: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
    sources: SourceScope = None,
    require_all: bool = True,
    min_overlap: float = 0.0,
    source_lengths: Mapping[int, int] | pd.Series | None = None,
    source_texts: Mapping[int, str] | pd.Series | None = None,
    unit_name: str | None = None,
) -> AgreementResult:
    """Compare coders' applications and return agreement statistics.

    applications: the applications frame (``excerpt_id, source_id, start, end, code,
        coder`` and optionally ``weight``, ``status``, ``text``); rows whose ``status``
        is not ``applied`` are ignored.
    coders: the coders to compare (default: every coder in the frame, sorted).
    unit: ``"excerpt"`` (units are excerpts), ``"segment"`` (units from ``units``:
        sentences, turns, answers) or ``"char"`` (every character).
    units: for ``segment``, the units frame (``unit_id`` or ``segment_id``, ``source_id,
        start, end``, optional ``text``); for ``excerpt``, optionally the excerpts to
        compare (``unit_id`` or ``excerpt_id``), e.g. a training set.
    codes: the codes (paths) to compare, in order; default every code the compared
        coders applied in the compared units, sorted. Listed codes nobody used get
        undefined coefficients.
    sources: which sources each coder coded -- a list of source ids (all coders coded
        them) or a frame ``coder, source_id``; default: a coder coded a source if they
        applied any code in it.
    require_all: compare only units whose source every coder coded (default); if False,
        units coded by at least two coders, the rest counting as missing data.
    min_overlap: segment level only -- fraction of a unit a coder's spans of a code must
        cover for the unit to count as marked (0 = any overlap).
    source_lengths, source_texts: character level -- text lengths (or texts) per source
        id; texts also fill the ``text`` of character-level disagreements.
    unit_name: what a unit is called in the summary and ``pooled["unit_name"]``
        ("sentence", "turn"...; default from ``unit``).
    """
    if unit not in UNITS:
        raise UsageError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}; sentences, turns and answers are 'segment' units")
    if unit == "segment" and units is None:
        raise UsageError("unit='segment' needs a units frame (unit_id, source_id, start, end), e.g. from project.segments()")
    if unit != "segment" and min_overlap:
        raise UsageError("min_overlap applies to unit='segment' only")
    apps, chosen = prepare_applications(applications, coders)
    if sources is not None and not isinstance(sources, pd.DataFrame):
        sources = list(sources)
    coverage = source_coverage(apps, chosen, sources)

    table: PresenceTable | None = None
    if unit == "char":
        comparison = char_comparison(apps, chosen, coverage, codes=codes, require_all=require_all,
                                     source_lengths=source_lengths, source_texts=source_texts)
        sc, n_outside = comparison.counts, 0
        n_sources = len(comparison.sources)
        n_compared = int(comparison.sources["length"].sum())
        disagreements = char_disagreements(comparison, source_texts)
    else:
        if unit == "excerpt":
            table = excerpt_presence(apps, chosen, coverage, units=units, codes=codes, require_all=require_all)
        else:
            table = segment_presence(apps, chosen, coverage, units, codes=codes, min_overlap=min_overlap,
                                     require_all=require_all)
        sc, n_outside = table.state_counts(), table.n_outside
        n_sources = int(table.units["source_id"].nunique())
        n_compared = len(table.units)
        disagreements = unit_disagreements(table)

    if n_sources == 0:
        raise NotFoundError(
            f"nothing to compare: no source was coded by {'every one' if require_all else 'two or more'} of "
            f"{', '.join(chosen)} (a coder coded a source when they applied any code in it or marked it done); "
            "name the sources they all coded (--source, sources=[...]) or mark them (qualcode done SOURCE --coder NAME)"
        )
    pairwise, pooled_pairwise = _pairwise(sc, table)
    co = coincidences(sc)
    per_code = _per_code(sc, co, pairwise)
    pooled = _pooled(unit, chosen, co, per_code, pooled_pairwise, n_sources, n_compared)
    name = unit_name or {"excerpt": "excerpt", "segment": "segment", "char": "character"}[unit]
    pooled.update(unit_name=name, n_disagreements=len(disagreements), n_outside=n_outside,
                  percent_neither=_percent_neither(sc), unit_note=unit_note(unit, name, min_overlap))
    if table is None:
        pooled["explanation"] = "; ".join(x for x in (pooled["explanation"], NO_WEIGHTS) if x)
    interpretation = interpretation_text(pooled["kappa"] if len(chosen) == 2 else None, pooled["alpha"])
    return AgreementResult(unit=unit, coders=chosen, per_code=per_code, pooled=pooled, pairwise=pairwise,
                           pooled_pairwise=pooled_pairwise, disagreements=disagreements,
                           interpretation=interpretation, unit_name=name)


def _per_code(sc: StateCounts, co: Coincidences, pairwise: pd.DataFrame) -> pd.DataFrame:
    """One row per code: all-coder statistics, plus the pair columns when there are two coders."""
    alpha, alpha_note = alpha_from_coincidences(co.o01, co.n0, co.n1)
    pct, n_units = percent_all_agree(sc)
    pct_applied, n_applied = percent_all_applied(sc)
    per_code = pd.DataFrame({"code": list(sc.codes), "n_units": n_units.astype(np.int64), "percent_agreement": pct,
                             "n_applied": np.round(n_applied).astype(np.int64), "percent_all_applied": pct_applied,
                             "alpha": alpha, "alpha_label": alpha_labels(alpha)})
    if len(sc.coders) == 2:
        pair = pairwise.drop(columns=["coder_a", "coder_b", "code", "n_units", "percent_agreement"])
        pair_notes = pair.pop("explanation")
        per_code = pd.concat([per_code, pair.reset_index(drop=True)], axis=1)
        per_code["explanation"] = [_merge_notes(pn, an) for pn, an in zip(pair_notes, alpha_note)]
    else:
        per_code["explanation"] = [_explain([("alpha", an)]) for an in alpha_note]
    return per_code


def _pooled(unit: str, coders: tuple[str, ...], co: Coincidences, per_code: pd.DataFrame,
            pooled_pairwise: pd.DataFrame, n_sources: int, n_compared: int) -> dict[str, Any]:
    """Headline numbers over all codes: pooled kappa (two coders), overall alpha, percent agreement."""
    alpha, alpha_note = alpha_from_coincidences(co.o01.sum(), co.n0.sum(), co.n1.sum())
    n_units = per_code["n_units"].to_numpy(float)
    agreed = np.nansum(per_code["percent_agreement"].to_numpy(float) / 100 * n_units)
    pooled: dict[str, Any] = {
        "unit": unit, "coders": coders, "n_units": n_compared,
        "n_sources": n_sources, "n_codes": len(per_code),
        "percent_agreement": float(100 * agreed / n_units.sum()) if n_units.sum() > 0 else float("nan"),
    }
    n_applied = per_code["n_applied"].to_numpy(float)
    by_all = np.nansum(per_code["percent_all_applied"].to_numpy(float) / 100 * n_applied)
    pooled["percent_all_applied"] = float(100 * by_all / n_applied.sum()) if n_applied.sum() > 0 else float("nan")
    notes = [("overall alpha", alpha_note[0])]
    if len(coders) == 2 and len(pooled_pairwise):
        two = pooled_pairwise.iloc[0]
        pooled.update(po=float(two["po"]), pe=float(two["pe"]), kappa=float(two["kappa"]),
                      kappa_label=two["kappa_label"])
        notes.append(("", two["explanation"]))
    else:
        pooled.update(po=float("nan"), pe=float("nan"), kappa=float("nan"), kappa_label="undefined")
        notes.append(("", "pooled kappa compares two coders: see pooled_pairwise for every pair"))
    pooled.update(alpha=float(alpha[0]), alpha_label=alpha_label(alpha[0]), explanation=_explain(notes))
    return pooled


def _percent_neither(sc: StateCounts) -> float:
    """Share (0-100) of pairable unit x code decisions on which no coder applied the code."""
    m = popcount(sc.avail)
    pairable = m >= 2
    total = sc.n[pairable].sum()
    if total <= 0:
        return float("nan")
    return float(100 * sc.n[pairable & (popcount(sc.present & sc.avail) == 0)].sum() / total)


def _merge_notes(pair_note: str, alpha_note: str) -> str:
    """Explanation of a two-coder per-code row: kappa/weight notes plus alpha's, merged when the reasons match."""
    if alpha_note and f"kappa {alpha_note}" in pair_note:
        return pair_note.replace(f"kappa {alpha_note}", f"kappa and alpha {alpha_note}")
    return "; ".join(x for x in (pair_note, _explain([("alpha", alpha_note)])) if x)
