"""Impact and logic models as YAML: read with line numbers, validate, resolve to codes.

An impact model names a few *elements* and says which codes (and questionnaire answers)
evidence each: arenas of impact, the core issues they turn around, the stakeholders the
change ripples out to, or the stages of a logic model (rationale → inputs → activities →
outputs → outcomes → impact). The file is written by a researcher, so every mistake is
reported as one line naming the file and the line of the offending entry: a typo in a
code path found only when the numbers look wrong would cost far more than an error.

Validation happens in two steps. :func:`read_model` checks what the file alone can tell
(shape, kinds, duplicate names, links to unknown elements, elements with no evidence);
:func:`check_model` checks the model against a project (codes in the codebook, questions
in the questionnaire, filter fields that exist), because one model file may serve
several copies of a project.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from qualcode.errors import NotFoundError, QualcodeError, UsageError
from qualcode.impact import COOCCURRENCE
from qualcode.yaml_files import read_yaml_file
from qualcode.untrusted import BoundedSafeLoader

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "KINDS", "STAGES", "MEASURES", "COOCCURRENCE", "ImpactModelError", "CodeRef", "Indicator", "Element", "Evidence",
    "ImpactModel", "read_model", "parse_model", "check_model",
]

#: Kinds of element. A logic-model stage may also be written as its stage name
#: (``kind: outcomes`` is ``kind: stage`` with ``stage: outcomes``).
KINDS = ("arena", "issue", "stakeholder", "stage")
#: Logic-model stages, left to right. "objectives" is optional in most logic models.
STAGES = ("rationale", "objectives", "inputs", "activities", "outputs", "outcomes", "impact")
#: How a questionnaire indicator is computed from the answers.
MEASURES = ("pct_agree", "pct_levels", "pct_at_least", "pct_yes", "mean", "median")
EVIDENCE_MEASURES = ("pct_cases", "cases", "excerpts")
BASES = ("coded", "all")
#: (``COOCCURRENCE``, where two elements count as coded together: on one excerpt, on
#: overlapping excerpts of one source, or anywhere in one source, is in ``qualcode.impact``.)
#: The default evidence thresholds: % of cases (at least), strongest first.
DEFAULT_LEVELS = (("strong", 50.0), ("moderate", 25.0), ("emerging", 0.0))
#: Fields of the excerpt frames a ``where`` filter may use besides case descriptors.
MATERIAL_FIELDS = frozenset({"source", "kind", "wave", "case", "speaker"})

MODEL_KEYS = {"model", "title", "description", "type", "where", "base", "cooccurrence", "evidence", "quotes",
              "attribution", "elements"}
ELEMENT_KEYS = {"name", "label", "kind", "stage", "description", "codes", "exact", "where", "indicators", "links"}
INDICATOR_KEYS = {"name", "question", "measure", "levels", "at_least", "where"}
EVIDENCE_KEYS = {"measure", "levels", "none"}


class ImpactModelError(QualcodeError):
    """An impact or logic model file is invalid, or does not fit the project."""


# ------------------------------------------------------------------ YAML with lines
class _Map(dict):
    """A YAML mapping that remembers its own line and the line of each value (1-based)."""

    line: int = 0
    lines: dict[str, int]


class _Seq(list):
    """A YAML sequence that remembers the line of each item (1-based)."""

    line: int = 0
    lines: list[int]


class _LineLoader(BoundedSafeLoader):
    """A safe loader (nesting and aliases bounded) whose mappings and sequences carry line numbers."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    out = _Map()
    out.line = node.start_mark.line + 1
    out.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[str(key)] = loader.construct_object(value_node, deep=True)
        out.lines[str(key)] = value_node.start_mark.line + 1
    return out


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


# ------------------------------------------------------------------------ the model
@dataclass(frozen=True)
class CodeRef:
    """One code an element is evidenced by, as written (a path or a unique name)."""

    code: str
    exact: bool  # True: this code only, not its children
    line: int


