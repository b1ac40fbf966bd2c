"""Confirmed names -> stable pseudonyms, wherever text leaves the system.

One :class:`Anonymiser` is built from the project's confirmed entities; every export
(quotes, word counts, the report in all its formats, excerpt tables, disagreement lists,
impact quotes, REFI-QDA and csv exports of the text) passes its text through it, so a
name replaced in one output is replaced, by the same label, in all of them.

Matching: whole words, longest name first, any run of spaces inside a name, a
possessive kept ("Sarah's" -> "[Person 1]'s"). A name that is also an ordinary word
("Hope", "Bill", "Rose") is matched only as written with a capital (or in capitals), so
"I hope so" stays; every other name is matched in any case, as the redaction list
always did ("ANNA," and "anna").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualcode.privacy.candidates import normalise
from qualcode.privacy.name_scan import NameScanner

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.report.content import Report

KIND_LABELS = {"person": "Person", "organisation": "Organisation", "place": "Place", "email": "Email",
               "phone": "Phone", "postcode": "Postcode", "url": "Web address", "other": "Name"}
#: what a case name becomes when nobody confirmed it as an entity (the redaction list's old placeholder)
CASE_PLACEHOLDER = "[name]"


@dataclass(frozen=True)
class Variant:
    text: str
    match_case: bool = False


@dataclass
class Entity:
    """A confirmed person, organisation or place with every way it is written."""

    kind: str
    number: int
    variants: list[Variant] = field(default_factory=list)
    label: str | None = None  # the user's own pseudonym, else "[Person 4]"
    entity_id: int | None = None

    @property
    def pseudonym(self) -> str:
        return self.label or f"[{KIND_LABELS.get(self.kind, 'Name')} {self.number}]"


def pseudonym(kind: str, number: int, label: str | None = None) -> str:
    return label or f"[{KIND_LABELS.get(kind, 'Name')} {number}]"


def _words(text: str, upper: bool = False) -> str:
    return r"\s+".join(re.escape(w.upper() if upper else w) for w in text.split())



class Anonymiser:
    """Replace every variant of every confirmed entity (and every case name) by its pseudonym."""

    def __init__(self, entities: Sequence[Entity] = (), case_names: Iterable[object] = ()) -> None:
        self.entities = list(entities)
        self._labels: dict[str, str] = {}
        exact: dict[str, str] = {}  # alternative -> label, for case-sensitive names
        alternatives: list[str] = []
        for entity in self.entities:
            for variant in entity.variants:
                text = " ".join(variant.text.split())
                if not text:
                    continue
                if variant.match_case:
                    for form in (text, text.upper()):
                        exact[form] = entity.pseudonym
                        alternatives.append(_words(form))
                else:
                    self._labels.setdefault(normalise(text), entity.pseudonym)
                    alternatives.append(f"(?i:{_words(text)})")
        self._exact = {" ".join(k.split()): v for k, v in exact.items()}
        for name in case_names:
            if name is None or (isinstance(name, float) and pd.isna(name)) or not str(name).strip():
                continue
            text = " ".join(str(name).split())
            if normalise(text) not in self._labels:
                self._labels[normalise(text)] = CASE_PLACEHOLDER
                alternatives.append(f"(?i:{_words(text)})")
        ordered = sorted(set(alternatives), key=lambda a: len(a.replace("(?i:", "")), reverse=True)
        self._pattern = NameScanner(ordered) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _label(self, match: re.Match[str]) -> str:
        found = " ".join(match.group().split())
        return self._exact.get(found) or self._labels.get(normalise(found), CASE_PLACEHOLDER)

    # ---------------------------------------------------------------- text
    def text(self, text: Any) -> Any:
        """``text`` with every name replaced; anything not a string comes back as it was."""
        if self._pattern is None or not isinstance(text, str):
            return text
        return self._pattern.sub(self._label, text)

    def remove(self, text: Any) -> Any:
        """``text`` with every name blanked out (for counting words: a name is not a word)."""
        if self._pattern is None or not isinstance(text, str):
            return text
        return self._pattern.sub(" ", text)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, pseudonym) of every name in ``text``."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._label(m)) for m in self._pattern.finditer(text)]

    def found(self, text: str) -> list[str]:
        """The names in ``text`` as written there (for ``redact check``)."""
        if self._pattern is None:
            return []
        return [m.group() for m in self._pattern.finditer(text)]

    def series(self, values: pd.Series) -> pd.Series:
        if self._pattern is None:
            return values.copy()
        return values.map(self.text)

    def frame(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A copy with the text columns (or ``columns``), the column names and the index
        labels anonymised; numbers are left alone."""
        if self._pattern is None or frame is None:
            return frame
        out = frame.copy()
        for col in (columns if columns is not None else out.columns):
            series = out[col]
            if series.dtype == object or pd.api.types.is_string_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
                out[col] = series.astype(object).map(self.text)
        out.columns = _relabel(out.columns, self.text)
        out.index = _relabel(out.index, self.text)
        return out

    # ---------------------------------------------------------------- offsets
    def with_offsets(self, text: str) -> tuple[str, "OffsetMap"]:
        """The anonymised text and a map from offsets in ``text`` to offsets in it, so
        codings keep pointing at the same words (REFI-QDA exports)."""
        spans = self.spans(text)
        pieces, cuts, position, shift = [], [], 0, 0
        for start, end, label in spans:
            pieces.append(text[position:start])
            pieces.append(label)
            cuts.append((start, end, start + shift, start + shift + len(label)))
            shift += len(label) - (end - start)
            position = end
        pieces.append(text[position:])
        return "".join(pieces), OffsetMap(cuts)

    # ---------------------------------------------------------------- reports
    def report(self, report: "Report") -> "Report":
        """Anonymise a built report in place (title, texts, captions, tables, quotes)."""
        if self._pattern is None:
            return report
        report.title = self.text(report.title)
        report.subtitle = self.text(report.subtitle)
        for section in report.sections:
            section.title = self.text(section.title)
            section.text = self.text(section.text)
            for table in section.tables:
                table.frame = self.frame(table.frame)
                table.caption = self.text(table.caption)
                table.name = self.text(table.name)
                table.note = self.text(table.note)
                table.formats = {self.text(k): v for k, v in table.formats.items()}
                if isinstance(table.decimals, dict):
                    table.decimals = {self.text(k): v for k, v in table.decimals.items()}
            for figure in section.figures:
                figure.caption = self.text(figure.caption)
            for quote in section.quotes:
                quote.text = self.text(quote.text)
                quote.attribution = self.text(quote.attribution)
        return report


@dataclass
class OffsetMap:
    """Offsets of a text -> offsets of its anonymised version. An offset inside a
    replaced name moves to the start (or, for an end offset, the end) of its label."""

    cuts: list[tuple[int, int, int, int]]  # old start, old end, new start, new end

    def __call__(self, offset: int, *, is_end: bool = False) -> int:
        shift = 0
        for old_start, old_end, new_start, new_end in self.cuts:
            if offset <= old_start:
                break
            if offset < old_end or (is_end and offset == old_end):
                return new_end if is_end else new_start
            shift = new_end - old_end
        return offset + shift


def _relabel(index: pd.Index, fn: Any) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(fn(v) for v in t) for t in index], names=index.names)
    if index.dtype == object:
        return pd.Index([fn(v) for v in index], name=index.name)
    return index
