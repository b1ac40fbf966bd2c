"""Integrity of an :class:`ExchangeProject` before it reaches the store.

Readers check their own files as they read; this is the last gate before anything is
written, and the one that protects models built by hand in a notebook. Every reference
must resolve (no dangling GUID) and every selection must lie inside its source's text;
otherwise :class:`~qualcode.errors.ImportFormatError` says which element and what is wrong.
"""
from __future__ import annotations

from typing import Any

from qualcode.errors import ImportFormatError
from qualcode.interop.exchange import ExchangeProject


def validate(project: ExchangeProject, label: str) -> None:
    """Every reference resolves and every selection lies inside its source's text.

    Readers already check their own files; this is the last gate before the store, and
    the one that protects imports built by hand in a notebook.
    """
    def err(message: str) -> ImportFormatError:
        return ImportFormatError(f"{label}: {message}; the project was not changed")

    codes = project.codes_by_guid()
    sources = project.sources_by_guid()
    users = project.users_by_guid()
    notes = {n.guid for n in project.notes}
    selections = {s.guid for s in project.selections}
    codings = {c.guid for s in project.selections for c in s.codings if c.guid}
    variables = {v.guid for v in project.variables}
    cases = {c.guid for c in project.cases}
    sets = {s.guid for s in project.sets}
    everything = set(codes) | set(sources) | set(users) | notes | selections | codings | variables | cases | sets

    def refs(owner: str, guids: list[str], allowed: set[str] | dict[str, Any], what: str) -> None:
        for g in guids:
            if g not in allowed:
                raise err(f"{owner} refers to {what} {g}, which the file does not define (dangling GUID)")

    for sel in project.selections:
        source = sources.get(sel.source_guid)
        if source is None:
            raise err(f"selection {sel.guid} refers to source {sel.source_guid}, which the file does not define (dangling GUID)")
        if source.text is not None and not 0 <= sel.start <= sel.end <= len(source.text):
            raise err(f"selection {sel.guid} [{sel.start}, {sel.end}) lies outside source '{source.name}' ({len(source.text)} characters)")
        for coding in sel.codings:
            refs(f"a coding of selection {sel.guid}", [coding.code_guid], codes, "code")
            if coding.coder_guid is not None:
                refs(f"a coding of selection {sel.guid}", [coding.coder_guid], users, "user")
            refs(f"a coding of selection {sel.guid}", coding.note_guids, notes, "note")
        refs(f"selection {sel.guid}", sel.note_guids, notes, "note")
    for _, code in project.iter_codes():
        refs(f"code '{code.name}'", code.note_guids, notes, "note")
    for source in project.sources:
        refs(f"source '{source.name}'", source.note_guids, notes, "note")
        refs(f"source '{source.name}'", list(source.variable_values), variables, "variable")
    for case in project.cases:
        owner = f"case '{case.name}'"
        refs(owner, list(case.variable_values), variables, "variable")
        refs(owner, case.source_guids, sources, "source")
        refs(owner, case.selection_guids, selections, "selection")
        refs(owner, case.code_guids, codes, "code")
    for set_ in project.sets:
        owner = f"set '{set_.name}'"
        refs(owner, set_.code_guids, codes, "code")
        refs(owner, set_.source_guids, sources, "source")
        refs(owner, set_.note_guids, notes, "note")
    for note in project.notes:
        refs(f"note '{note.name or note.guid}'", note.targets, everything, "element")
    refs("the project", project.project_note_guids, notes, "note")