@dataclass(frozen=True)
class Indicator:
    """A questionnaire figure shown with an element, e.g. "% who agree (conf_decisions)".

    ``measure`` is None until :func:`check_model` picks the default for the question's
    type (scale: pct_agree, rating or number: mean, boolean: pct_yes).
    """

    name: str
    question: str
    measure: str | None
    line: int
    levels: tuple[str, ...] = ()
    at_least: float | None = None
    where: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Element:
    """An arena, core issue, stakeholder group or logic-model stage element."""

    name: str
    kind: str
    line: int
    label: str = ""
    stage: str | None = None
    description: str = ""
    codes: tuple[CodeRef, ...] = ()
    where: Mapping[str, Any] | None = None
    indicators: tuple[Indicator, ...] = ()
    links: tuple[str, ...] = ()
    link_lines: tuple[int, ...] = ()

    @property
    def short(self) -> str:
        """The label for diagrams: ``label`` when given, else the name."""
        return self.label or self.name


@dataclass(frozen=True)
class Evidence:
    """Evidence-strength labels from thresholds the researcher sets.

    ``levels`` are (label, minimum) pairs, strongest first; an element gets the first
    label whose minimum its ``measure`` reaches. An element with no excerpts at all is
    ``none`` whatever the thresholds: zero material is no evidence, not weak evidence.
    """

    measure: str = "pct_cases"
    levels: tuple[tuple[str, float], ...] = DEFAULT_LEVELS
    none: str = "none"

    def label(self, value: float, excerpts: int) -> str:
        import pandas as pd

        if not excerpts or pd.isna(value):
            return self.none
        for name, minimum in self.levels:
            if value >= minimum:
                return name
        return self.none

    @property
    def order(self) -> list[str]:
        """Labels from strongest to none (for legends and shading)."""
        return [name for name, _ in self.levels] + [self.none]

    def describe(self) -> str:
        """"strong: at least 50% of cases; moderate: at least 25%; ..." for a report."""
        unit = {"pct_cases": "% of cases", "cases": " cases", "excerpts": " excerpts"}[self.measure]
        parts = [f"{name}: at least {minimum:g}{unit}" if minimum > 0 else f"{name}: any material"
                 for name, minimum in self.levels]
        return "; ".join(parts) + f"; {self.none}: no material"


@dataclass(frozen=True)
class ImpactModel:
    """A parsed impact or logic model (see ``codebooks/README.md`` for the file format)."""

    path: Path
    name: str
    elements: tuple[Element, ...]
    title: str = ""
    description: str = ""
    type: str = "impact"  # "impact" or "logic"
    where: Mapping[str, Any] | None = None
    base: str = "coded"
    cooccurrence: str = "excerpt"
    evidence: Evidence = field(default_factory=Evidence)
    quotes: int = 2
    attribution: tuple[str, ...] | None = None

    def element(self, name: str) -> Element:
        for el in self.elements:
            if el.name.casefold() == name.casefold():
                return el
        raise NotFoundError(f"{self.path}: no element named {name!r}; elements: {', '.join(self.names())}")

    def names(self) -> list[str]:
        return [el.name for el in self.elements]

    def of_kind(self, kind: str) -> list[Element]:
        return [el for el in self.elements if el.kind == kind]

    def stages(self) -> list[str]:
        """The logic-model stages that have elements, left to right."""
        used = {el.stage for el in self.elements if el.kind == "stage"}
        return [s for s in STAGES if s in used]

    def links(self) -> list[tuple[str, str]]:
        """Explicit links (from, to); for a logic model without any, each stage's
        elements lead to the next stage's."""
        explicit = [(el.name, self.element(to).name) for el in self.elements for to in el.links]
        if explicit or self.type != "logic":
            return explicit
        stages = self.stages()
        out = []
        for a, b in zip(stages, stages[1:]):
            for x in self.elements:
                if x.stage != a:
                    continue
                out.extend((x.name, y.name) for y in self.elements if y.stage == b)
        return out

    @property
    def title_text(self) -> str:
        return self.title or self.name


def read_model(path: str | Path) -> ImpactModel:
    """Parse and check a model file on its own; raises ``ImpactModelError`` naming file and line."""
    path = Path(path)
    data = read_yaml_file(path, _LineLoader, ImpactModelError, "an impact-model")
    return parse_model(data, path)


