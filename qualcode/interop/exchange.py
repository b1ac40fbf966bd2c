"""The exchange model: one tool-neutral picture of a project moving in or out of qualcode.

Every importer (REFI-QDA ``.qdpx``/``.qdc``, QualCoder, Dedoose, CSV/XLSX codebooks)
returns an :class:`ExchangeProject`, and the REFI-QDA writer takes one. The model sits
between the file formats and the store so that each format is tested on its own with tiny
files, and so that :class:`qualcode.Project` has a single mapping to maintain
(exchange -> store on import, store -> exchange on export).

Conventions
-----------
* GUIDs are lower-case, without braces (``normalise_guid``); readers normalise what
  they read, so ATLAS.ti's upper-case GUIDs and QualCoder's lower-case ones compare equal.
* ``ExSource.text`` is qualcode's *normalised* text (NFC, ``\\n`` line ends, no BOM) or
  ``None`` when the file did not carry the text (ATLAS.ti sample, Dedoose without media).
* ``ExCode.name`` is the tool's name as written, ``/`` included; the project stores a
  ``/`` inside a name as U+2215 DIVISION SLASH (``/`` separates qualcode path levels)
  and the export writes ``/`` back (:mod:`qualcode.interop.to_store`).
* ``ExSelection.start``/``end`` are code points into that normalised text, ``[start, end)``.
  Readers map the tool's raw positions (which count CR and BOM characters) through
  :mod:`qualcode.interop.refi_offsets`. When the source has no text the positions are the
  tool's raw positions and ``quote`` holds whatever excerpt text the file carried.

REFI-QDA (Project.xsd 1.0) elements: kept and dropped
------------------------------------------------------
Kept:
  ``User`` (guid, name, id), ``Code`` tree (guid, name, color, isCodable, Description),
  ``TextSource`` (inline ``PlainTextContent`` or ``plainTextPath`` into ``sources/``;
  docx sources through their plain-text representation), the ``Representation`` of a
  ``PDFSource`` (its plain text, kind ``pdf``), ``PlainTextSelection`` with ``Coding``/
  ``CodeRef`` and coder, creation and modification info, ``Description`` of sources and
  selections, ``Coding`` placed directly on a text source (kept as a selection over the
  whole text), ``Note`` (inline or by path) with every ``NoteRef`` pointing at it and
  note-origin ``Link`` s (memo attached to a quotation), ``Case`` (Description,
  ``VariableValue``, ``SourceRef``, ``SelectionRef``, ``CodeRef``), ``Variable`` (typed),
  ``VariableValue`` on sources, ``Set`` (``MemberCode``/``MemberSource``/``MemberNote``),
  project name, origin and description.
Dropped (counted in ``ExchangeProject.skipped``):
  ``PictureSource``/``AudioSource``/``VideoSource`` and their selections and transcripts
  (qualcode stores text only; a media transcript is normally also exported as a
  ``TextSource``, as in the ATLAS.ti sample), ``PDFSelection`` (page rectangles; a PDF
  selection that also has a text selection in the representation is kept through that),
  ``SyncPoint``/``TranscriptSelection`` (timing), ``Graph`` (network drawings, layout only),
  ``Link`` s that do not start at a note (code-to-code relations have no qualcode concept
  yet), ``richTextPath`` formatting (qualcode keeps plain text; positions refer to the plain
  text), ``modifyingUser`` of sources and selections (the modification time is kept).
Not representable in REFI-QDA on export (the writer leaves them out):
  coding weights (Dedoose), code inclusion / exclusion / examples (fold them into the
  description if they must travel), application status, origin and confidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterator, Literal

VariableType = Literal["category", "number", "date", "text", "boolean"]
VariableValue = str | float | int | bool | date | datetime | None

_GUID_BRACES = "{}"


def normalise_guid(value: str) -> str:
    """Lower-case GUID without braces, so GUIDs from different tools compare equal."""
    return value.strip().strip(_GUID_BRACES).lower()


_GUID = re.compile(r"\s*(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
                   r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s*")


def is_guid(value: str) -> bool:
    """True when ``value`` is a GUID as REFI-QDA's GUIDType spells it (braces optional)."""
    return _GUID.fullmatch(value) is not None


@dataclass(slots=True)
class ExUser:
    """A person (or engine) who created codings, selections or sources."""

    guid: str
    name: str
    id: str | None = None  # REFI ``User/@id``: a short label some tools show (NVivo initials)


@dataclass(slots=True)
class ExCode:
    """A node of the codebook tree. ``is_codable`` is False for QualCoder categories and
    other pure folders. ``weight_min``/``weight_max`` come from Dedoose weighted codes."""

    guid: str
    name: str
    colour: str | None = None  # "#rrggbb"
    description: str = ""
    is_codable: bool = True
    children: list[ExCode] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)
    inclusion: str = ""
    exclusion: str = ""
    examples: str = ""
    weight_min: float | None = None
    weight_max: float | None = None


@dataclass(slots=True)
class ExCoding:
    """One code applied to a selection by one coder (qualcode: an application)."""

    code_guid: str
    coder_guid: str | None = None
    guid: str | None = None
    created: datetime | None = None
    weight: float | None = None
    note_guids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExSelection:
    """A span ``[start, end)`` of a source's normalised text with its codings."""

    guid: str
    source_guid: str
    start: int
    end: int
    codings: list[ExCoding] = field(default_factory=list)
    creator_guid: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    name: str = ""  # REFI ``name``: often the first words of the quote
    description: str = ""
    note_guids: list[str] = field(default_factory=list)
    quote: str | None = None  # the tool's own copy of the text, when it carried one


