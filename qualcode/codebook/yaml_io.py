"""Codebooks as YAML: read with line numbers, validate, write back.

Two shapes are accepted, because researchers write both: nested codes under
``children:``, and flat lists where each code names its ``parent:`` path. Flat lists are
where cycles and unknown parents come from, so validation reports the line of each
offending code. Writing always produces the nested shape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualcode.codebook.rules import RULE_KEYS, validate_rules
from qualcode.errors import CodebookError
from qualcode.yaml_files import read_yaml_file
from qualcode.untrusted import BoundedSafeLoader

CODE_KEYS = {
    "name", "description", "inclusion", "exclusion", "examples", "colour", "color", "weight",
    "rules", "children", "parent", "memo",
}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class CodeSpec:
    """One code as written in a codebook file."""

    path: str
    name: str
    line: int
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: list[str] = field(default_factory=list)
    colour: str = ""
    weight_min: int | None = None
    weight_max: int | None = None
    rules: dict[str, Any] = field(default_factory=dict)
    position: int = 0

    def attributes(self) -> dict[str, Any]:
        """The stored attributes, as ``store.codes.ensure_path`` takes them."""
        return {
            "description": self.description,
            "inclusion": self.inclusion,
            "exclusion": self.exclusion,
            "examples": self.examples or None,
            "colour": self.colour,
            "weight_min": self.weight_min,
            "weight_max": self.weight_max,
            "rules": self.rules or None,
            "position": self.position,
        }


@dataclass
class CodebookSpec:
    name: str
    description: str
    codes: list[CodeSpec]  # parents always before their children


class _LineLoader(BoundedSafeLoader):
    """A safe loader (nesting and aliases bounded) that remembers the line of every mapping (1-based)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_codebook(path: str | Path) -> CodebookSpec:
    """Parse and validate a YAML codebook; raises ``CodebookError`` naming file and line."""
    path = Path(path)
    data = read_yaml_file(path, _LineLoader, CodebookError, "a codebook")
    return parse_codebook(data, str(path))


def parse_codebook(data: Any, origin: str = "<codebook>") -> CodebookSpec:
    if isinstance(data, list):
        data = {"codes": data, "__line__": 1}
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise CodebookError(f"{origin}: expected a mapping with a 'codes:' list; see codebooks/README.md")
    specs: list[CodeSpec] = []
    flat: list[tuple[dict[str, Any], str | None]] = []
    _walk(data["codes"], None, origin, specs, flat)
    if flat:
        specs.extend(_resolve_flat(flat, specs, origin))
    _check_duplicates(specs, origin)
    return CodebookSpec(name=str(data.get("codebook", "") or ""), description=str(data.get("description", "") or ""), codes=specs)


def _walk(items: list[Any], parent: str | None, origin: str, out: list[CodeSpec],
          flat: list[tuple[dict[str, Any], str | None]]) -> None:
    for position, item in enumerate(items):
        if isinstance(item, str):
            item = {"name": item, "__line__": 0}
        if not isinstance(item, dict):
            raise CodebookError(f"{origin}: a code must be a mapping with 'name:' (got {item!r})")
        line = item.get("__line__", 0)
        if "parent" in item and parent is None and item.get("parent"):
            flat.append((item, None))
            continue
        spec = _spec(item, parent, position, origin)
        out.append(spec)
        children = item.get("children") or []
        if not isinstance(children, list):
            raise CodebookError(f"{origin}:{line}: 'children' of {spec.path!r} must be a list")
        _walk(children, spec.path, origin, out, flat)


def _spec(item: dict[str, Any], parent: str | None, position: int, origin: str) -> CodeSpec:
    line = item.get("__line__", 0)
    unknown = set(item) - CODE_KEYS - {"__line__"}
    if unknown:
        raise CodebookError(
            f"{origin}:{line}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CODE_KEYS - {'color'}))}"
        )
    name = item.get("name")
    if not isinstance(name, (str, int, float)) or not str(name).strip():
        raise CodebookError(f"{origin}:{line}: a code without a name; add 'name: ...'")
    name = str(name).strip()
    if "/" in name:
        raise CodebookError(f"{origin}:{line}: code name {name!r} contains '/'; nest it under 'children:' instead")
    colour = str(item.get("colour", item.get("color", "")) or "")
    if colour and not COLOUR.match(colour):
        raise CodebookError(f"{origin}:{line}: colour {colour!r} of {name!r} must look like \"#1b9e77\"")
    weight_min = weight_max = None
    weight = item.get("weight")
    if weight is not None:
        if not isinstance(weight, dict) or not {"min", "max"} <= set(weight):
            raise CodebookError(f"{origin}:{line}: weight of {name!r} must be {{min: 1, max: 10}}")
        weight_min, weight_max = int(weight["min"]), int(weight["max"])
        if not 0 <= weight_min < weight_max <= 100:
            raise CodebookError(f"{origin}:{line}: weight range {weight_min}..{weight_max} of {name!r} is not increasing")
    examples = item.get("examples") or []
    if isinstance(examples, str):
        examples = [examples]
    rules = item.get("rules") or {}
    if rules:
        if not isinstance(rules, dict):
            raise CodebookError(f"{origin}:{line}: 'rules' of {name!r} must be a mapping with keys {', '.join(RULE_KEYS)}")
        rules = {k: v for k, v in rules.items() if k != "__line__"}
        problem = validate_rules(rules)
        if problem:
            raise CodebookError(f"{origin}:{rules_line(item, line)}: rules of {name!r}: {problem}")
    path = f"{parent}/{name}" if parent else name
    return CodeSpec(
        path=path,
        name=name,
        line=line,
        description=_text(item.get("description")),
        inclusion=_text(item.get("inclusion")),
        exclusion=_text(item.get("exclusion")),
        examples=[str(e) for e in examples],
        colour=colour.lower(),
        weight_min=weight_min,
        weight_max=weight_max,
        rules=rules,
        position=position,
    )