def parse_model(data: Any, path: str | Path = "<model>") -> ImpactModel:
    """Build an :class:`ImpactModel` from loaded YAML (mappings may carry line numbers)."""
    path = Path(path)
    origin = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise ImpactModelError(f"{origin}:1: expected a mapping with an 'elements:' list; see codebooks/README.md")
    _unknown_keys(data, MODEL_KEYS, origin, "the model")
    elements = tuple(_element(item, i, origin, _line_of(data["elements"], i))
                     for i, item in enumerate(data["elements"]))
    if not elements:
        raise ImpactModelError(f"{origin}:{_key_line(data, 'elements')}: the model has no elements; list them under 'elements:'")
    _check_names(elements, origin)
    _check_links(elements, origin)
    kinds = {el.kind for el in elements}
    declared = data.get("type")
    if declared is not None and declared not in ("impact", "logic"):
        raise ImpactModelError(f"{origin}:{_key_line(data, 'type')}: type {declared!r} must be 'impact' or 'logic'")
    model_type = declared or ("logic" if kinds == {"stage"} else "impact")
    base = data.get("base", "coded")
    if base not in BASES:
        raise ImpactModelError(f"{origin}:{_key_line(data, 'base')}: base {base!r} must be one of {', '.join(BASES)}")
    quotes = data.get("quotes", 2)
    if not isinstance(quotes, int) or isinstance(quotes, bool) or quotes < 0:
        raise ImpactModelError(f"{origin}:{_key_line(data, 'quotes')}: quotes must be a whole number (quotes per element)")
    cooccurrence = data.get("cooccurrence", "excerpt")
    if cooccurrence not in COOCCURRENCE:
        raise ImpactModelError(f"{origin}:{_key_line(data, 'cooccurrence')}: cooccurrence {cooccurrence!r} must be "
                               f"one of {', '.join(COOCCURRENCE)}")
    attribution = data.get("attribution")
    if attribution is not None:
        attribution = [attribution] if isinstance(attribution, str) else attribution
        if not isinstance(attribution, list) or not all(isinstance(a, str) for a in attribution):
            raise ImpactModelError(f"{origin}:{_key_line(data, 'attribution')}: attribution must be a list of "
                                   "descriptor names, e.g. [role, wave]")
        attribution = tuple(attribution)
    return ImpactModel(
        path=path,
        name=str(data.get("model") or path.stem),
        title=str(data.get("title") or ""),
        description=_text(data.get("description")),
        type=model_type,
        where=_where(data, "where", origin),
        base=base,
        cooccurrence=cooccurrence,
        evidence=_evidence(data, origin),
        quotes=quotes,
        attribution=attribution,
        elements=elements,
    )


# --------------------------------------------------------------------- parsing parts
def _line_of(seq: Any, i: int, default: int = 1) -> int:
    lines = getattr(seq, "lines", None)
    return lines[i] if lines and i < len(lines) else default


