"""Read REFI-QDA projects (``.qdpx``, or a bare ``project.qde``) and codebooks (``.qdc``).

The reader is pure: a file goes in, an :class:`~qualcode.interop.exchange.ExchangeProject`
comes out. It follows Project.xsd / Codebook.xsd 1.0 but matches elements by local name,
because real exports disagree on details the schema fixes (``Project.qde`` vs
``project.qde``, ``Sources/`` vs ``sources/``, upper- vs lower-case GUIDs, plain
``plainTextPath="file.txt"`` from QualCoder instead of ``internal://file.txt``).

Positions: every text is normalised (NFC, ``\\n``, no BOM) and every selection mapped
through :mod:`qualcode.interop.refi_offsets`, so ``text[start:end]`` of an imported
selection is the normalised form of what the tool selected. A selection outside its raw
text, a reference to a GUID the file does not define, bad XML or a missing
``project.qde`` are :class:`~qualcode.errors.ImportFormatError` s naming the file and
the element or GUID. What qualcode does not keep is counted in ``skipped`` (see
:mod:`qualcode.interop.exchange` for the list and the reasons).
"""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Literal

from lxml import etree

from qualcode.errors import ImportFormatError
from qualcode.ingest.office import docx_paragraph_text
from qualcode.interop.exchange import (
    ExCase,
    ExchangeProject,
    ExCode,
    ExCoding,
    ExNote,
    ExSelection,
    ExSet,
    ExSource,
    ExUser,
    ExVariable,
    VariableType,
    VariableValue,
    is_guid,
    normalise_guid,
)
from qualcode.interop.refi_offsets import normalise_with_map
from qualcode.interop.refi_positions import (
    PositionsChoice,
    RawSelection,
    SourcePositions,
    decide,
    evaluate,
    parse_positions,
    runner_up,
)
from qualcode.interop.refi_safety import (
    SAFE_PARSER_OPTIONS,
    ArchiveLimits,
    SafeArchive,
    check_no_doctype,
    check_no_dtd,
    parse_xml,
)

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"

#: ``"auto"`` (decided from the data) or parts of a convention, e.g. ``"utf16:nobom:crlf2"``
#: (see :mod:`qualcode.interop.refi_positions`).
Positions = str

# REFI typeOfVariable -> qualcode descriptor type. Text becomes "category": REFI tools use
# text variables for attributes such as gender or role; the writer maps it back to Text.
REFI_TO_DESCRIPTOR: dict[str, VariableType] = {
    "Text": "category",
    "Boolean": "boolean",
    "Integer": "number",
    "Float": "number",
    "Date": "date",
    "DateTime": "date",
}
_MEDIA_SOURCES = {"PictureSource", "AudioSource", "VideoSource"}


def _local(el: etree._Element) -> str:
    """Local name of an element ("" for comments); cheaper than etree.QName in hot loops."""
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _kids(el: etree._Element, name: str) -> list[etree._Element]:
    """Children named ``name`` in any namespace (or none), matched in C by lxml."""
    return list(el.iterchildren(f"{{*}}{name}"))


