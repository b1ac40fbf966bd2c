"""Impact-model and logic-model summaries: pure functions on the project's frames.

Every element of a model (an arena, a core issue, a stakeholder group, a logic-model
stage element) is counted as if it were one code: the union of its codes (children
included unless ``exact``), restricted to the element's own ``where`` filter. The
applications of each element are relabelled with a key (``E00``, ``E01``…) and handed,
with a small codebook listing every key, to the same analyses the rest of qualcode uses
(:func:`qualcode.analysis.frequencies`, ``code_by_descriptor``, ``wave_change``,
``cooccurrence_excerpts``, ``representative_quotes``). So an excerpt carrying two codes
of one element counts once, an element whose codes were never applied is a row of
zeros rather than an error, and the numbers agree with the frequency tables of the
report.

Denominators. "% of cases" is out of the cases in the *material*: by default
(``base: coded``) the sources carrying at least one thematic code or a code the model
uses, after the model's and the caller's ``where`` filters; an element with its own
``where`` counts out of the cases that meet it. ``base: all`` counts every case with
any excerpt. Questionnaire indicators are computed on the responses, filtered by the
``where`` fields that the responses have (descriptors, role, wave…), so a filter on the
material's ``kind`` does not empty them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qualcode import analysis as qa
from qualcode.codebook.branches import thematic_mask
from qualcode.errors import UsageError
from qualcode.impact.model import COOCCURRENCE, Element, ImpactModel, check_model, resolve_codes

__all__ = ["ImpactSummary", "summarise", "element_applications", "indicator_value"]

ELEMENT_COLUMNS = ["element", "kind", "stage", "label", "codes", "excerpts", "sources", "cases", "case_base",
                   "pct_cases", "evidence"]
PAIR_COLUMNS = ["excerpts", "sources", "cases", "pct_cases"]


@dataclass
class ImpactSummary:
    """An impact (or logic) model's evidence, as DataFrames.

    * ``elements``: one row per element: ``element, kind, stage, label, codes``
      (resolved paths joined with "; "), ``excerpts, sources, cases, case_base,
      pct_cases, evidence``.
    * ``by_group``: element × value of ``by`` (e.g. role): ``excerpts, cases,
      group_cases, pct_cases`` (empty without ``by``).
    * ``by_wave``: element × wave: ``excerpts, cases, group_cases, pct_cases``.
    * ``wave_change``: per element, cases in the first and second wave compared
      (``cases_first … pct_change``; empty with fewer than two waves).
    * ``indicators``: per element, indicator and ``wave`` ("all" first): ``question,
      measure, unit, n, value`` (a percentage or a mean; ``unit`` says which).
    * ``matrix``: arena × issue: ``excerpts, sources, cases, pct_cases`` where both are
      coded (the model's ``cooccurrence`` unit: same excerpt, overlapping excerpts, same source).
    * ``ripple``: stakeholder × arena, counted the same way.
    * ``stages`` and ``links``: logic-model evidence per stage and per link (links also
      for any element with ``links:``).
    * ``quotes``: ``element, kind, rank, quote, attribution``: anonymised.
    """

    model: ImpactModel
    elements: pd.DataFrame
    by_group: pd.DataFrame
    by_wave: pd.DataFrame
    wave_change: pd.DataFrame
    indicators: pd.DataFrame
    matrix: pd.DataFrame
    ripple: pd.DataFrame
    stages: pd.DataFrame
    links: pd.DataFrame
    quotes: pd.DataFrame
    case_base: int
    by: str | None = None
    waves: tuple[str, str] | None = None
    cooccurrence: str = "excerpt"

    def wide(self, table: str = "matrix", value: str = "cases") -> pd.DataFrame:
        """``matrix`` (arenas × issues), ``ripple`` (stakeholders × arenas) or ``by_group``
        (elements × groups) as a wide table of ``value``, in model order."""
        frame = getattr(self, table)
        if frame.empty:
            return pd.DataFrame()
        rows, cols = {"matrix": ("arena", "issue"), "ripple": ("stakeholder", "arena"),
                      "by_group": ("element", self.by), "by_wave": ("element", "wave")}[table]
        wide = frame.pivot_table(index=rows, columns=cols, values=value, aggfunc="first", sort=False, dropna=False)
        wide = wide.reindex(index=pd.unique(frame[rows]), columns=pd.unique(frame[cols]))
        wide.columns.name = None
        return wide

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every non-empty table by a short name (for Excel sheets and CSV files)."""
        out = {
            "elements": self.elements, "by_" + (self.by or "group"): self.by_group, "by_wave": self.by_wave,
            "wave_change": self.wave_change, "indicators": self.indicators, "arena_x_issue": self.matrix,
            "ripple": self.ripple, "stages": self.stages, "links": self.links, "quotes": self.quotes,
        }
        return {k: v for k, v in out.items() if not v.empty}


# ----------------------------------------------------------------------------- helpers
def _key(i: int) -> str:
    return f"E{i:02d}"


def _pseudo_codebook(keys: Iterable[str]) -> pd.DataFrame:
    """A codebook frame listing ``keys`` as top-level codes, so the analyses report every
    element (zeros included) in model order."""
    keys = list(keys)
    return pd.DataFrame({"path": keys, "position": range(len(keys))})


def _filter(frame: pd.DataFrame, where: Mapping[str, Any] | None, descriptors: pd.DataFrame | None) -> pd.DataFrame:
    return qa.filter_where(frame, where, descriptors) if where else frame


def element_applications(model: ImpactModel, apps: pd.DataFrame, codebook: pd.DataFrame,
                         descriptors: pd.DataFrame | None = None) -> pd.DataFrame:
    """The applications that evidence each element, ``code`` replaced by the element's
    key (``E00``…, in model order) and ``element`` added. An application counts for
    every element whose codes include it."""
    paths = resolve_codes(model, codebook)
    parts = []
    for i, el in enumerate(model.elements):
        part = apps[apps["code"].isin(paths[el.name])] if len(apps) else apps
        part = _filter(part, el.where, descriptors)
        parts.append(part.assign(code=_key(i), element=el.name))
    out = pd.concat(parts, ignore_index=True) if parts else apps.iloc[0:0]
    return out.drop(columns=[c for c in ("code_id",) if c in out.columns])


def _material(model: ImpactModel, apps: pd.DataFrame, excerpts: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """The excerpts that form the denominator (see module docstring)."""
    if model.base == "all" or excerpts.empty:
        return excerpts
    used = {p for paths in resolve_codes(model, codebook).values() for p in paths}
    if apps.empty:
        return excerpts.iloc[0:0]
    thematic = thematic_mask(apps["code"]) | apps["code"].isin(used)
    key = "source_id" if "source_id" in excerpts.columns and "source_id" in apps.columns else "source"
    return excerpts[excerpts[key].isin(apps.loc[thematic, key])]


def _groups_by_where(model: ImpactModel) -> list[tuple[Mapping[str, Any] | None, list[int]]]:
    """Elements sharing a ``where`` filter (most share none), so each analysis runs once
    per distinct denominator."""
    groups: dict[str, tuple[Mapping[str, Any] | None, list[int]]] = {}
    for i, el in enumerate(model.elements):
        sig = repr(sorted((el.where or {}).items()))
        groups.setdefault(sig, (el.where, []))[1].append(i)
    return list(groups.values())


def _wave_key(wave: str) -> tuple[int, Any]:
    return (0, float(wave)) if wave.replace(".", "", 1).isdigit() else (1, wave)


# ---------------------------------------------------------------------------- summary
def summarise(model: ImpactModel, apps: pd.DataFrame, excerpts: pd.DataFrame, codebook: pd.DataFrame,
              descriptors: pd.DataFrame | None = None, responses: pd.DataFrame | None = None,
              questions: pd.DataFrame | None = None, *, by: str | None = "role",
              where: Mapping[str, Any] | None = None, names: Iterable[str] = (),
              first_wave: str | None = None, second_wave: str | None = None,
              quotes: int | None = None, cooccurrence: str | None = None,
              anonymise: Callable[[pd.Series], pd.Series] | None = None) -> ImpactSummary:
    """Summarise ``model`` on the project's frames (unfiltered: the model's and the
    caller's ``where`` are applied here, to the material and to the responses).

    ``apps``, ``excerpts``, ``codebook``, ``descriptors``, ``responses``, ``questions``
    are ``project.applications()`` … ``project.questions()``. ``by`` is a descriptor (or
    material field) for the group table; ``names`` are extra names to redact from
    quotes; waves compared default to the first and last wave with material; ``quotes``
    overrides the model's number of quotes per element; ``anonymise`` (a project's
    anonymiser) replaces the redaction of quotes by ``names`` when given.
    """
    model = check_model(model, codebook, questions, descriptors)
    descriptors = descriptors if descriptors is not None else pd.DataFrame(columns=["case"])
    for cond in (model.where, where):
        apps = _filter(apps, cond, descriptors)
        excerpts = _filter(excerpts, cond, descriptors)
    base = _material(model, apps, excerpts, codebook)
    apps = apps[apps["excerpt_id"].isin(base["excerpt_id"])] if len(apps) else apps
    el_apps = element_applications(model, apps, codebook, descriptors)
    keys = [_key(i) for i in range(len(model.elements))]
    names_by_key = dict(zip(keys, model.names()))
    case_base = int(base["case"].dropna().nunique()) if "case" in base.columns else 0

    elements = _element_table(model, el_apps, base, codebook, descriptors, keys)
    by_group = _by_field(model, el_apps, base, descriptors, keys, names_by_key, by) if by else pd.DataFrame()
    waves = sorted(base["wave"].dropna().astype(str).unique(), key=_wave_key) if "wave" in base.columns else []
    by_wave = _by_field(model, el_apps, base, descriptors, keys, names_by_key, "wave") if waves else pd.DataFrame()
    pair = None
    if len(waves) >= 2 or (first_wave and second_wave):
        pair = (str(first_wave or waves[0]), str(second_wave or waves[-1]))
        change = _wave_change(model, el_apps, base, descriptors, keys, names_by_key, pair)
    else:
        change = pd.DataFrame()
    indicators = _indicators(model, responses, questions, descriptors, where)
    unit = cooccurrence or model.cooccurrence
    if unit not in COOCCURRENCE:
        raise UsageError(f"cooccurrence must be one of {', '.join(COOCCURRENCE)}, got {unit!r}")
    pairs_of = _PairCounter(el_apps, keys, model, case_base, unit)
    arenas, issues = model.of_kind("arena"), model.of_kind("issue")
    matrix = pairs_of.table([(a, i) for a in arenas for i in issues], ("arena", "issue"))
    ripple = pairs_of.table([(s, a) for s in model.of_kind("stakeholder") for a in arenas], ("stakeholder", "arena"))
    links = pairs_of.table([(model.element(a), model.element(b)) for a, b in model.links()], ("from", "to"))
    if not links.empty:
        stage = {el.name: el.stage or el.kind for el in model.elements}
        links.insert(2, "from_stage", links["from"].map(stage))
        links.insert(3, "to_stage", links["to"].map(stage))
        links["evidence"] = [model.evidence.label(v, e) for v, e in zip(links[model.evidence.measure],
                                                                          links["excerpts"])]
    stages = _stage_table(model, el_apps, base) if model.stages() else pd.DataFrame()
    quote_frame = _quotes(model, el_apps, base, descriptors, keys, names, quotes, anonymise)
    return ImpactSummary(model, elements, by_group, by_wave, change, indicators, matrix, ripple, stages, links,
                         quote_frame, case_base, by, pair, unit)


def _element_table(model: ImpactModel, el_apps: pd.DataFrame, base: pd.DataFrame, codebook: pd.DataFrame,
                   descriptors: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    paths = resolve_codes(model, codebook)
    rows = []
    for where, idx in _groups_by_where(model):
        group_keys = [keys[i] for i in idx]
        part = el_apps[el_apps["code"].isin(group_keys)]
        group_base = _filter(base, where, descriptors)
        freq = qa.frequencies(part, _pseudo_codebook(group_keys), base=group_base).set_index("code")
        for i in idx:
            el, f = model.elements[i], freq.loc[keys[i]]
            rows.append({"_i": i, "element": el.name, "kind": el.kind, "stage": el.stage or "", "label": el.short,
                         "codes": "; ".join(paths[el.name]), "excerpts": int(f["excerpts"]),
                         "sources": int(f["sources"]), "cases": int(f["cases"]), "case_base": int(f["case_base"]),
                         "pct_cases": float(f["pct_cases"]) if pd.notna(f["pct_cases"]) else np.nan})
    out = pd.DataFrame(rows).sort_values("_i").drop(columns="_i").reset_index(drop=True)
    measure = model.evidence.measure
    out["evidence"] = [model.evidence.label(v, e) for v, e in zip(out[measure], out["excerpts"])]
    no_codes = [not el.codes for el in model.elements]
    out.loc[no_codes, "evidence"] = "indicators only"
    return out[ELEMENT_COLUMNS]


def _by_field(model: ImpactModel, el_apps: pd.DataFrame, base: pd.DataFrame, descriptors: pd.DataFrame,
              keys: list[str], names_by_key: dict[str, str], by: str) -> pd.DataFrame:
    """Element × group of ``by``: excerpts, cases, group_cases, pct_cases (zeros kept)."""
    if by not in base.columns and by not in descriptors.columns:
        raise UsageError(f"cannot group by {by!r}: it is neither a descriptor nor a material field; "
                         f"descriptors are: {', '.join(c for c in descriptors.columns if c != 'case') or 'none'}")
    parts = []
    for where, idx in _groups_by_where(model):
        group_keys = [keys[i] for i in idx]
        part = el_apps[el_apps["code"].isin(group_keys)]
        group_base = _filter(base, where, descriptors)
        if group_base.empty:
            continue
        table = qa.code_by_descriptor(part, by, descriptors, _pseudo_codebook(group_keys), base=group_base)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["element", by, "excerpts", "cases", "group_cases", "pct_cases"])
    out = pd.concat(parts, ignore_index=True)
    out["_i"] = out["code"].map({k: i for i, k in enumerate(keys)})
    out = out.sort_values(["_i", by], kind="stable")
    out.insert(0, "element", out["code"].map(names_by_key))
    out[by] = out[by].astype(str)
    return out[["element", by, "excerpts", "cases", "group_cases", "pct_cases"]].reset_index(drop=True)


def _wave_change(model: ImpactModel, el_apps: pd.DataFrame, base: pd.DataFrame, descriptors: pd.DataFrame,
                 keys: list[str], names_by_key: dict[str, str], pair: tuple[str, str]) -> pd.DataFrame:
    parts = []
    for where, idx in _groups_by_where(model):
        group_keys = [keys[i] for i in idx]
        part = el_apps[el_apps["code"].isin(group_keys)]
        group_base = _filter(base, where, descriptors)
        present = set(group_base["wave"].dropna().astype(str))
        if not set(pair) <= present:
            raise UsageError(f"wave {next(w for w in pair if w not in present)!r} has no material for the impact "
                             f"model; waves present: {', '.join(sorted(present, key=_wave_key)) or 'none'}")
        parts.append(qa.wave_change(part, pair[0], pair[1], _pseudo_codebook(group_keys), base=group_base))
    out = pd.concat(parts, ignore_index=True)
    out["_i"] = out["code"].map({k: i for i, k in enumerate(keys)})
    out = out.sort_values("_i")
    out.insert(0, "element", out["code"].map(names_by_key))
    cols = ["element", "cases_first", "cases_second", "both", "only_first", "only_second", "base_first",
            "base_second", "pct_first", "pct_second", "pct_change"]
    return out[cols].reset_index(drop=True)


def _stage_table(model: ImpactModel, el_apps: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Evidence per logic-model stage: an excerpt counts once for a stage however many of
    its elements it evidences."""
    stages = model.stages()
    stage_of = {_key(i): el.stage for i, el in enumerate(model.elements) if el.kind == "stage"}
    part = el_apps[el_apps["code"].isin(stage_of)]
    part = part.assign(code=part["code"].map(stage_of))
    freq = qa.frequencies(part, _pseudo_codebook(stages), base=base).set_index("code")
    rows = []
    for stage in stages:
        f = freq.loc[stage]
        members = [el.name for el in model.elements if el.stage == stage]
        rows.append({"stage": stage, "elements": "; ".join(members), "excerpts": int(f["excerpts"]),
                     "sources": int(f["sources"]), "cases": int(f["cases"]), "case_base": int(f["case_base"]),
                     "pct_cases": float(f["pct_cases"]) if pd.notna(f["pct_cases"]) else np.nan})
    out = pd.DataFrame(rows)
    with_codes = {el.stage for el in model.elements if el.kind == "stage" and el.codes}
    out["evidence"] = [model.evidence.label(v, e) if s in with_codes else "indicators only"
                       for s, v, e in zip(out["stage"], out[model.evidence.measure], out["excerpts"])]
    return out


class _PairCounter:
    """Excerpts, sources and cases where two elements are both coded.

    ``excerpt``: both on one excerpt; ``overlap``: also overlapping excerpts of one
    source (both via :func:`qualcode.analysis.cooccurrence_excerpts`, so the counts are
    the co-occurrence table's); ``source``: anywhere in the same source (excerpts are
    then those of either element in such sources).
    """

    def __init__(self, el_apps: pd.DataFrame, keys: list[str], model: ImpactModel, case_base: int,
                 unit: str) -> None:
        self.apps, self.case_base, self.unit = el_apps, case_base, unit
        self.key = {el.name: k for el, k in zip(model.elements, keys)}
        self.codebook = _pseudo_codebook(keys)
        self.src = "source_id" if "source_id" in el_apps.columns else "source"

    def _cell(self, a: str, b: str) -> pd.DataFrame:
        if self.apps.empty:
            return pd.DataFrame(columns=["excerpt_id", self.src, "case"])
        if self.unit == "source":
            has_a = set(self.apps.loc[self.apps["code"] == a, self.src])
            has_b = set(self.apps.loc[self.apps["code"] == b, self.src])
            rows = self.apps[self.apps["code"].isin([a, b]) & self.apps[self.src].isin(has_a & has_b)]
            return rows.drop_duplicates("excerpt_id")
        return qa.cooccurrence_excerpts(self.apps, a, b, self.codebook, overlap=self.unit == "overlap")

    def counts(self, a: Element, b: Element) -> dict[str, Any]:
        cell = self._cell(self.key[a.name], self.key[b.name])
        cases = int(cell["case"].dropna().nunique()) if "case" in cell.columns else 0
        return {"excerpts": len(cell), "sources": int(cell[self.src].nunique()) if len(cell) else 0, "cases": cases,
                "pct_cases": 100.0 * cases / self.case_base if self.case_base else np.nan}

    def table(self, pairs: list[tuple[Element, Element]], names: tuple[str, str]) -> pd.DataFrame:
        rows = [{names[0]: a.name, names[1]: b.name, **self.counts(a, b)} for a, b in pairs]
        return pd.DataFrame(rows, columns=[*names, *PAIR_COLUMNS])


# ------------------------------------------------------------------------- indicators
def _response_filter(where: Mapping[str, Any] | None, responses: pd.DataFrame,
                     descriptors: pd.DataFrame) -> dict[str, Any]:
    """The part of a material filter that the responses can honour (their own columns
    or case descriptors); ``kind`` or ``source`` conditions are about the material."""
    usable = set(responses.columns) | set(descriptors.columns)
    return {k: v for k, v in (where or {}).items() if k in usable and k not in ("source", "kind")}


def _indicators(model: ImpactModel, responses: pd.DataFrame | None, questions: pd.DataFrame | None,
                descriptors: pd.DataFrame, where: Mapping[str, Any] | None) -> pd.DataFrame:
    cols = ["element", "indicator", "question", "measure", "unit", "wave", "n", "value"]
    wanted = [(el, ind) for el in model.elements for ind in el.indicators]
    if not wanted or responses is None or questions is None or responses.empty:
        return pd.DataFrame(columns=cols)
    answers = responses
    for cond in (model.where, where):
        answers = _filter(answers, _response_filter(cond, answers, descriptors), descriptors)
    waves = sorted(answers["wave"].dropna().astype(str).unique(), key=_wave_key) if "wave" in answers.columns else []
    q_by_col = questions.drop_duplicates("column").set_index("column")
    rows = []
    for el, ind in wanted:
        subset = _filter(answers, ind.where, descriptors)
        q = q_by_col.loc[ind.question]
        for wave in ["all", *waves]:
            part = subset if wave == "all" else subset[subset["wave"].astype(str) == wave]
            n, value = indicator_value(part, questions, ind.question, str(q["type"]), ind.measure or "",
                                       ind.levels, ind.at_least)
            rows.append({"element": el.name, "indicator": ind.name, "question": ind.question,
                         "measure": ind.measure, "unit": indicator_unit(ind.measure or "", ind.levels, ind.at_least),
                         "wave": wave, "n": n, "value": value})
    return pd.DataFrame(rows, columns=cols)


def indicator_unit(measure: str, levels: Iterable[str] = (), at_least: float | None = None) -> str:
    """What an indicator's value is, in words: "% agree", "mean", "% at least 7"."""
    if measure == "pct_levels":
        return "% " + " or ".join(str(x) for x in levels)
    if measure == "pct_at_least":
        return f"% at least {at_least:g}" if at_least is not None else "%"
    return {"pct_agree": "% agree", "pct_yes": "% yes", "mean": "mean", "median": "median"}.get(measure, measure)


def indicator_value(answers: pd.DataFrame, questions: pd.DataFrame, column: str, qtype: str, measure: str,
                    levels: Iterable[str] = (), at_least: float | None = None) -> tuple[int, float]:
    """(answers counted, value) of one indicator on a set of responses.

    Scale measures use :func:`qualcode.analysis.likert` (``pct_agree`` is the top two
    levels, as in the questionnaire tables), means and medians
    :func:`qualcode.analysis.ratings`, so an indicator equals the report's own figure.
    """
    if answers.empty or column not in answers.columns:
        return 0, np.nan
    if measure in ("pct_agree", "pct_levels") and qtype == "scale":
        agree: Any = list(levels) if measure == "pct_levels" else 2
        row = qa.likert(answers, questions, columns=[column], agree_levels=agree).iloc[0]
        return int(row["n"]), float(row["pct_agree"])
    if measure in ("mean", "median"):
        row = qa.ratings(answers, questions, columns=[column]).iloc[0]
        return int(row["n"]), float(row[measure])
    values = answers[column].dropna()
    n = len(values)
    if not n:
        return 0, np.nan
    if measure == "pct_yes":
        yes = values.map(lambda v: str(v).strip().casefold() in {"true", "yes", "1", "y"})
        return n, 100.0 * float(yes.sum()) / n
    if measure == "pct_levels":
        wanted = {str(lv).casefold() for lv in levels}
        return n, 100.0 * float(values.astype(str).str.strip().str.casefold().isin(wanted).sum()) / n
    if measure == "pct_at_least":
        numbers = pd.to_numeric(values, errors="coerce").dropna()
        return len(numbers), (100.0 * float((numbers >= float(at_least or 0)).sum()) / len(numbers)
                              if len(numbers) else np.nan)
    raise UsageError(f"unknown indicator measure {measure!r}")


# ----------------------------------------------------------------------------- quotes
def _quotes(model: ImpactModel, el_apps: pd.DataFrame, base: pd.DataFrame, descriptors: pd.DataFrame,
            keys: list[str], names: Iterable[str], n: int | None,
            anonymise: Callable[[pd.Series], pd.Series] | None = None) -> pd.DataFrame:
    cols = ["element", "kind", "rank", "quote", "attribution"]
    n = model.quotes if n is None else n
    if n < 1 or el_apps.empty:
        return pd.DataFrame(columns=cols)
    codebook = _pseudo_codebook(keys)
    fields = list(model.attribution) if model.attribution else None
    if fields:
        missing = [f for f in fields if f not in base.columns and f not in descriptors.columns]
        if missing:
            raise UsageError(f"{model.path}: attribution field {missing[0]!r} is not a descriptor")
    names = list(names)
    parts = []
    for key, el in zip(keys, model.elements):
        if not (el_apps["code"] == key).any():
            continue
        q = qa.representative_quotes(base, el_apps, key, descriptors, codebook, fields=fields, n=n,
                                     descendants=False, names=names, anonymise=anonymise)
        parts.append(pd.DataFrame({"element": el.name, "kind": el.kind, "rank": range(1, len(q) + 1),
                                   "quote": q["quote"].to_numpy(), "attribution": q["attribution"].to_numpy()}))
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