def _key_line(mapping: Any, key: str) -> int:
    lines = getattr(mapping, "lines", None) or {}
    return lines.get(key, getattr(mapping, "line", 1))


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _unknown_keys(item: dict, allowed: set[str], origin: str, what: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ImpactModelError(f"{origin}:{_key_line(item, unknown[0])}: unknown key {unknown[0]!r} in {what}; "
                               f"allowed: {', '.join(sorted(allowed))}")


def _where(item: dict, key: str, origin: str) -> dict[str, Any] | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise ImpactModelError(f"{origin}:{_key_line(item, key)}: '{key}' must map fields to values, "
                               "e.g. {role: CEO} or {kind: [transcript, email]}")
    out: dict[str, Any] = {}
    for field_name, cond in value.items():
        values = list(cond) if isinstance(cond, list) else [cond]
        if not values or any(isinstance(v, (dict, list)) or v is None for v in values):
            raise ImpactModelError(f"{origin}:{_key_line(value, field_name)}: '{key}' value of {field_name!r} "
                                   "must be a value or a list of values")
        out[str(field_name)] = [str(v) for v in values]  # filters match text case-insensitively
    return out


def _evidence(data: dict, origin: str) -> Evidence:
    spec = data.get("evidence")
    if spec is None:
        return Evidence()
    line = _key_line(data, "evidence")
    if not isinstance(spec, dict):
        raise ImpactModelError(f"{origin}:{line}: 'evidence' must be a mapping with 'measure' and 'levels'")
    _unknown_keys(spec, EVIDENCE_KEYS, origin, "'evidence'")
    measure = spec.get("measure", "pct_cases")
    if measure not in EVIDENCE_MEASURES:
        raise ImpactModelError(f"{origin}:{_key_line(spec, 'measure')}: evidence measure {measure!r} must be one of "
                               f"{', '.join(EVIDENCE_MEASURES)}")
    levels = spec.get("levels")
    if levels is None:
        pairs = DEFAULT_LEVELS
    else:
        if not isinstance(levels, dict) or not levels:
            raise ImpactModelError(f"{origin}:{_key_line(spec, 'levels')}: evidence levels must map labels to "
                                   "minimums, e.g. {strong: 50, moderate: 25, emerging: 0}")
        for name, minimum in levels.items():
            if isinstance(minimum, bool) or not isinstance(minimum, (int, float)) or minimum < 0:
                raise ImpactModelError(f"{origin}:{_key_line(levels, name)}: evidence level {name!r} needs a number "
                                       f">= 0, got {minimum!r}")
        pairs = tuple(sorted(((str(k), float(v)) for k, v in levels.items()), key=lambda kv: -kv[1]))
        if len({v for _, v in pairs}) < len(pairs):
            raise ImpactModelError(f"{origin}:{_key_line(spec, 'levels')}: two evidence levels share a minimum; "
                                   "give each level its own threshold")
    none = str(spec.get("none", "none"))
    if none in {name for name, _ in pairs}:
        raise ImpactModelError(f"{origin}:{_key_line(spec, 'none')}: the 'none' label {none!r} is also a level")
    return Evidence(measure, pairs, none)


def _element(item: Any, index: int, origin: str, line: int) -> Element:
    if isinstance(item, str):
        raise ImpactModelError(f"{origin}:{line}: element {item!r} must be a mapping with 'name', 'kind' and 'codes'")
    if not isinstance(item, dict):
        raise ImpactModelError(f"{origin}:{line}: element {index + 1} must be a mapping with 'name', 'kind' and 'codes'")
    line = getattr(item, "line", line)
    _unknown_keys(item, ELEMENT_KEYS, origin, f"element {item.get('name', index + 1)!r}")
    name = _text(item.get("name"))
    if not name:
        raise ImpactModelError(f"{origin}:{line}: an element without a name; add 'name: ...'")
    kind = str(item.get("kind", "")).strip().lower()
    stage = item.get("stage")
    if kind in STAGES:
        kind, stage = "stage", stage or kind
    if kind not in KINDS:
        allowed = ", ".join(KINDS + STAGES)
        raise ImpactModelError(f"{origin}:{_key_line(item, 'kind')}: element {name!r} has unknown kind "
                               f"{item.get('kind')!r}; use one of {allowed}")
    if kind == "stage":
        stage = str(stage or "").strip().lower()
        if stage not in STAGES:
            raise ImpactModelError(f"{origin}:{_key_line(item, 'stage')}: element {name!r} has unknown stage "
                                   f"{item.get('stage')!r}; use one of {', '.join(STAGES)}")
    elif stage is not None:
        raise ImpactModelError(f"{origin}:{_key_line(item, 'stage')}: element {name!r} is a {kind}; only "
                               "logic-model elements (kind: stage) take a 'stage'")
    exact = item.get("exact", False)
    if not isinstance(exact, bool):
        raise ImpactModelError(f"{origin}:{_key_line(item, 'exact')}: 'exact' of {name!r} must be true or false")
    codes = _codes(item, name, exact, origin)
    indicators = _indicators(item, name, origin)
    if not codes and not indicators:
        raise ImpactModelError(f"{origin}:{line}: element {name!r} has no codes and no indicators; add 'codes:' "
                               "(code paths) or 'indicators:' (questionnaire items)")
    links = item.get("links") or []
    links = _Seq([links]) if isinstance(links, str) else links
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise ImpactModelError(f"{origin}:{_key_line(item, 'links')}: 'links' of {name!r} must be a list of element names")
    link_lines = tuple(_line_of(links, i, _key_line(item, "links")) for i in range(len(links)))
    return Element(
        name=name, kind=kind, line=line, label=_text(item.get("label")), stage=stage if kind == "stage" else None,
        description=_text(item.get("description")), codes=codes, where=_where(item, "where", origin),
        indicators=indicators, links=tuple(str(x).strip() for x in links), link_lines=link_lines,
    )


def _codes(item: dict, name: str, exact: bool, origin: str) -> tuple[CodeRef, ...]:
    raw = item.get("codes")
    if raw is None:
        return ()
    key_line = _key_line(item, "codes")
    if isinstance(raw, str):
        return (CodeRef(raw.strip(), exact, key_line),)
    if not isinstance(raw, list):
        raise ImpactModelError(f"{origin}:{key_line}: 'codes' of {name!r} must be a list of code paths")
    out = []
    for i, entry in enumerate(raw):
        line = _line_of(raw, i, key_line)
        if isinstance(entry, str) and entry.strip():
            out.append(CodeRef(entry.strip(), exact, line))
        elif isinstance(entry, dict) and isinstance(entry.get("code"), str) and set(entry) <= {"code", "exact"}:
            this_exact = entry.get("exact", exact)
            if not isinstance(this_exact, bool):
                raise ImpactModelError(f"{origin}:{line}: 'exact' of code {entry['code']!r} must be true or false")
            out.append(CodeRef(entry["code"].strip(), this_exact, line))
        else:
            raise ImpactModelError(f"{origin}:{line}: code entry {entry!r} of {name!r} must be a code path or "
                                   "{code: PATH, exact: true}")
    return tuple(out)


def _indicators(item: dict, name: str, origin: str) -> tuple[Indicator, ...]:
    raw = item.get("indicators")
    if raw is None:
        return ()
    key_line = _key_line(item, "indicators")
    if not isinstance(raw, list):
        raise ImpactModelError(f"{origin}:{key_line}: 'indicators' of {name!r} must be a list")
    out = []
    for i, entry in enumerate(raw):
        line = _line_of(raw, i, key_line)
        if isinstance(entry, str):
            entry = {"question": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("question"), str):
            raise ImpactModelError(f"{origin}:{line}: indicator of {name!r} needs 'question:' (a questionnaire column)")
        _unknown_keys(entry, INDICATOR_KEYS, origin, f"an indicator of {name!r}")
        measure = entry.get("measure")
        if measure is not None and measure not in MEASURES:
            raise ImpactModelError(f"{origin}:{_key_line(entry, 'measure')}: indicator measure {measure!r} must be "
                                   f"one of {', '.join(MEASURES)}")
        levels = entry.get("levels") or []
        levels = [levels] if isinstance(levels, str) else levels
        if measure == "pct_levels" and not levels:
            raise ImpactModelError(f"{origin}:{line}: measure pct_levels needs 'levels:' (the answers to count)")
        at_least = entry.get("at_least")
        if measure == "pct_at_least" and (isinstance(at_least, bool) or not isinstance(at_least, (int, float))):
            raise ImpactModelError(f"{origin}:{line}: measure pct_at_least needs 'at_least:' (a number)")
        out.append(Indicator(
            name=_text(entry.get("name")) or entry["question"], question=entry["question"].strip(),
            measure=measure, line=line, levels=tuple(str(x) for x in levels),
            at_least=float(at_least) if at_least is not None else None, where=_where(entry, "where", origin),
        ))
    return tuple(out)


def _check_names(elements: Iterable[Element], origin: str) -> None:
    seen: dict[str, Element] = {}
    for el in elements:
        key = el.name.casefold()
        if key in seen:
            raise ImpactModelError(f"{origin}:{el.line}: duplicate element name {el.name!r} (also line "
                                   f"{seen[key].line}); give each element its own name")
        seen[key] = el


def _check_links(elements: tuple[Element, ...], origin: str) -> None:
    names = {el.name.casefold() for el in elements}
    for el in elements:
        for target, line in zip(el.links, el.link_lines):
            if target.casefold() not in names:
                raise ImpactModelError(f"{origin}:{line}: element {el.name!r} links to unknown element {target!r}; "
                                       f"elements: {', '.join(e.name for e in elements)}")
            if target.casefold() == el.name.casefold():
                raise ImpactModelError(f"{origin}:{line}: element {el.name!r} links to itself")


# ------------------------------------------------------------- checks against a project
def resolve_codes(model: ImpactModel, codebook: pd.DataFrame) -> dict[str, list[str]]:
    """Each element's code paths (children included unless ``exact``), in codebook order.

    Raises ``ImpactModelError`` naming the line of a code that is not in the codebook or
    whose name is ambiguous.
    """
    from qualcode.analysis._tree import code_table, expand

    table = code_table(None, codebook)
    out: dict[str, list[str]] = {}
    for el in model.elements:
        paths: list[str] = []
        for ref in el.codes:
            try:
                paths.extend(expand(table, ref.code, descendants=not ref.exact))
            except (NotFoundError, UsageError) as exc:
                reason = ("is ambiguous; give its full path" if isinstance(exc, UsageError)
                          else "is not in the codebook; check the path")
                raise ImpactModelError(f"{model.path}:{ref.line}: element {el.name!r}: code {ref.code!r} {reason} "
                                       "(codes: 'qualcode codebook show')") from None
        out[el.name] = list(dict.fromkeys(paths))
    return out


def check_model(model: ImpactModel, codebook: pd.DataFrame, questions: pd.DataFrame | None = None,
                descriptors: pd.DataFrame | None = None) -> ImpactModel:
    """Check the model against a project's frames; returns it with indicator measures filled in.

    Codes must be in the codebook; indicator questions must be questionnaire columns whose
    type suits the measure (not checked when ``questions`` is None); ``where`` fields must
    be descriptors or material fields.
    """
    resolve_codes(model, codebook)
    fields = set(MATERIAL_FIELDS) | (set(descriptors.columns) if descriptors is not None else set())
    _check_where(model.where, fields, model.path, 1, "the model")
    elements = []
    for el in model.elements:
        _check_where(el.where, fields, model.path, el.line, f"element {el.name!r}")
        elements.append(el)
    if questions is None:  # nothing to check indicators against (a model read without a project)
        return replace(model, elements=tuple(elements))
    q_by_column = {str(r["column"]): r for _, r in questions.iterrows()}
    answer_fields = fields | set(q_by_column) | {"questionnaire"}
    elements = [replace(el, indicators=tuple(_check_indicator(ind, el, q_by_column, answer_fields, model.path)
                                             for ind in el.indicators)) for el in elements]
    return replace(model, elements=tuple(elements))


def _check_where(where: Mapping[str, Any] | None, fields: set[str], path: Path, line: int, what: str) -> None:
    for field_name in where or {}:
        if field_name not in fields:
            raise ImpactModelError(f"{path}:{line}: {what} filters on {field_name!r}, which is neither a descriptor "
                                   f"nor one of {', '.join(sorted(MATERIAL_FIELDS))}")


def _check_indicator(ind: Indicator, el: Element, questions: dict[str, pd.Series], fields: set[str],
                     path: Path) -> Indicator:
    q = questions.get(ind.question)
    if q is None:
        known = ", ".join(c for c, r in questions.items() if r["type"] in ("scale", "rating", "number", "boolean"))
        raise ImpactModelError(f"{path}:{ind.line}: element {el.name!r}: question {ind.question!r} is not in the "
                               f"questionnaire; closed questions: {known or 'none (ingest a questionnaire first)'}")
    qtype = str(q["type"])
    default = {"scale": "pct_agree", "rating": "mean", "number": "mean", "boolean": "pct_yes"}.get(qtype)
    measure = ind.measure or default
    suits = {"pct_agree": {"scale"}, "pct_levels": {"scale", "category"}, "pct_yes": {"boolean"},
             "mean": {"rating", "number", "scale"}, "median": {"rating", "number", "scale"},
             "pct_at_least": {"rating", "number", "scale"}}
    if measure is None or qtype not in suits[measure]:
        raise ImpactModelError(f"{path}:{ind.line}: element {el.name!r}: question {ind.question!r} is a {qtype} "
                               f"question; measure {measure!r} needs a {' or '.join(sorted(suits.get(measure or '', {'scale'})))} "
                               "question")
    if ind.levels:
        levels = q.get("levels")
        known = [str(x).casefold() for x in (levels if isinstance(levels, (list, tuple)) else [])]
        bad = [lv for lv in ind.levels if known and lv.casefold() not in known]
        if bad:
            raise ImpactModelError(f"{path}:{ind.line}: element {el.name!r}: level {bad[0]!r} is not an answer to "
                                   f"{ind.question!r}; answers: {', '.join(map(str, levels))}")
    _check_where(ind.where, fields, path, ind.line, f"indicator {ind.name!r}")
    return replace(ind, measure=measure)