@dataclass(slots=True)
class ExSource:
    """One document. ``text`` is normalised (NFC, ``\\n``, no BOM) or None when absent."""

    guid: str
    name: str
    text: str | None
    kind: str = "text"  # "text", "docx", "pdf", ... : what the tool said it was
    origin_path: str = ""  # the path the tool recorded (plainTextPath / richTextPath / mediapath)
    creator_guid: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    description: str = ""
    variable_values: dict[str, VariableValue] = field(default_factory=dict)  # variable guid -> value
    note_guids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExNote:
    """A memo. ``targets`` are the GUIDs of what it is attached to (project notes: none).
    ``anchor`` is an optional ``(start, end)`` span in the first target source's text
    (QualCoder annotations)."""

    guid: str
    name: str
    text: str
    targets: list[str] = field(default_factory=list)
    creator_guid: str | None = None
    created: datetime | None = None
    description: str = ""
    anchor: tuple[int, int] | None = None


@dataclass(slots=True)
class ExVariable:
    """A typed attribute of cases or sources; ``type`` is qualcode's descriptor type and
    ``refi_type`` the REFI ``typeOfVariable`` it came from (kept for a faithful export)."""

    guid: str
    name: str
    type: VariableType
    refi_type: str | None = None
    description: str = ""
    applies_to: Literal["case", "source"] = "case"


@dataclass(slots=True)
class ExCase:
    """A participant or organisation: descriptor values and the sources it owns."""

    guid: str
    name: str
    description: str = ""
    variable_values: dict[str, VariableValue] = field(default_factory=dict)  # variable guid -> value
    source_guids: list[str] = field(default_factory=list)
    selection_guids: list[str] = field(default_factory=list)
    code_guids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExSet:
    """A named group of codes, sources and notes (REFI ``Set``)."""

    guid: str
    name: str
    description: str = ""
    code_guids: list[str] = field(default_factory=list)
    source_guids: list[str] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExchangeProject:
    """Everything one exchange file carries, in qualcode's terms.

    ``skipped`` counts elements the reader met but qualcode does not keep (see the module
    docstring for the reasons); ``warnings`` are one-line notes for the user (text that
    could not be verified, positions snapped to a character boundary...). ``unmatched``
    lists excerpts a reader could not place in their source (Dedoose), one dict each.
    """

    name: str = ""
    origin: str = ""
    description: str = ""
    users: list[ExUser] = field(default_factory=list)
    codes: list[ExCode] = field(default_factory=list)  # roots of the tree
    sources: list[ExSource] = field(default_factory=list)
    selections: list[ExSelection] = field(default_factory=list)
    notes: list[ExNote] = field(default_factory=list)
    cases: list[ExCase] = field(default_factory=list)
    variables: list[ExVariable] = field(default_factory=list)
    sets: list[ExSet] = field(default_factory=list)
    project_note_guids: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unmatched: list[dict[str, object]] = field(default_factory=list)
    #: How the reader counted each source's positions and on what evidence (REFI-QDA):
    #: one dict per source with text (see ``_Reader.place_selections``).
    positions: list[dict[str, object]] = field(default_factory=list)

    # ----- navigation -------------------------------------------------------------
    def iter_codes(self) -> Iterator[tuple[tuple[str, ...], ExCode]]:
        """Depth-first ``(path, code)`` pairs; ``path`` is the tuple of names root..code."""
        return iter_code_tree(self.codes)

    def code_paths(self) -> dict[str, tuple[str, ...]]:
        """Code GUID -> tuple of names from the root (the qualcode path, unjoined)."""
        return {code.guid: path for path, code in self.iter_codes()}

    def codes_by_guid(self) -> dict[str, ExCode]:
        return {code.guid: code for _, code in self.iter_codes()}

    def sources_by_guid(self) -> dict[str, ExSource]:
        return {source.guid: source for source in self.sources}

    def users_by_guid(self) -> dict[str, ExUser]:
        return {user.guid: user for user in self.users}

    def selection_text(self, selection: ExSelection) -> str | None:
        """The selection's text in its source's normalised text (None without text)."""
        source = self.sources_by_guid().get(selection.source_guid)
        if source is None or source.text is None:
            return selection.quote
        return source.text[selection.start:selection.end]

    def selection_texts(self) -> dict[str, str | None]:
        """Selection GUID -> its text, for all selections at once (one source lookup)."""
        sources = self.sources_by_guid()
        out: dict[str, str | None] = {}
        for sel in self.selections:
            source = sources.get(sel.source_guid)
            text = source.text if source is not None else None
            out[sel.guid] = sel.quote if text is None else text[sel.start:sel.end]
        return out

    def counts(self) -> dict[str, int]:
        """How many of each thing the project holds (for reports and tests)."""
        return {
            "users": len(self.users),
            "codes": sum(1 for _ in self.iter_codes()),
            "sources": len(self.sources),
            "sources_with_text": sum(1 for s in self.sources if s.text is not None),
            "selections": len(self.selections),
            "codings": sum(len(s.codings) for s in self.selections),
            "notes": len(self.notes),
            "cases": len(self.cases),
            "variables": len(self.variables),
            "sets": len(self.sets),
        }

    def skip(self, what: str, n: int = 1) -> None:
        """Count an element the reader met but does not keep."""
        self.skipped[what] = self.skipped.get(what, 0) + n


def iter_code_tree(codes: list[ExCode], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], ExCode]]:
    """Depth-first walk of a code forest, yielding ``(path, code)``."""
    for code in codes:
        path = prefix + (code.name,)
        yield path, code
        yield from iter_code_tree(code.children, path)