def rules_line(item: dict[str, Any], default: int) -> int:
    rules = item.get("rules")
    return rules.get("__line__", default) if isinstance(rules, dict) else default


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _resolve_flat(flat: list[tuple[dict[str, Any], str | None]], nested: list[CodeSpec], origin: str) -> list[CodeSpec]:
    """Order flat entries so parents come first; report unknown parents and cycles."""
    by_name: dict[str, dict[str, Any]] = {}
    for item, _ in flat:
        name = str(item.get("name", "")).strip()
        if name in by_name:
            raise CodebookError(
                f"{origin}:{item.get('__line__', 0)}: duplicate code name {name!r} (also line {by_name[name].get('__line__', 0)})"
            )
        by_name[name] = item
    known_paths = {s.path for s in nested}
    resolved: dict[str, str] = {}

    def path_of(name: str, trail: list[str]) -> str:
        if name in resolved:
            return resolved[name]
        item = by_name[name]
        parent = str(item.get("parent") or "").strip()
        if name in trail:
            cycle = " -> ".join(trail[trail.index(name):] + [name])
            raise CodebookError(f"{origin}:{item.get('__line__', 0)}: the codes form a cycle: {cycle}; fix their 'parent:'")
        if not parent:
            result = name
        elif parent in known_paths:
            result = f"{parent}/{name}"
        elif parent.split("/")[-1] in by_name:
            result = f"{path_of(parent.split('/')[-1], trail + [name])}/{name}"
        else:
            raise CodebookError(
                f"{origin}:{item.get('__line__', 0)}: code {name!r} has an unknown parent {parent!r}; define it first"
            )
        resolved[name] = result
        return result

    out: list[CodeSpec] = []
    for position, (item, _) in enumerate(flat):
        name = str(item.get("name", "")).strip()
        full = path_of(name, [])
        parent_path = full.rsplit("/", 1)[0] if "/" in full else None
        out.append(_spec({k: v for k, v in item.items() if k != "parent"}, parent_path, position, origin))
    out.sort(key=lambda s: s.path.count("/"))
    return out


def _check_duplicates(specs: list[CodeSpec], origin: str) -> None:
    seen: dict[str, CodeSpec] = {}
    for spec in specs:
        key = spec.path.casefold()
        if key in seen:
            raise CodebookError(
                f"{origin}:{spec.line}: duplicate code {spec.path!r} (also line {seen[key].line}); rename or merge them"
            )
        seen[key] = spec


def write_codebook(path: str | Path, codes: list[dict[str, Any]], name: str = "", description: str = "") -> Path:
    """Write codes (dicts with ``path`` and attributes, parents first) as nested YAML."""
    path = Path(path)
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for code in codes:
        node: dict[str, Any] = {"name": code["path"].rsplit("/", 1)[-1]}
        for key in ("description", "inclusion", "exclusion"):
            if code.get(key):
                node[key] = code[key]
        if code.get("examples"):
            node["examples"] = list(code["examples"])
        if code.get("colour"):
            node["colour"] = code["colour"]
        if code.get("weight_min") is not None and code.get("weight_max") is not None:
            node["weight"] = {"min": int(code["weight_min"]), "max": int(code["weight_max"])}
        if code.get("rules"):
            node["rules"] = dict(code["rules"])
        nodes[code["path"]] = node
        parent = code["path"].rsplit("/", 1)[0] if "/" in code["path"] else None
        if parent is None:
            roots.append(node)
        else:
            nodes[parent].setdefault("children", []).append(node)
    document = {"codebook": name or path.stem, "description": description, "codes": roots}
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return path
