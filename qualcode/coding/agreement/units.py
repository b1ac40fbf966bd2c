"""Unitisation: turning coders' applications into present/absent marks per unit and code.

Agreement statistics compare *decisions on the same units*. Coders' applications are
spans, so before anything can be compared we must say what the units are and when a
coder counts as having marked one:

* **excerpt level** -- units are excerpts, identified by ``(source_id, start, end)``
  (Dedoose's training-set style: every coder codes the same excerpts). Two excerpt rows
  with the same span are one unit even under different ids, e.g. after merging coders'
  projects. A coder marks the unit with a code if they applied the code to that span.
* **segment level** -- units come from a segmentation (sentences, speaker turns,
  answers). A coder marks a unit with a code when their applications of that code cover
  at least ``min_overlap`` of the unit's characters (the union of their spans, so two
  half-sentence spans add up) -- and always at least one character. With the default
  ``min_overlap=0`` any overlap of one character or more counts.
* **character level** lives in :mod:`qualcode.coding.agreement.chars`.

Who "coded" what decides whether an absent mark is a real *no* or missing data. By
default a coder coded a source when the applications frame has at least one of their
applications in it (any code, before the ``codes`` filter). Because a coder who read a
source and found nothing to code leaves no trace, callers can pass the list themselves:
a sequence of source ids (every compared coder coded all of them) or a frame with
columns ``coder, source_id``. A unit is then compared when every compared coder coded
its source (``require_all=True``, the default) or at least two did (``require_all=False``;
the others count as missing data, which Krippendorff's alpha allows and pairwise kappa
skips).

The result, :class:`PresenceTable`, is sparse: a table of units with a bit mask of the
coders who coded each, plus one row per *present* mark. Everything not listed is 0 for
coders who coded the unit and missing for the others. :meth:`PresenceTable.to_frame`
expands it to the full unit x code x coder table for inspection.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from qualcode.coding.agreement.intervals import overlap_pairs, union_length
from qualcode.coding.agreement.stats import StateCounts, popcount
from qualcode.errors import CodingError, NotFoundError, UsageError

APPLICATION_COLUMNS = ("excerpt_id", "source_id", "start", "end", "code", "coder")
UNIT_COLUMNS = ("source_id", "start", "end")
MAX_CODERS = 20

SourceScope = Sequence[int] | pd.DataFrame | None


# --------------------------------------------------------------------------- inputs
def prepare_applications(applications: pd.DataFrame, coders: Sequence[str] | None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Check the applications frame and keep the compared coders' applied rows.

    Adds ``coder_pos`` (index into the returned coders) and a float ``weight`` column.
    Rows with a ``status`` other than ``applied`` are dropped: suggestions nobody
    accepted are not a coder's decision.
    """
    missing = [c for c in APPLICATION_COLUMNS if c not in applications.columns]
    if missing:
        raise UsageError(
            f"applications frame lacks column(s) {', '.join(missing)}; pass project.applications() "
            f"or a frame with {', '.join(APPLICATION_COLUMNS)}"
        )
    df = applications
    if "status" in df.columns:
        df = df[df["status"] == "applied"]
    coder_idx, coder_names = pd.factorize(df["coder"])
    names = [str(x) for x in coder_names]
    known = sorted(set(names))
    if coders is None:
        chosen = tuple(known)
        if len(chosen) < 2:
            raise UsageError(f"agreement needs at least two coders; the applications name {len(chosen)}: {', '.join(chosen) or 'none'}")
    else:
        chosen = tuple(str(c) for c in coders)
        if len(set(chosen)) != len(chosen) or len(chosen) < 2:
            raise UsageError(f"agreement needs at least two different coders, got {', '.join(chosen) or 'none'}")
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise NotFoundError(f"coder {unknown[0]!r} has no applied codings; known coders: {', '.join(known) or 'none'}")
    if len(chosen) > MAX_CODERS:
        raise UsageError(f"agreement compares at most {MAX_CODERS} coders at once, got {len(chosen)}; pass coders=[...]")
    # factorised once: filtering and positions are integer work even at 10^6 rows
    position = {name: i for i, name in enumerate(chosen)}
    lookup = np.array([position.get(name, -1) for name in names] + [-1], dtype=np.int64)  # last: missing coder
    coder_pos = lookup[coder_idx]
    keep = coder_pos >= 0
    cols = list(APPLICATION_COLUMNS) + [c for c in ("weight", "text", "application_id") if c in df.columns]
    df = df.loc[keep, cols].copy()
    df["coder_pos"] = coder_pos[keep]
    df["coder"] = pd.Categorical.from_codes(coder_pos[keep], categories=list(chosen))
    # categorical codes: unique/recoding on 10^6 rows then costs integer work, not string hashing
    df["code"] = df["code"].astype("category")
    if not all(isinstance(c, str) for c in df["code"].cat.categories):
        df["code"] = df["code"].cat.rename_categories([str(c) for c in df["code"].cat.categories])
    for col in ("source_id", "start", "end"):
        df[col] = df[col].astype(np.int64)
    df["weight"] = pd.to_numeric(df["weight"], errors="coerce").astype(float) if "weight" in df.columns else np.nan
    bad = df[(df["start"] < 0) | (df["end"] <= df["start"])]
    if len(bad):
        row = bad.iloc[0]
        ident = f"application {row['application_id']}" if "application_id" in bad.columns else f"excerpt {row['excerpt_id']}"
        raise CodingError(
            f"{ident} in source {row['source_id']} has start {row['start']} and end {row['end']}; "
            "spans need 0 <= start < end, fix or drop it"
        )
    return df, chosen


