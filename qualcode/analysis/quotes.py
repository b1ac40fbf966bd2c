"""Representative, anonymised quotes for a code.

Reports illustrate each theme with a few quotes attributed by role, not by name
("— CEO, wave 2"), and no single talkative participant should supply them all.

How quotes are chosen (deterministic, so a report does not change between runs):

1. Candidates are the excerpts carrying the code (and its descendants by default).
2. Each candidate is scored by, in order: whether its length lies in
   ``[min_chars, max_chars]`` (long enough to say something, short enough to quote);
   the highest weight a coder gave the code on it (unweighted last); closeness of its
   length to the median length of the in-range candidates (typical, not extreme);
   then excerpt id.
3. Cases take turns: round 1 takes each case's best excerpt, cases ordered by that
   excerpt's score; round 2 each case's second best; and so on up to ``per_case``
   rounds, until ``n`` quotes. So the first quotes come from different people.
   Excerpts of sources without a case are grouped by source.

Quote text and attribution are passed through :func:`redact` with the given names and
every case name, so neither a name nor a case identifier reaches a report.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import attach_fields, require
from qualcode.analysis._tree import code_table, expand, resolve
from qualcode.errors import UsageError

__all__ = ["redact", "attribution", "representative_quotes"]

PLACEHOLDER = "[name]"
DEFAULT_FIELDS = ("role", "wave")
# fields that identify a person or a document: never allowed in an attribution
IDENTIFYING = frozenset({"case", "source", "source_id", "speaker", "text", "excerpt_id", "coder"})


def _pattern(names: Iterable[object]) -> re.Pattern[str] | None:
    clean = sorted({str(n).strip() for n in names if n is not None and not pd.isna(n) and str(n).strip()},
                   key=len, reverse=True)  # longest first: "Anna Smith" before "Anna"
    if not clean:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in n.split()) for n in clean)
    # (?<!\w)/(?!\w) rather than \b so names starting or ending in punctuation still match
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def redact(text: str | pd.Series, names: Iterable[object], *, placeholder: str = PLACEHOLDER) -> str | pd.Series:
    """Replace each of ``names`` in ``text`` with ``placeholder``.

    Whole words only, case-insensitive, longest names first, any run of spaces inside a
    multi-word name. "Anna" is redacted in "Anna's" and "ANNA," but not in "Annabel".
    Accepts a string or a Series of strings (missing values stay missing).
    """
    pat = _pattern(names)
    if isinstance(text, pd.Series):
        if pat is None:
            return text.copy()
        return text.map(lambda t: t if not isinstance(t, str) else pat.sub(placeholder, t))
    if pat is None or not isinstance(text, str):
        return text
    return pat.sub(placeholder, text)


def _render(field: str, value: object) -> str:
    if field == "wave":
        return f"wave {value}"
    return str(value)


def attribution(frame: pd.DataFrame, fields: Sequence[str] | str, descriptors: pd.DataFrame | None = None,
                ) -> pd.Series:
    """Attribution text per row of ``frame`` (excerpts), built from descriptors only.

    ``fields`` is a list of fields (columns of ``frame`` such as ``wave`` or case
    descriptors such as ``role``) joined with ", " (``wave`` renders as "wave 2",
    missing values are skipped), or a format string such as ``"{role}, {mode}"``.
    Identifying fields (case, source, speaker...) raise UsageError.
    """
    if isinstance(fields, str):
        names = re.findall(r"{(\w+)}", fields)
        template: str | None = fields
    else:
        names, template = list(fields), None
    bad = [f for f in names if f in IDENTIFYING]
    if bad:
        raise UsageError(f"attribution field {bad[0]!r} identifies a person or document; use descriptors such as role")
    joined = attach_fields(frame, descriptors, names) if names else frame
    out = []
    for _, r in joined.iterrows():
        if template is not None:
            values = {f: ("" if pd.isna(r[f]) else r[f]) for f in names}
            text = template.format_map(values)
            text = re.sub(r"(,\s*)+(?=,|$)", "", text).strip(" ,")
        else:
            text = ", ".join(_render(f, r[f]) for f in names if not pd.isna(r[f]))
        out.append(text)
    return pd.Series(out, index=frame.index, dtype=object)


def representative_quotes(excerpts: pd.DataFrame, apps: pd.DataFrame, code: str,
                          descriptors: pd.DataFrame | None = None, codebook: pd.DataFrame | None = None, *,
                          fields: Sequence[str] | str | None = None, n: int = 5, per_case: int = 1,
                          descendants: bool = True, min_chars: int = 60, max_chars: int = 600,
                          names: Iterable[str] = (),
                          anonymise: Callable[[pd.Series], pd.Series] | None = None,
                          unit_label: str = "Participant") -> pd.DataFrame:
    """Up to ``n`` quotes for ``code``, at most ``per_case`` from one case (see module docstring).

    ``excerpts`` is ``project.excerpts()`` (for text, case, wave); ``apps`` the
    applications (for which excerpts carry the code and its weights). ``fields`` builds
    the attribution (see :func:`attribution`; default ``role`` and ``wave``, those that
    exist); ``names`` are extra names to redact
    (people, organisations) on top of every case name in ``excerpts``/``descriptors``;
    ``anonymise`` (a Series -> Series function, such as a project's anonymiser) replaces
    that redaction when given.
    A quote whose attribution comes out empty (no descriptors) is attributed to a
    pseudonym, ``"{unit_label} N"`` with N the case's (or, without a case, the source's)
    place among all of ``excerpts``' cases in name order.

    Columns: ``code, excerpt_id, quote, attribution, weight, chars``. No case or source
    column: the output is meant to leave the project.
    """
    require(excerpts, ["excerpt_id", "text"], "excerpts", "project.excerpts()")
    require(apps, ["excerpt_id", "code"], "applications", "project.applications()")
    if per_case < 1 or n < 1:
        raise UsageError("n and per_case must be at least 1")
    table = code_table(apps, codebook)
    paths = expand(table, code, descendants)
    hits = apps[apps["code"].isin(paths)]
    weight = (pd.to_numeric(hits["weight"], errors="coerce") if "weight" in hits.columns
              else pd.Series(np.nan, index=hits.index))
    best_weight = weight.groupby(hits["excerpt_id"]).max()
    cand = excerpts[excerpts["excerpt_id"].isin(best_weight.index)].drop_duplicates("excerpt_id").copy()
    cols = ["code", "excerpt_id", "quote", "attribution", "weight", "chars"]
    if cand.empty:
        return pd.DataFrame(columns=cols)
    cand["weight"] = cand["excerpt_id"].map(best_weight)
    cand["chars"] = cand["text"].astype(str).str.strip().str.len()
    cand["in_range"] = cand["chars"].between(min_chars, max_chars)
    typical = cand.loc[cand["in_range"], "chars"].median() if cand["in_range"].any() else cand["chars"].median()
    cand["distance"] = (cand["chars"] - typical).abs()
    cand["w_sort"] = cand["weight"].fillna(-np.inf)
    cand = cand.sort_values(["in_range", "w_sort", "distance", "excerpt_id"],
                            ascending=[False, False, True, True]).reset_index(drop=True)
    case = cand["case"] if "case" in cand.columns else pd.Series(pd.NA, index=cand.index)
    source = cand["source"] if "source" in cand.columns else cand["excerpt_id"]
    voice = case.astype(object).where(case.notna(), "source:" + source.astype(str))
    cand["turn"] = cand.groupby(voice, sort=False).cumcount()  # 0 = the voice's best excerpt
    cand["voice_rank"] = voice.map({v: i for i, v in enumerate(pd.unique(voice))})
    chosen = cand[cand["turn"] < per_case].sort_values(["turn", "voice_rank"]).head(n)
    all_names = list(names)
    all_names += list(excerpts["case"].dropna().unique()) if "case" in excerpts.columns else []
    if descriptors is not None and "case" in descriptors.columns:
        all_names += list(descriptors["case"].dropna().unique())
    if fields is None:  # the default asks for what exists; explicit fields must exist
        available = set(chosen.columns) | (set(descriptors.columns) if descriptors is not None else set())
        fields = [f for f in DEFAULT_FIELDS if f in available]
    def clean(series: pd.Series) -> pd.Series:
        return anonymise(series) if anonymise is not None else redact(series, all_names)

    attributed = clean(attribution(chosen, fields, descriptors))
    unattributed = attributed.astype(str).str.strip() == ""
    if unattributed.any():  # numbering every voice of the material is only needed then
        attributed = attributed.where(~unattributed, _pseudonyms(excerpts, chosen, unit_label))
    out = pd.DataFrame({
        "code": resolve(table, code),
        "excerpt_id": chosen["excerpt_id"].to_numpy(),
        "quote": clean(chosen["text"].astype(str).str.strip()).to_numpy(),
        "attribution": attributed.to_numpy(),
        "weight": chosen["weight"].to_numpy(),
        "chars": chosen["chars"].to_numpy(),
    })
    return out[cols]


def _pseudonyms(excerpts: pd.DataFrame, chosen: pd.DataFrame, unit_label: str) -> pd.Series:
    """"Participant 3" for each chosen row: its case's place (1-based) among every case
    of ``excerpts`` in name order; a row without a case is numbered among the sources
    ("Source 2"). Stable across codes, since it depends on the material, not the quote."""
    def voice(frame: pd.DataFrame) -> pd.Series:
        case = frame["case"] if "case" in frame.columns else pd.Series(pd.NA, index=frame.index)
        missing = case.isna()
        if not missing.any():  # the usual report: every excerpt is a case's (no string per row)
            return case.astype(object)
        source = frame["source"] if "source" in frame.columns else frame["excerpt_id"]
        return case.astype(object).where(~missing, "\0" + source.astype(str))

    everyone = sorted(set(pd.unique(voice(excerpts).to_numpy(dtype=object))))
    number = {v: i + 1 for i, v in enumerate(everyone)}
    labels = [f"Source {number[v]}" if str(v).startswith("\0") else f"{unit_label} {number[v]}"
              for v in voice(chosen)]
    return pd.Series(labels, index=chosen.index, dtype=object)