def _kid(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _kid_text(el: etree._Element, name: str) -> str:
    child = _kid(el, name)
    return (child.text or "") if child is not None else ""


def decode_text_bytes(data: bytes, where: str, warnings: list[str]) -> str:
    """Decode a source file: UTF-8 (REFI's rule, BOM kept as a character so positions
    count it), UTF-16 when it starts with a UTF-16 BOM, else Windows-1252 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        warnings.append(f"{where}: text is UTF-16, not UTF-8 as REFI-QDA requires; decoded as UTF-16")
        return "\ufeff" + data.decode("utf-16")  # the codec eats the BOM; positions count it
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        warnings.append(f"{where}: text is not valid UTF-8; decoded as Windows-1252, check accented characters")
        return data.decode("cp1252", errors="replace")


def _docx_plain_text(data: bytes, where: str) -> str:
    """Paragraph texts of a .docx, one per line: a last resort when a tool shipped the
    rich text but not its plain-text representation. The inner .docx gets the same
    limits as one ingested on its own (a small .qdpx can carry a huge document)."""
    return docx_paragraph_text(data, where, ImportFormatError)


class _Reader:
    """State for one project.qde: the result, GUID registries and deferred references."""

    def __init__(
        self,
        label: str,
        archive: SafeArchive | None,
        positions: Positions,
    ) -> None:
        self.label = label
        self.archive = archive
        self.choice: PositionsChoice = parse_positions(positions)
        # Sources with text whose selections wait for the file's position convention.
        self.pending: list[tuple[SourcePositions, ExSource, list[ExSelection]]] = []
        self.project = ExchangeProject()
        self.kinds: dict[str, str] = {}  # guid -> element kind, for everything kept
        self.dropped: set[str] = set()  # guids of elements met but not kept
        self.note_refs: list[tuple[str, str | None, str]] = []  # (note guid, owner guid or None=project, owner label)

    # ----- helpers -------------------------------------------------------------------
    def err(self, message: str) -> ImportFormatError:
        return ImportFormatError(f"{self.label}: {message}")

    def guid(self, el: etree._Element, attr: str = "guid") -> str:
        """A required GUID attribute, normalised."""
        guid = self.maybe_guid(el, attr)
        if guid is None:
            raise self.err(f"<{_local(el)}> at line {el.sourceline} has no {attr}")
        return guid

    def maybe_guid(self, el: etree._Element, attr: str) -> str | None:
        """An optional GUID attribute, normalised; a malformed one is still an error."""
        raw = el.get(attr)
        if raw is None or not raw.strip():
            return None
        if not is_guid(raw):
            raise self.err(f"<{_local(el)}> at line {el.sourceline}: {attr}={raw!r} is not a GUID")
        return normalise_guid(raw)

    def register(self, guid: str, kind: str, el: etree._Element) -> None:
        if guid in self.kinds:
            raise self.err(f"GUID {guid} is used twice (<{self.kinds[guid]}> and <{_local(el)}> at line {el.sourceline})")
        self.kinds[guid] = kind

    def drop_tree(self, el: etree._Element, what: str) -> None:
        """Count a dropped element and remember every GUID inside it."""
        self.project.skip(what)
        for sub in el.iter():
            g = sub.get("guid") if isinstance(sub.tag, str) else None
            if g and is_guid(g):
                self.dropped.add(normalise_guid(g))
            if _local(sub) == "Coding" and sub is not el:
                self.project.skip(f"Coding on {what}")

    def when(self, el: etree._Element, attr: str) -> datetime | None:
        raw = el.get(attr)
        if not raw:
            return None
        try:
            return datetime.fromisoformat(raw.strip())
        except ValueError:
            self.project.warnings.append(f"{self.label}: <{_local(el)}> {attr}={raw!r} is not a date-time; ignored")
            return None

    def user_ref(self, el: etree._Element, attr: str) -> str | None:
        guid = self.maybe_guid(el, attr)
        if guid is not None and self.kinds.get(guid) != "User":
            # Harmless but worth knowing: keep the coder under a placeholder name.
            self.project.users.append(ExUser(guid=guid, name=guid))
            self.kinds[guid] = "User"
            self.project.warnings.append(f"{self.label}: user {guid} is not in <Users>; kept with the GUID as name")
        return guid

    def collect_note_refs(self, el: etree._Element, owner: str | None, owner_label: str) -> list[str]:
        refs = []
        for ref in _kids(el, "NoteRef"):
            target = self.guid(ref, "targetGUID")
            refs.append(target)
            self.note_refs.append((target, owner, owner_label))
        return refs

    # ----- text ------------------------------------------------------------------------
    def resolve(self, path_attr: str) -> tuple[str | None, str]:
        """Archive member for ``internal://`` (or bare relative) paths, else None and why."""
        value = path_attr.strip()
        if value.startswith("internal://"):
            rel = value[len("internal://"):]
        elif "://" in value or value.startswith(("/", "\\")):
            return None, f"points outside the archive ({value})"
        else:
            rel = value
        rel = rel.lstrip("/")
        if self.archive is None:
            return None, f"is in {rel}, which a bare .qde cannot hold"
        member = self.archive.find(f"sources/{rel}") or self.archive.find(rel)
        if member is None:
            return None, f"file sources/{rel} is not in the archive"
        return member, ""

    def raw_text(self, el: etree._Element, owner: str) -> str | None:
        """The raw (un-normalised) plain text of a TextSourceType element, or None."""
        inline = _kid(el, "PlainTextContent")
        if inline is not None:
            return inline.text or ""
        path = el.get("plainTextPath")
        rich = el.get("richTextPath")
        why = "has neither PlainTextContent nor plainTextPath"
        if path:
            member, why = self.resolve(path)
            if member is not None:
                return decode_text_bytes(self.archive.read(member), f"{self.label}:{member}", self.project.warnings)  # type: ignore[union-attr]
        if rich and rich.lower().endswith(".docx"):
            member, _ = self.resolve(rich)
            if member is not None:
                self.project.warnings.append(
                    f"{self.label}: {owner} has no plain text; took the text of {rich}, so positions may not match"
                )
                return _docx_plain_text(self.archive.read(member), f"{self.label}:{member}")  # type: ignore[union-attr]
        if _local(el) != "Note":
            self.project.warnings.append(f"{self.label}: {owner} {why}; imported without text")
        return None

    # ----- elements --------------------------------------------------------------------
    def read_users(self, root: etree._Element) -> None:
        users = _kid(root, "Users")
        for el in _kids(users, "User") if users is not None else []:
            guid = self.guid(el)
            self.register(guid, "User", el)
            self.project.users.append(ExUser(guid=guid, name=el.get("name") or el.get("id") or guid, id=el.get("id")))

    def read_code(self, el: etree._Element) -> ExCode:
        guid = self.guid(el)
        self.register(guid, "Code", el)
        name = el.get("name")
        if name is None:
            raise self.err(f"<Code> {guid} has no name")
        colour = el.get("color")
        code = ExCode(
            guid=guid,
            name=name,
            colour=colour.lower() if colour else None,
            description=_kid_text(el, "Description"),
            is_codable=(el.get("isCodable", "true").strip().lower() in ("true", "1")),
        )
        code.note_guids = self.collect_note_refs(el, guid, f"code '{name}'")
        code.children = [self.read_code(child) for child in _kids(el, "Code")]
        return code

    def read_codes(self, codes_parent: etree._Element | None) -> list[ExCode]:
        if codes_parent is None:
            return []
        codes = _kid(codes_parent, "Codes")
        return [self.read_code(el) for el in _kids(codes, "Code")] if codes is not None else []

    def read_variables(self, root: etree._Element) -> None:
        variables = _kid(root, "Variables")
        for el in _kids(variables, "Variable") if variables is not None else []:
            guid = self.guid(el)
            self.register(guid, "Variable", el)
            refi_type = el.get("typeOfVariable", "Text")
            if refi_type not in REFI_TO_DESCRIPTOR:
                raise self.err(f"<Variable> {guid} has typeOfVariable={refi_type!r}; expected one of {', '.join(REFI_TO_DESCRIPTOR)}")
            self.project.variables.append(
                ExVariable(
                    guid=guid,
                    name=el.get("name") or guid,
                    type=REFI_TO_DESCRIPTOR[refi_type],
                    refi_type=refi_type,
                    description=_kid_text(el, "Description"),
                )
            )

    def variable_values(self, el: etree._Element, owner: str) -> dict[str, VariableValue]:
        values: dict[str, VariableValue] = {}
        for vv in _kids(el, "VariableValue"):
            ref = _kid(vv, "VariableRef")
            if ref is None:
                raise self.err(f"<VariableValue> of {owner} at line {vv.sourceline} has no <VariableRef>")
            var = self.guid(ref, "targetGUID")
            if self.kinds.get(var) != "Variable":
                raise self.err(f"{owner} has a value for variable {var}, which is not in <Variables>")
            values[var] = self.typed_value(vv, owner)
        return values

    def typed_value(self, vv: etree._Element, owner: str) -> VariableValue:
        for child in vv:
            kind = _local(child)
            if kind == "VariableRef":
                continue
            raw = (child.text or "").strip()
            try:
                if kind == "TextValue":
                    return child.text or ""
                if kind == "BooleanValue":
                    return raw.lower() in ("true", "1")
                if kind == "IntegerValue":
                    return int(raw)
                if kind == "FloatValue":
                    return float(Decimal(raw))
                if kind == "DateValue":
                    return date.fromisoformat(raw[:10])
                if kind == "DateTimeValue":
                    return datetime.fromisoformat(raw)
            except (ValueError, InvalidOperation):
                raise self.err(f"{owner}: <{kind}> {raw!r} at line {child.sourceline} is not a valid value") from None
        return None

    def read_codings(self, el: etree._Element, owner: str) -> list[ExCoding]:
        codings = []
        for c in _kids(el, "Coding"):
            guid = self.maybe_guid(c, "guid")
            ref = _kid(c, "CodeRef")
            if ref is None:
                raise self.err(f"<Coding> {guid} in {owner} has no <CodeRef>")
            code = self.guid(ref, "targetGUID")
            if self.kinds.get(code) != "Code":
                raise self.err(f"<Coding> {guid} in {owner} refers to code {code}, which is not in the codebook")
            if guid:
                self.register(guid, "Coding", c)
            coding = ExCoding(code_guid=code, coder_guid=self.user_ref(c, "creatingUser"), guid=guid, created=self.when(c, "creationDateTime"))
            coding.note_guids = self.collect_note_refs(c, guid, f"coding {guid}")
            codings.append(coding)
        return codings

    def read_text_source(self, el: etree._Element, guid: str, name: str, kind: str) -> None:
        """A TextSource, or the Representation of a PDFSource (under the PDF's GUID).

        Selections keep the file's raw positions until the whole file is read: which way
        the file counts positions is decided from all its selections (:meth:`place_selections`).
        """
        owner = f"source '{name}'"
        raw = self.raw_text(el, owner)
        sel_elements = _kids(el, "PlainTextSelection")
        text: str | None = None
        evidence: SourcePositions | None = None
        positions = [self.raw_positions(s, name) for s in sel_elements]
        longest: int | None = None
        if raw is not None:
            raws = [RawSelection(a, b, s.get("name") or "") for (a, b), s in zip(positions, sel_elements)]
            text, evidence = evaluate(name, raw, raws, self.choice)
            longest = evidence.max_raw_length()
        source = ExSource(
            guid=guid,
            name=name,
            text=text,
            kind=kind,
            origin_path=el.get("richTextPath") or el.get("plainTextPath") or el.get("path") or "",
            creator_guid=self.user_ref(el, "creatingUser"),
            created=self.when(el, "creationDateTime"),
            modified=self.when(el, "modifiedDateTime"),
            description=_kid_text(el, "Description"),
        )
        self.project.sources.append(source)
        selections = [self.read_selection(sel_el, source, at, longest, evidence is not None)
                      for sel_el, at in zip(sel_elements, positions)]
        if evidence is not None:
            self.pending.append((evidence, source, selections))
        whole = self.read_codings(el, owner)
        if whole:  # codings on the source itself: a selection over the whole text
            end = len(text) if text is not None else 0
            sel_guid = str(uuid.uuid5(uuid.UUID(guid), "whole source"))  # stable, distinct from every coding GUID
            self.project.selections.append(ExSelection(guid=sel_guid, source_guid=guid, start=0, end=end, codings=whole))
            self.project.warnings.append(f"{self.label}: {len(whole)} coding(s) on the whole of {owner} kept as one selection over the text")
        source.note_guids = self.collect_note_refs(el, guid, owner)
        source.variable_values = self.variable_values(el, owner)

    def raw_positions(self, el: etree._Element, source_name: str) -> tuple[int, int]:
        try:
            return int(el.get("startPosition", "")), int(el.get("endPosition", ""))
        except ValueError:
            raise self.err(
                f"<PlainTextSelection> {el.get('guid')} in source '{source_name}' has non-integer positions"
            ) from None

    def read_selection(self, el: etree._Element, source: ExSource, at: tuple[int, int], longest: int | None,
                       has_text: bool) -> ExSelection:
        """A selection with the file's raw positions ``at`` (mapped later when the source
        has text; ``longest`` is the most positions any allowed reading gives the text)."""
        guid = self.guid(el)
        # ATLAS.ti reuses a PDFSelection's GUID for its text selection; the PDF one is dropped.
        self.dropped.discard(guid)
        self.register(guid, "PlainTextSelection", el)
        start, end = at
        if start < 0 or end < start or (longest is not None and end > longest):
            length = f"{longest} characters" if longest is not None else "no text"
            hint = ("; the file does not agree with itself: export the project again" if self.choice.is_auto or longest is None
                    else "; try another --positions, or 'auto'")
            raise self.err(
                f"<PlainTextSelection> {guid} [{start}, {end}) lies outside source '{source.name}' ({length}){hint}"
            )
        name = el.get("name") or ""
        quote = None
        if not has_text and name and len(name) == end - start:
            quote = name  # ATLAS.ti names a short quotation by its full text
        selection = ExSelection(
            guid=guid,
            source_guid=source.guid,
            start=start,
            end=end,
            creator_guid=self.user_ref(el, "creatingUser"),
            created=self.when(el, "creationDateTime"),
            modified=self.when(el, "modifiedDateTime"),
            name=name,
            description=_kid_text(el, "Description"),
            quote=quote,
        )
        selection.codings = self.read_codings(el, f"selection {guid}")
        selection.note_guids = self.collect_note_refs(el, guid, f"selection {guid}")
        self.project.selections.append(selection)
        return selection

    def place_selections(self) -> None:
        """Decide the file's position convention and map every selection into its text."""
        if not self.pending:
            return
        decide([ev for ev, _, _ in self.pending], origin=self.project.origin, choice=self.choice)
        for evidence, source, selections in self.pending:
            assert evidence.chosen is not None
            mapping = evidence.map_for(evidence.chosen)
            assert mapping is not None
            outside = [s for s in selections if s.end > mapping.raw_length]
            if outside:
                s = outside[0]
                raise self.err(
                    f"<PlainTextSelection> {s.guid} [{s.start}, {s.end}) lies outside source '{source.name}' "
                    f"({mapping.raw_length} positions counted as {evidence.chosen.describe()}); "
                    "try another --positions, or 'auto'"
                )
            for sel in selections:
                sel.start, sel.end = mapping.span_to_norm(sel.start, sel.end)
            chosen = evidence.score_for(evidence.chosen)
            other = runner_up(evidence)
            self.project.positions.append({
                "source": source.name,
                "convention": evidence.chosen.spec,
                "described": evidence.chosen.describe(),
                "decided_by": evidence.decided_by,
                "selections": evidence.n_selections,
                "on_word_boundaries": chosen.boundaries,
                "quotes_matched": chosen.quotes,
                "runner_up": other.spec if other else None,
                "runner_up_on_word_boundaries": evidence.score_for(other).boundaries if other else None,
                "runner_up_quotes_matched": evidence.score_for(other).quotes if other else None,
            })
            if mapping.snapped:
                self.project.warnings.append(
                    f"{self.label}: {mapping.snapped} selection end(s) in source '{source.name}' fell inside a "
                    f"character ({self.inside_what(evidence)}) and were widened to whole characters"
                )
        self.pending = []

    @staticmethod
    def inside_what(evidence: SourcePositions) -> str:
        astral, _, _ = evidence.features
        kinds = []
        if evidence.chosen is not None and evidence.chosen.unit == "utf16" and astral:
            kinds.append("the two halves of an emoji or other character beyond U+FFFF")
        kinds.append("a base letter and its accent")
        return " or ".join(kinds)

    def read_sources(self, root: etree._Element) -> None:
        sources = _kid(root, "Sources")
        if sources is None:
            return
        for el in sources:
            self.read_source_element(el)

    def read_source_element(self, el: etree._Element) -> None:
        """One child of ``<Sources>`` (with everything inside it)."""
        kind = _local(el)
        if not kind:
            return
        if kind in _MEDIA_SOURCES:
            self.drop_tree(el, kind)
            return
        guid = self.guid(el)
        self.register(guid, kind, el)
        if kind == "TextSource":
            self.read_text_source(el, guid, self.source_name(el, guid), self.source_kind(el))
        elif kind == "PDFSource":
            for pdf_sel in _kids(el, "PDFSelection"):
                self.drop_tree(pdf_sel, "PDFSelection")
            rep = _kid(el, "Representation")
            name = self.source_name(el, guid)
            if rep is None:  # a PDF without its text: kept (sets and cases name it), text None
                self.read_text_source(etree.Element("TextSource", path=el.get("path", "")), guid, name, "pdf")
            else:
                rep_guid = self.maybe_guid(rep, "guid")
                if rep_guid:
                    self.register(rep_guid, "Representation", rep)
                self.read_text_source(rep, guid, name, "pdf")
                if _kids(el, "Coding"):
                    self.project.skip("Coding on a whole PDFSource", len(_kids(el, "Coding")))
        else:
            raise self.err(f"unknown source element <{kind}> at line {el.sourceline}")

    @staticmethod
    def source_name(el: etree._Element, guid: str) -> str:
        name = el.get("name")
        if name:
            return name
        for attr in ("plainTextPath", "richTextPath", "path"):
            value = el.get(attr)
            if value:
                return PurePosixPath(value.split("://", 1)[-1]).stem
        return guid

    @staticmethod
    def source_kind(el: etree._Element) -> str:
        for attr in ("richTextPath", "name", "plainTextPath"):
            suffix = PurePosixPath(el.get(attr) or "").suffix.lower().lstrip(".")
            if suffix in ("docx", "doc", "odt", "rtf", "pdf", "html", "htm", "md"):
                return suffix
        return "text"

    def read_notes(self, root: etree._Element) -> None:
        notes = _kid(root, "Notes")
        for el in _kids(notes, "Note") if notes is not None else []:
            guid = self.guid(el)
            self.register(guid, "Note", el)
            name = el.get("name") or ""
            raw = self.raw_text(el, f"note '{name or guid}'")
            text = normalise_with_map(raw)[0] if raw is not None else ""
            selections = _kids(el, "PlainTextSelection")
            if selections:
                self.project.skip("PlainTextSelection in a Note", len(selections))
            self.project.notes.append(
                ExNote(
                    guid=guid,
                    name=name,
                    text=text,
                    creator_guid=self.user_ref(el, "creatingUser"),
                    created=self.when(el, "creationDateTime"),
                    description=_kid_text(el, "Description"),
                )
            )

    def read_cases(self, root: etree._Element) -> None:
        cases = _kid(root, "Cases")
        for el in _kids(cases, "Case") if cases is not None else []:
            guid = self.guid(el)
            self.register(guid, "Case", el)
            name = el.get("name") or guid
            case = ExCase(guid=guid, name=name, description=_kid_text(el, "Description"))
            case.variable_values = self.variable_values(el, f"case '{name}'")
            case.source_guids = self.refs(el, "SourceRef", {"TextSource", "PDFSource"}, f"case '{name}'")
            case.selection_guids = self.refs(el, "SelectionRef", {"PlainTextSelection"}, f"case '{name}'")
            case.code_guids = self.refs(el, "CodeRef", {"Code"}, f"case '{name}'")
            self.project.cases.append(case)

    def refs(self, el: etree._Element, tag: str, allowed: set[str], owner: str, attr: str = "targetGUID") -> list[str]:
        """Targets of ``tag`` children: kept ones returned, dropped ones counted, others fatal."""
        out = []
        for ref in _kids(el, tag):
            target = self.guid(ref, attr if ref.get(attr) is not None else "guid")
            if self.kinds.get(target) in allowed:
                out.append(target)
            elif target in self.dropped:
                self.project.skip(f"{tag} to a dropped element")
            else:
                raise self.err(f"{owner}: <{tag}> refers to {target}, which the file does not define")
        return out

    def read_sets(self, root: etree._Element) -> None:
        sets = _kid(root, "Sets")
        for el in _kids(sets, "Set") if sets is not None else []:
            guid = self.guid(el)
            self.register(guid, "Set", el)
            name = el.get("name") or guid
            owner = f"set '{name}'"
            self.project.sets.append(
                ExSet(
                    guid=guid,
                    name=name,
                    description=_kid_text(el, "Description"),
                    code_guids=self.refs(el, "MemberCode", {"Code"}, owner),
                    source_guids=self.refs(el, "MemberSource", {"TextSource", "PDFSource"}, owner),
                    note_guids=self.refs(el, "MemberNote", {"Note"}, owner),
                )
            )

    def read_links(self, root: etree._Element) -> None:
        links = _kid(root, "Links")
        for el in _kids(links, "Link") if links is not None else []:
            origin = self.maybe_guid(el, "originGUID")
            target = self.maybe_guid(el, "targetGUID")
            if origin and target and self.kinds.get(origin) == "Note" and (target in self.kinds or target in self.dropped):
                if target in self.kinds:
                    self.note_refs.append((origin, target, f"link {el.get('guid')}"))
                else:
                    self.project.skip("Link from a note to a dropped element")
            else:
                self.project.skip("Link")

    def attach_notes(self) -> None:
        notes = {n.guid: n for n in self.project.notes}
        for note_guid, owner, owner_label in self.note_refs:
            note = notes.get(note_guid)
            if note is None:
                raise self.err(f"{owner_label} has a <NoteRef> to {note_guid}, which is not in <Notes>")
            if owner is None:
                continue
            if owner not in note.targets:
                note.targets.append(owner)

    def check_root(self, root: etree._Element) -> None:
        if _local(root) != "Project":
            raise self.err(f"root element is <{_local(root)}>, not <Project>; this is not a REFI-QDA project file")
        tag = root.tag if isinstance(root.tag, str) else ""
        ns = tag[1:].partition("}")[0] if tag.startswith("{") else None  # etree.QName raises on odd URIs
        if ns != NS_PROJECT:
            self.project.warnings.append(f"{self.label}: namespace {ns!r} is not {NS_PROJECT}; read anyway")
        self.project.name = root.get("name", "")
        self.project.origin = root.get("origin", "")

    def read_head(self, root: etree._Element) -> None:
        """Users, codebook and variables: what every source may refer to."""
        self.read_users(root)
        self.project.codes = self.read_codes(_kid(root, "CodeBook"))
        self.read_variables(root)

    def read(self, tree: etree._ElementTree) -> ExchangeProject:
        """A whole parsed project.qde (see :meth:`read_stream` for the lighter way)."""
        root = tree.getroot()
        self.check_root(root)
        self.read_head(root)
        self.read_sources(root)
        return self.read_tail(root)

    def read_stream(self, data: bytes) -> ExchangeProject:
        """Parse and read project.qde in one pass, dropping each source's XML once it is
        read: memory holds the model and one source's subtree, not the whole tree (for
        10^5 selections the tree alone is some 300 MB). Users, codebook and variables
        precede ``<Sources>`` in every valid file, so they are read when it starts."""
        check_no_doctype(data, self.label)
        context = etree.iterparse(io.BytesIO(data), events=("start", "end"), **SAFE_PARSER_OPTIONS)
        depth = 0
        root: etree._Element | None = None
        sources: etree._Element | None = None
        head_read = False
        try:
            for event, el in context:
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = el
                        self.check_root(el)
                    elif depth == 2 and _local(el) == "Sources" and not head_read:
                        self.read_head(root)  # type: ignore[arg-type]
                        head_read, sources = True, el
                    continue
                if depth == 3 and sources is not None and el.getparent() is sources:
                    self.read_source_element(el)
                    el.clear()
                    sources.remove(el)
                depth -= 1
        except etree.XMLSyntaxError as exc:
            raise ImportFormatError(f"{self.label}: bad XML at line {exc.lineno}: {exc.msg}") from None
        assert root is not None
        check_no_dtd(root.getroottree(), self.label)
        if not head_read:
            self.read_head(root)
        return self.read_tail(root)

    def read_tail(self, root: etree._Element) -> ExchangeProject:
        """Notes, cases, links, sets: everything that refers back to sources."""
        p = self.project
        self.place_selections()
        self.read_notes(root)
        self.read_cases(root)
        self.read_links(root)
        self.read_sets(root)
        graphs = _kid(root, "Graphs")
        if graphs is not None:
            p.skip("Graph", len(_kids(graphs, "Graph")))
        p.description = _kid_text(root, "Description")
        p.project_note_guids = self.collect_note_refs(root, None, "the project")
        self.attach_notes()
        on_cases = {g for case in p.cases for g in case.variable_values}
        on_sources = {g for source in p.sources for g in source.variable_values}
        for variable in p.variables:
            if variable.guid in on_sources and variable.guid not in on_cases:
                variable.applies_to = "source"
        return p


def read_qde(
    data: bytes,
    *,
    label: str = "project.qde",
    archive: SafeArchive | None = None,
    positions: Positions = "auto",
) -> ExchangeProject:
    """Read project.qde bytes; ``archive`` supplies ``sources/`` members when present."""
    return _Reader(label, archive, positions).read_stream(data)


def read_qdpx(
    path: str | Path,
    *,
    limits: ArchiveLimits | None = None,
    positions: Positions = "auto",
) -> ExchangeProject:
    """Read a REFI-QDA project archive (``.qdpx``) into the exchange model.

    ``positions="auto"`` decides per source how the file counts positions (code points or
    UTF-16 units, BOM counted or not, CRLF as one or two) from where its selections land;
    ``ExchangeProject.positions`` says what was chosen and on what evidence. Give parts of
    a convention (``"utf16"``, ``"utf16:nobom:crlf2"``) to force them.
    """
    path = Path(path)
    if path.suffix.lower() == ".qde":
        return read_qde(path.read_bytes(), label=path.name, positions=positions)
    with SafeArchive(path, limits) as archive:
        member = archive.find("project.qde")
        if member is None:
            candidates = [n for n in archive.names() if n.lower().endswith(".qde")]
            if len(candidates) != 1:
                raise ImportFormatError(
                    f"{path.name}: no project.qde in the archive; export the project again as REFI-QDA (.qdpx)"
                )
            member = candidates[0]
        return read_qde(archive.read(member), label=f"{path.name}:{member}", archive=archive, positions=positions)


def read_qdc(path: str | Path) -> ExchangeProject:
    """Read a REFI-QDA codebook (``.qdc``): the code tree and its sets."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: file not found") from None
    tree = parse_xml(data, path.name)
    root = tree.getroot()
    reader = _Reader(path.name, None, "codepoint")
    if _local(root) != "CodeBook":
        raise reader.err(f"root element is <{_local(root)}>, not <CodeBook>; this is not a REFI-QDA codebook")
    project = reader.project
    project.name = path.stem
    project.origin = root.get("origin", "")
    project.codes = reader.read_codes(root)
    sets = _kid(root, "Sets")
    for el in _kids(sets, "Set") if sets is not None else []:
        guid = reader.guid(el)
        reader.register(guid, "Set", el)
        name = el.get("name") or guid
        project.sets.append(
            ExSet(
                guid=guid,
                name=name,
                description=_kid_text(el, "Description"),
                code_guids=reader.refs(el, "MemberCode", {"Code"}, f"set '{name}'", attr="guid"),
            )
        )
    if reader.note_refs:
        project.skip("NoteRef in a codebook", len(reader.note_refs))
    return project