def source_coverage(apps: pd.DataFrame, coders: Sequence[str], sources: SourceScope = None) -> pd.Series:
    """Bit mask per source id of the coders who coded it (see the module docstring)."""
    full = (1 << len(coders)) - 1
    if sources is None:
        pairs = apps[["source_id", "coder_pos"]].drop_duplicates()
    elif isinstance(sources, pd.DataFrame):
        if not {"coder", "source_id"} <= set(sources.columns):
            raise UsageError("a sources frame needs columns coder and source_id (who coded which source)")
        known = sources[sources["coder"].astype(str).isin(coders)]
        pairs = pd.DataFrame({
            "source_id": known["source_id"].astype(np.int64).to_numpy(),
            "coder_pos": pd.Categorical(known["coder"].astype(str), categories=list(coders)).codes.astype(np.int64),
        }).drop_duplicates()
    else:
        ids = pd.unique(np.asarray(list(sources), dtype=np.int64))
        return pd.Series(full, index=pd.Index(ids, name="source_id"), dtype=np.int64)
    mask = (np.int64(1) << pairs["coder_pos"].to_numpy(dtype=np.int64))
    return pd.Series(mask, index=pairs["source_id"].to_numpy()).groupby(level=0).sum().astype(np.int64).rename_axis("source_id")


def comparable(mask: np.ndarray, n_coders: int, require_all: bool) -> np.ndarray:
    """Which avail masks make a unit comparable: all coders, or at least two."""
    count = popcount(mask)
    return count == n_coders if require_all else count >= 2


def code_positions(code: pd.Series, chosen: Sequence[str]) -> np.ndarray:
    """Index of each row's code in ``chosen``, -1 for codes not compared (``code`` is categorical)."""
    position = {name: i for i, name in enumerate(chosen)}
    lookup = np.array([position.get(c, -1) for c in code.cat.categories] + [-1], dtype=np.int64)
    return lookup[code.cat.codes.to_numpy()]


def resolve_codes(present_codes: Iterable[str], codes: Sequence[str] | None) -> tuple[str, ...]:
    """The compared codes: the caller's list in its order, else every code used, sorted."""
    if codes is None:
        return tuple(sorted(set(present_codes)))
    chosen = tuple(dict.fromkeys(str(c) for c in codes))
    if not chosen:
        raise UsageError("codes=[] selects nothing; pass None to compare every code used")
    return chosen


