"""An exchange project with every confirmed name replaced, for ``export qdpx --anonymise``.

Replacing "Sarah Jones" by "[Person 1]" changes the length of the text, so each
selection's positions are moved with the text (:meth:`Anonymiser.with_offsets`): a
coding still covers the same words in NVivo or ATLAS.ti. Names of sources, cases and
codes, notes, descriptions and text variable values are anonymised too. The anonymiser
is passed in (anything with ``text`` and ``with_offsets``), so this module needs nothing
above ``interop``.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from qualcode.interop.exchange import ExchangeProject


class TextAnonymiser(Protocol):
    def text(self, text: Any) -> Any: ...

    def with_offsets(self, text: str) -> tuple[str, Any]: ...


def anonymise_exchange(project: ExchangeProject, anonymiser: TextAnonymiser) -> ExchangeProject:
    """Anonymise ``project`` in place and return it."""
    fix = anonymiser.text
    by_source = defaultdict(list)
    for selection in project.selections:
        by_source[selection.source_guid].append(selection)
    offset_maps = {}
    for source in project.sources:
        source.name = fix(source.name)
        source.description = fix(source.description)
        if source.text is not None:
            source.text, offset_maps[source.guid] = anonymiser.with_offsets(source.text)
            for selection in by_source.get(source.guid, []):
                mapping = offset_maps[source.guid]
                selection.start, selection.end = mapping(selection.start), mapping(selection.end, is_end=True)
        _values(source.variable_values, fix)
    for selection in project.selections:
        selection.name = fix(selection.name)
        selection.description = fix(selection.description)
        if selection.quote is not None:
            selection.quote = fix(selection.quote)
    for note in project.notes:
        note.name, note.text, note.description = fix(note.name), fix(note.text), fix(note.description)
        if note.anchor is not None:
            mapping = next((offset_maps[t] for t in note.targets if t in offset_maps), None)
            if mapping is not None:
                note.anchor = (mapping(note.anchor[0]), mapping(note.anchor[1], is_end=True))
    for case in project.cases:
        case.name, case.description = fix(case.name), fix(case.description)
        _values(case.variable_values, fix)
    stack = list(project.codes)
    while stack:
        code = stack.pop()
        code.name, code.description = fix(code.name), fix(code.description)
        code.inclusion, code.exclusion, code.examples = fix(code.inclusion), fix(code.exclusion), fix(code.examples)
        stack.extend(code.children)
    for code_set in project.sets:
        code_set.name, code_set.description = fix(code_set.name), fix(code_set.description)
    project.name, project.description = fix(project.name), fix(project.description)
    return project


def _values(values: dict[str, Any], fix: Any) -> None:
    for key, value in list(values.items()):
        if isinstance(value, str):
            values[key] = fix(value)