# --------------------------------------------------------------------------- presence
@dataclass(frozen=True)
class PresenceTable:
    """Sparse unit x code x coder presence.

    ``units``: one row per compared unit -- ``unit_id, source_id, start, end, avail``
    (bit mask of coders who coded it) and ``text`` when known.
    ``marks``: one row per present mark -- ``unit_pos`` (row of ``units``),
    ``code_pos`` (index into ``codes``), ``coder_pos`` (index into ``coders``) and
    ``weight`` (mean of the weights of the applications behind the mark, NaN if none).
    ``n_outside``: applications in compared sources that matched no unit.
    """

    unit: str
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    units: pd.DataFrame
    marks: pd.DataFrame
    n_outside: int = 0

    @cached_property
    def unit_code_masks(self) -> pd.DataFrame:
        """One row per (unit, code) with at least one mark: unit_pos, code_pos, present (bit mask)."""
        k = len(self.codes)
        key = self.marks["unit_pos"].to_numpy(np.int64) * k + self.marks["code_pos"].to_numpy(np.int64)
        uniq, inverse = np.unique(key, return_inverse=True)
        bits = np.int64(1) << self.marks["coder_pos"].to_numpy(np.int64)
        present = np.bincount(inverse, weights=bits.astype(float), minlength=len(uniq)).astype(np.int64)
        return pd.DataFrame({"unit_pos": uniq // max(k, 1), "code_pos": uniq % max(k, 1), "present": present})

    def state_counts(self) -> StateCounts:
        """Compress to (code, avail, present) counts, adding the all-absent rows."""
        k, m = len(self.codes), len(self.coders)
        states = 1 << m
        avail_units = self.units["avail"].to_numpy(np.int64)
        ucm = self.unit_code_masks
        code = ucm["code_pos"].to_numpy(np.int64)
        avail = avail_units[ucm["unit_pos"].to_numpy(np.int64)]
        present = ucm["present"].to_numpy(np.int64)
        key = (code * states + avail) * states + present
        uniq, counts = np.unique(key, return_counts=True)
        marked_code, marked_avail, marked_present = uniq // (states * states), (uniq // states) % states, uniq % states
        # all-absent units: units of each avail pattern minus those with a mark for the code
        patterns, per_pattern = np.unique(avail_units, return_counts=True)
        pattern_idx = np.searchsorted(patterns, marked_avail)
        marked_per = np.bincount(marked_code * len(patterns) + pattern_idx, weights=counts,
                                 minlength=k * len(patterns)).reshape(k, len(patterns))
        zero_n = per_pattern[None, :] - marked_per
        zc, zp = np.nonzero(zero_n > 0)
        return StateCounts(
            codes=self.codes, coders=self.coders,
            code=np.concatenate((marked_code, zc)).astype(np.int64),
            avail=np.concatenate((marked_avail, patterns[zp])).astype(np.int64),
            present=np.concatenate((marked_present, np.zeros(len(zc), dtype=np.int64))),
            n=np.concatenate((counts.astype(float), zero_n[zc, zp].astype(float))),
        )

    def reliability_data(self, code: str) -> np.ndarray:
        """Coders x units array for one code: 1 applied, 0 not applied, NaN not coded."""
        k = self.codes.index(code)
        avail = self.units["avail"].to_numpy(np.int64)
        data = np.where(((avail[None, :] >> np.arange(len(self.coders))[:, None]) & 1) == 1, 0.0, np.nan)
        marks = self.marks[self.marks["code_pos"] == k]
        data[marks["coder_pos"].to_numpy(), marks["unit_pos"].to_numpy()] = 1.0
        return data

    def to_frame(self) -> pd.DataFrame:
        """The full unit x code x coder table: unit_id, code, coder, present (Int8, <NA> = not coded), weight.

        Size is units x codes x coders rows: meant for inspection of small comparisons.
        """
        n_units, k, m = len(self.units), len(self.codes), len(self.coders)
        unit_pos = np.repeat(np.arange(n_units), k * m)
        code_pos = np.tile(np.repeat(np.arange(k), m), n_units)
        coder_pos = np.tile(np.arange(m), n_units * k)
        avail = self.units["avail"].to_numpy(np.int64)[unit_pos]
        coded = ((avail >> coder_pos) & 1) == 1
        flat = (unit_pos * k + code_pos) * m + coder_pos
        mark_flat = (self.marks["unit_pos"].to_numpy() * k + self.marks["code_pos"].to_numpy()) * m + self.marks["coder_pos"].to_numpy()
        present = np.zeros(len(flat), dtype=np.int8)
        present[mark_flat] = 1
        weight = np.full(len(flat), np.nan)
        weight[mark_flat] = self.marks["weight"].to_numpy()
        present_col = pd.array(present, dtype="Int8")
        present_col[~coded] = pd.NA
        return pd.DataFrame({
            "unit_id": self.units["unit_id"].to_numpy()[unit_pos],
            "code": np.asarray(self.codes, dtype=object)[code_pos],
            "coder": np.asarray(self.coders, dtype=object)[coder_pos],
            "present": present_col,
            "weight": weight,
        })


def _marks_from_pairs(unit_pos: np.ndarray, code_pos: np.ndarray, coder_pos: np.ndarray,
                      weight: np.ndarray, n_codes: int, n_coders: int) -> pd.DataFrame:
    """Deduplicate (unit, code, coder) triples; weight = mean of the non-missing weights."""
    key = (unit_pos * n_codes + code_pos) * n_coders + coder_pos
    uniq, inverse = np.unique(key, return_inverse=True)
    has_w = ~np.isnan(weight)
    wsum = np.bincount(inverse, weights=np.where(has_w, weight, 0.0), minlength=len(uniq))
    wcount = np.bincount(inverse, weights=has_w.astype(float), minlength=len(uniq))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_w = np.where(wcount > 0, wsum / np.where(wcount > 0, wcount, 1), np.nan)
    return pd.DataFrame({
        "unit_pos": uniq // (n_codes * n_coders),
        "code_pos": (uniq // n_coders) % n_codes,
        "coder_pos": uniq % n_coders,
        "weight": mean_w,
    })


def _read_units(units: pd.DataFrame, id_columns: Sequence[str]) -> pd.DataFrame:
    """Normalise a caller's units frame to unit_id, source_id, start, end[, text]."""
    id_col = next((c for c in id_columns if c in units.columns), None)
    missing = [c for c in UNIT_COLUMNS if c not in units.columns]
    if id_col is None or missing:
        need = " or ".join(id_columns)
        raise UsageError(f"units frame needs columns {need}, source_id, start, end (optional text); missing {', '.join(missing) or need}")
    out = pd.DataFrame({
        "unit_id": units[id_col].to_numpy(),
        "source_id": units["source_id"].astype(np.int64).to_numpy(),
        "start": units["start"].astype(np.int64).to_numpy(),
        "end": units["end"].astype(np.int64).to_numpy(),
    })
    if "text" in units.columns:
        out["text"] = units["text"].to_numpy()
    bad = out[(out["start"] < 0) | (out["end"] <= out["start"])]
    if len(bad):
        row = bad.iloc[0]
        raise UsageError(f"unit {row['unit_id']} in source {row['source_id']} has start {row['start']} and end {row['end']}; units need 0 <= start < end")
    return out


def excerpt_presence(
    apps: pd.DataFrame,
    coders: tuple[str, ...],
    coverage: pd.Series,
    *,
    units: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
    require_all: bool = True,
) -> PresenceTable:
    """Presence per excerpt (units = excerpts; see the module docstring).

    ``units`` (optional; columns ``unit_id`` or ``excerpt_id``, ``source_id, start,
    end``, optional ``text``) lists the excerpts to compare, including any nobody coded;
    without it the units are the distinct spans the compared coders applied codes to.
    """
    m = len(coders)
    if units is None:
        spans = apps.groupby(["source_id", "start", "end"], sort=True)
        table = spans["excerpt_id"].min().rename("unit_id").reset_index()
        if "text" in apps.columns:
            table["text"] = spans["text"].first().to_numpy()
        table = table[["unit_id", "source_id", "start", "end"] + (["text"] if "text" in table else [])]
    else:
        table = _read_units(units, ("unit_id", "excerpt_id"))
        table = table.sort_values(["source_id", "start", "end"], kind="stable").drop_duplicates(["source_id", "start", "end"])
    table = table.reset_index(drop=True)
    table["avail"] = table["source_id"].map(coverage).fillna(0).astype(np.int64)
    table = table[comparable(table["avail"].to_numpy(), m, require_all)].reset_index(drop=True)

    in_scope = apps[apps["source_id"].isin(table["source_id"].unique())]
    span_index = pd.MultiIndex.from_frame(table[["source_id", "start", "end"]])
    unit_pos = span_index.get_indexer(pd.MultiIndex.from_frame(in_scope[["source_id", "start", "end"]]))
    matched = unit_pos >= 0
    n_outside = int((~matched).sum())
    hit = in_scope[matched]
    unit_pos = unit_pos[matched].astype(np.int64)
    coder_pos = hit["coder_pos"].to_numpy(np.int64)
    coded = ((table["avail"].to_numpy(np.int64)[unit_pos] >> coder_pos) & 1) == 1
    hit, unit_pos, coder_pos = hit[coded], unit_pos[coded], coder_pos[coded]

    chosen = resolve_codes(pd.unique(hit["code"]), codes)
    code_pos = code_positions(hit["code"], chosen)
    keep = code_pos >= 0
    marks = _marks_from_pairs(unit_pos[keep], code_pos[keep], coder_pos[keep],
                              hit["weight"].to_numpy(float)[keep], len(chosen), m)
    return PresenceTable("excerpt", coders, chosen, table, marks, n_outside)


def segment_presence(
    apps: pd.DataFrame,
    coders: tuple[str, ...],
    coverage: pd.Series,
    units: pd.DataFrame,
    *,
    codes: Sequence[str] | None = None,
    min_overlap: float = 0.0,
    require_all: bool = True,
) -> PresenceTable:
    """Presence per segment: a coder marks a unit when their spans of the code cover
    at least ``min_overlap`` of it (and at least one character)."""
    if not 0.0 <= min_overlap <= 1.0:
        raise UsageError(f"min_overlap must be a fraction between 0 and 1, got {min_overlap}")
    m = len(coders)
    table = _read_units(units, ("unit_id", "segment_id"))
    table = table.sort_values(["source_id", "start", "end"], kind="stable").reset_index(drop=True)
    table["avail"] = table["source_id"].map(coverage).fillna(0).astype(np.int64)
    table = table[comparable(table["avail"].to_numpy(), m, require_all)].reset_index(drop=True)

    in_scope = apps[apps["source_id"].isin(table["source_id"].unique())]
    chosen = resolve_codes(pd.unique(in_scope["code"]), codes) if codes is not None else None

    # place every source on one line so a single sorted join serves them all
    src_ids = table["source_id"].to_numpy(np.int64)
    max_end = pd.concat([table[["source_id", "end"]], in_scope[["source_id", "end"]]]).groupby("source_id")["end"].max()
    offset = (max_end + 1).cumsum() - (max_end + 1)
    u_off = offset.reindex(src_ids).to_numpy(np.int64)
    a_off = offset.reindex(in_scope["source_id"].to_numpy()).to_numpy(np.int64)
    span_idx, unit_pos, shared = overlap_pairs(
        in_scope["start"].to_numpy(np.int64) + a_off, in_scope["end"].to_numpy(np.int64) + a_off,
        table["start"].to_numpy(np.int64) + u_off, table["end"].to_numpy(np.int64) + u_off,
    )
    n_outside = int((np.bincount(span_idx, minlength=len(in_scope)) == 0).sum())
    hit = in_scope.iloc[span_idx]
    coder_pos = hit["coder_pos"].to_numpy(np.int64)
    coded = ((table["avail"].to_numpy(np.int64)[unit_pos] >> coder_pos) & 1) == 1
    hit, unit_pos, coder_pos, span_idx = hit[coded], unit_pos[coded], coder_pos[coded], span_idx[coded]

    if chosen is None:
        chosen = resolve_codes(pd.unique(hit["code"]), None)
    code_pos = code_positions(hit["code"], chosen)
    keep = code_pos >= 0
    hit, unit_pos, coder_pos, code_pos = hit[keep], unit_pos[keep], coder_pos[keep], code_pos[keep]
    marks = _marks_from_pairs(unit_pos, code_pos, coder_pos, hit["weight"].to_numpy(float), len(chosen), m)

    if min_overlap > 0 and len(marks):
        # union of each coder's clipped spans inside the unit, in unit-local coordinates
        us = table["start"].to_numpy(np.int64)[unit_pos]
        ue = table["end"].to_numpy(np.int64)[unit_pos]
        cs = np.maximum(hit["start"].to_numpy(np.int64), us) - us
        ce = np.minimum(hit["end"].to_numpy(np.int64), ue) - us
        key = (unit_pos * len(chosen) + code_pos) * m + coder_pos
        mark_key = (marks["unit_pos"].to_numpy() * len(chosen) + marks["code_pos"].to_numpy()) * m + marks["coder_pos"].to_numpy()
        group = np.searchsorted(mark_key, key)
        covered = union_length(group, cs, ce, len(marks))
        unit_len = (table["end"] - table["start"]).to_numpy(np.int64)[marks["unit_pos"].to_numpy()]
        marks = marks[covered >= min_overlap * unit_len].reset_index(drop=True)
    return PresenceTable("segment", coders, chosen, table, marks, n_outside)
