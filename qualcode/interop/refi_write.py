"""Write REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``) from the exchange model.

Output follows Project.xsd / Codebook.xsd 1.0 element order exactly (tests validate it).
Texts go to ``sources/<guid>.txt`` as UTF-8 (``plainTextPath="internal://<guid>.txt"``)
unless ``text_inline=True``; positions are computed for the text actually written, in the
convention the reading tool uses (:mod:`qualcode.interop.refi_positions`; NVivo's by
default: UTF-16 units, a BOM not counted, CRLF as two), which ``origin`` names. Output is deterministic (sorted members, fixed zip timestamps), so
exporting an unchanged project twice gives identical files when the GUIDs are stable
(see :func:`qualcode.interop.guids.assign_stable_guids`). project.qde is streamed into the
archive with ``lxml.etree.xmlfile``, one source (with its selections) at a time, so a
project of 10^5 selections never exists as one XML tree in memory.

Not written, because REFI-QDA has no place for them: coding weights, code inclusion /
exclusion / examples, the span of an anchored note (the note stays attached to its source).
"""
from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from lxml import etree

from qualcode.errors import ExportError
from qualcode.interop.exchange import (
    ExchangeProject,
    ExCode,
    ExCoding,
    ExSelection,
    ExSource,
    ExVariable,
    VariableValue,
    is_guid,
)
from qualcode.interop.refi_offsets import denormalise
from qualcode.interop.refi_positions import NVIVO, Convention
from qualcode.interop.refi_read import NS_CODEBOOK, NS_PROJECT

_RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ZIP64_SELECTIONS = 2_000_000
_CODING_NS = uuid.UUID("0b6a4f5e-7c1d-5e2f-8a3b-9c4d5e6f7a8b")


def _dt(value: datetime) -> str:
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return value.isoformat(timespec="seconds")


def _decimal(value: float) -> str:
    """xsd:decimal text (no exponent)."""
    return format(Decimal(repr(float(value))), "f")


def refi_type_of(variable: ExVariable, values: list[VariableValue]) -> str:
    """REFI ``typeOfVariable`` for a qualcode descriptor (the original one when known)."""
    if variable.refi_type:
        return variable.refi_type
    present = [v for v in values if v is not None]
    if variable.type == "number":
        ints = all(isinstance(v, int) or (isinstance(v, float) and v.is_integer()) for v in present)
        return "Integer" if ints and present else "Float"
    if variable.type == "date":
        return "DateTime" if any(isinstance(v, datetime) for v in present) else "Date"
    if variable.type == "boolean":
        return "Boolean"
    return "Text"


class _Writer:
    def __init__(self, project: ExchangeProject, *, text_inline: bool, newline: str, bom: bool, origin: str,
                 positions: Convention = NVIVO) -> None:
        self.p = project
        self.text_inline = text_inline
        self.newline = newline
        self.bom = bom
        self.positions = positions
        # The convention goes into origin, so that qualcode reads its own files without guessing.
        self.origin = f"{origin} (positions: {positions.spec})"
        self.files: dict[str, bytes] = {}
        self._tags: dict[str, str] = {}
        self.codes = project.codes_by_guid()
        self.sources = project.sources_by_guid()
        self.users = project.users_by_guid()
        self.notes = {n.guid: n for n in project.notes}
        self.variable_types: dict[str, str] = {}
        # Notes attached to X become <NoteRef> under X, or a <Link> when X has no NoteRef slot.
        self.note_refs: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []

    def q(self, tag: str) -> str:
        """Namespaced tag, cached (called once per written element)."""
        full = self._tags.get(tag)
        if full is None:
            full = self._tags[tag] = f"{{{NS_PROJECT}}}{tag}"
        return full

    # ----- checks --------------------------------------------------------------------
    def check_guid(self, guid: str | None, what: str) -> str:
        if guid is None or not is_guid(guid):
            raise ExportError(f"cannot export {what}: GUID {guid!r} is not a UUID; assign stable GUIDs first")
        return guid

    def check(self) -> None:
        for sel in self.p.selections:
            if sel.source_guid not in self.sources:
                raise ExportError(f"cannot export selection {sel.guid}: its source {sel.source_guid} is not in the project")
            source = self.sources[sel.source_guid]
            if source.text is not None and not (0 <= sel.start <= sel.end <= len(source.text)):
                raise ExportError(
                    f"cannot export selection {sel.guid}: [{sel.start}, {sel.end}) lies outside source "
                    f"'{source.name}' ({len(source.text)} characters)"
                )
            for coding in sel.codings:
                if coding.code_guid not in self.codes:
                    raise ExportError(f"cannot export selection {sel.guid}: code {coding.code_guid} is not in the codebook")

    def sub(self, parent: etree._Element, tag: str, **attrs: str | None) -> etree._Element:
        return etree.SubElement(parent, self.q(tag), {k: v for k, v in attrs.items() if v is not None})

    def user_attr(self, guid: str | None) -> str | None:
        return guid if guid in self.users else None

    def description(self, parent: etree._Element, text: str) -> None:
        if text:
            self.sub(parent, "Description").text = _XML_BAD.sub("", text)

    def note_ref_elems(self, parent: etree._Element, owner: str, own: list[str]) -> None:
        seen: list[str] = []
        for g in [*own, *self.note_refs.get(owner, [])]:
            if g in self.notes and g not in seen:
                seen.append(g)
        for g in seen:
            self.sub(parent, "NoteRef", targetGUID=g)

    # ----- sections ------------------------------------------------------------------
    def plan_notes(self) -> None:
        has_slot: set[str] = set(self.codes) | set(self.sources) | {s.guid for s in self.p.selections}
        has_slot |= {c.guid for s in self.p.selections for c in s.codings if c.guid}
        for note in sorted(self.p.notes, key=lambda n: n.guid):
            self.check_guid(note.guid, f"note '{note.name}'")
            for target in note.targets:
                if target in has_slot:
                    self.note_refs.setdefault(target, []).append(note.guid)
                else:
                    self.links.append((note.guid, target))

    def code_elem(self, parent: etree._Element, code: ExCode) -> None:
        colour = code.colour if code.colour and _RGB.match(code.colour) else None
        el = self.sub(
            parent,
            "Code",
            guid=self.check_guid(code.guid, f"code '{code.name}'"),
            name=code.name,
            isCodable="true" if code.is_codable else "false",
            color=colour,
        )
        self.description(el, code.description)
        self.note_ref_elems(el, code.guid, code.note_guids)
        for child in code.children:
            self.code_elem(el, child)

    def value_elem(self, parent: etree._Element, var_guid: str, value: VariableValue) -> None:
        if value is None or (isinstance(value, float) and value != value):
            return
        vv = self.sub(parent, "VariableValue")
        self.sub(vv, "VariableRef", targetGUID=var_guid)
        kind = self.variable_types.get(var_guid, "Text")
        if kind == "Boolean":
            self.sub(vv, "BooleanValue").text = "true" if bool(value) else "false"
        elif kind == "Integer":
            self.sub(vv, "IntegerValue").text = str(int(value))  # type: ignore[arg-type]
        elif kind == "Float":
            self.sub(vv, "FloatValue").text = _decimal(value)  # type: ignore[arg-type]
        elif kind == "Date" and isinstance(value, (date, datetime)):
            self.sub(vv, "DateValue").text = (value.date() if isinstance(value, datetime) else value).isoformat()
        elif kind == "DateTime" and isinstance(value, datetime):
            self.sub(vv, "DateTimeValue").text = _dt(value)
        else:
            self.sub(vv, "TextValue").text = _XML_BAD.sub("", str(value))

    def variables(self, root: etree._Element) -> None:
        if not self.p.variables:
            return
        values: dict[str, list[VariableValue]] = {}
        for owner in [*self.p.cases, *self.p.sources]:
            for g, v in owner.variable_values.items():
                values.setdefault(g, []).append(v)
        el = self.sub(root, "Variables")
        for var in self.p.variables:
            kind = refi_type_of(var, values.get(var.guid, []))
            self.variable_types[var.guid] = kind
            v_el = self.sub(el, "Variable", guid=self.check_guid(var.guid, f"variable '{var.name}'"), name=var.name, typeOfVariable=kind)
            self.description(v_el, var.description)

    def cases(self, root: etree._Element) -> None:
        if not self.p.cases:
            return
        el = self.sub(root, "Cases")
        for case in self.p.cases:
            c_el = self.sub(el, "Case", guid=self.check_guid(case.guid, f"case '{case.name}'"), name=case.name)
            self.description(c_el, case.description)
            for g in case.code_guids:
                self.sub(c_el, "CodeRef", targetGUID=g)
            for g, v in case.variable_values.items():
                self.value_elem(c_el, g, v)
            for g in case.source_guids:
                self.sub(c_el, "SourceRef", targetGUID=g)
            for g in case.selection_guids:
                self.sub(c_el, "SelectionRef", targetGUID=g)

    def coding_elem(self, parent: etree._Element, coding: ExCoding, sel: ExSelection) -> None:
        guid = coding.guid or str(uuid.uuid5(_CODING_NS, f"{sel.guid}|{coding.code_guid}|{coding.coder_guid}"))
        el = self.sub(
            parent,
            "Coding",
            guid=self.check_guid(guid, f"a coding of selection {sel.guid}"),
            creatingUser=self.user_attr(coding.coder_guid),
            creationDateTime=_dt(coding.created) if coding.created else None,
        )
        self.sub(el, "CodeRef", targetGUID=coding.code_guid)
        self.note_ref_elems(el, guid, coding.note_guids)

    def source_elem(self, parent: etree._Element, source: ExSource, selections: list[ExSelection]) -> None:
        guid = self.check_guid(source.guid, f"source '{source.name}'")
        raw = None
        to_raw = None
        if source.text is not None:
            raw, _ = denormalise(source.text, newline=self.newline, bom=self.bom)
            to_raw = self.positions.offset_map(raw)[1].to_raw
        inline = self.text_inline and raw is not None and not _XML_BAD.search(raw)
        path = f"internal://{guid}.txt" if raw is not None and not inline else None
        el = self.sub(
            parent,
            "TextSource",
            guid=guid,
            name=source.name,
            plainTextPath=path,
            creatingUser=self.user_attr(source.creator_guid),
            creationDateTime=_dt(source.created) if source.created else None,
            modifiedDateTime=_dt(source.modified) if source.modified else None,
        )
        self.description(el, source.description)
        if inline:
            self.sub(el, "PlainTextContent").text = raw
        elif raw is not None:
            self.files[f"sources/{guid}.txt"] = raw.encode("utf-8")
        for sel in selections:
            start, end = sel.start, sel.end
            if to_raw is not None:
                start, end = to_raw(start, "start"), to_raw(end, "end")
            name = sel.name or self.selection_name(source, sel)
            s_el = self.sub(
                el,
                "PlainTextSelection",
                guid=self.check_guid(sel.guid, f"a selection in '{source.name}'"),
                name=_XML_BAD.sub("", name) if name else None,
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=self.user_attr(sel.creator_guid),
                creationDateTime=_dt(sel.created) if sel.created else None,
                modifiedDateTime=_dt(sel.modified) if sel.modified else None,
            )
            self.description(s_el, sel.description)
            for coding in sel.codings:
                self.coding_elem(s_el, coding, sel)
            self.note_ref_elems(s_el, sel.guid, sel.note_guids)
        self.note_ref_elems(el, guid, source.note_guids)
        for g, v in source.variable_values.items():
            self.value_elem(el, g, v)

    @staticmethod
    def selection_name(source: ExSource, sel: ExSelection) -> str:
        """Tools list selections by name; default to the quote's first words."""
        text = source.text[sel.start:sel.end] if source.text is not None else (sel.quote or "")
        words = " ".join(text.split())
        return words if len(words) <= 60 else words[:59] + "…"

    def holder(self) -> etree._Element:
        """A detached ``<Project>`` to build one section in; its children are written out
        one by one (streaming), so the whole document never exists as one tree."""
        return etree.Element(self.q("Project"), nsmap={None: NS_PROJECT})

    def sources_section(self, xf: Any) -> None:
        if not self.p.sources:
            return
        by_source: dict[str, list[ExSelection]] = {}
        for sel in self.p.selections:
            by_source.setdefault(sel.source_guid, []).append(sel)
        with xf.element(self.q("Sources")):
            for source in self.p.sources:
                sels = sorted(by_source.get(source.guid, []), key=lambda s: (s.start, s.end, s.guid))
                holder = self.holder()
                self.source_elem(holder, source, sels)
                xf.write(holder[0])

    def notes_section(self, root: etree._Element) -> None:
        if not self.p.notes:
            return
        el = self.sub(root, "Notes")
        for note in self.p.notes:
            n_el = self.sub(
                el,
                "Note",
                guid=note.guid,
                name=note.name or None,
                creatingUser=self.user_attr(note.creator_guid),
                creationDateTime=_dt(note.created) if note.created else None,
            )
            self.description(n_el, note.description)
            self.sub(n_el, "PlainTextContent").text = _XML_BAD.sub("", note.text)

    def links_section(self, root: etree._Element) -> None:
        if not self.links:
            return
        el = self.sub(root, "Links")
        for note_guid, target in self.links:
            guid = str(uuid.uuid5(_CODING_NS, f"link|{note_guid}|{target}"))
            self.sub(el, "Link", guid=guid, name="Note", direction="OneWay", originGUID=note_guid, targetGUID=target)

    def sets_section(self, root: etree._Element) -> None:
        if not self.p.sets:
            return
        el = self.sub(root, "Sets")
        for set_ in self.p.sets:
            s_el = self.sub(el, "Set", guid=self.check_guid(set_.guid, f"set '{set_.name}'"), name=set_.name)
            self.description(s_el, set_.description)
            for g in set_.code_guids:
                self.sub(s_el, "MemberCode", targetGUID=g)
            for g in set_.source_guids:
                self.sub(s_el, "MemberSource", targetGUID=g)
            for g in set_.note_guids:
                self.sub(s_el, "MemberNote", targetGUID=g)

    def write(self, out: IO[bytes]) -> None:
        """Stream project.qde to ``out``: sections are built and written one at a time
        (one source with its selections at a time), so memory stays near the size of the
        largest source, not of the whole document (10^5 selections: ~0.4 GB less)."""
        self.check()
        self.plan_notes()
        with etree.xmlfile(out, encoding="utf-8") as xf:
            xf.write_declaration(standalone=True)
            attrs = {"name": self.p.name or "qualcode project", "origin": self.origin}
            with xf.element(self.q("Project"), attrs, nsmap={None: NS_PROJECT}):
                head = self.holder()
                if self.p.users:
                    users = self.sub(head, "Users")
                    for user in self.p.users:
                        self.sub(users, "User", guid=self.check_guid(user.guid, f"user '{user.name}'"), name=user.name, id=user.id)
                if self.p.codes:
                    codes = self.sub(self.sub(head, "CodeBook"), "Codes")
                    for code in self.p.codes:
                        self.code_elem(codes, code)
                self.variables(head)
                self.cases(head)
                for child in head:
                    xf.write(child)
                self.sources_section(xf)
                tail = self.holder()
                self.notes_section(tail)
                self.links_section(tail)
                self.sets_section(tail)
                self.description(tail, self.p.description)
                for g in self.p.project_note_guids:
                    if g in self.notes:
                        self.sub(tail, "NoteRef", targetGUID=g)
                for child in tail:
                    xf.write(child)

    def build(self) -> bytes:
        buffer = io.BytesIO()
        self.write(buffer)
        return buffer.getvalue()


def build_qde(
    project: ExchangeProject,
    *,
    text_inline: bool = False,
    newline: str = "\n",
    bom: bool = False,
    origin: str = "qualcode",
    positions: Convention = NVIVO,
) -> tuple[bytes, dict[str, bytes]]:
    """project.qde bytes and the ``sources/`` files (member name -> bytes) to go with it."""
    writer = _Writer(project, text_inline=text_inline, newline=newline, bom=bom, origin=origin, positions=positions)
    return writer.build(), writer.files


def _zip_info(name: str) -> zipfile.ZipInfo:
    """Fixed time stamp and mode, so that the same project gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_qdpx(
    project: ExchangeProject,
    path: str | Path,
    *,
    text_inline: bool = False,
    newline: str = "\n",
    bom: bool = False,
    origin: str = "qualcode",
    positions: Convention = NVIVO,
) -> Path:
    """Write a REFI-QDA project archive; returns the path written.

    ``newline="\\r\\n"`` and ``bom=True`` write Windows-style texts. ``positions`` says
    how selection positions count the text written: by default as NVivo counts them (UTF-16
    code units, BOM not counted, CRLF as two), which ATLAS.ti and MAXQDA, whose strings are
    UTF-16, are expected to read the same way (not checked in those tools); ``Convention("codepoint")`` for QualCoder. The two differ
    only after a character beyond U+FFFF (an emoji), and only when a BOM is written.
    """
    writer = _Writer(project, text_inline=text_inline, newline=newline, bom=bom, origin=origin, positions=positions)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            # ZIP64 only when project.qde might pass 2 GiB (~4 million selections): some tools read no ZIP64.
            big = len(project.selections) > ZIP64_SELECTIONS
            with archive.open(_zip_info("project.qde"), "w", force_zip64=big) as handle:
                # lxml writes many small pieces; buffering them makes zlib compress big blocks
                with io.BufferedWriter(handle, buffer_size=1 << 20) as buffered:  # type: ignore[arg-type]
                    writer.write(buffered)
            for name in sorted(writer.files):
                archive.writestr(_zip_info(name), writer.files.pop(name))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose a folder you can write to") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def build_qdc(project: ExchangeProject, *, origin: str = "qualcode") -> bytes:
    """Codebook.xsd XML for the project's code tree and its code sets."""
    if not project.codes:
        raise ExportError("cannot export a codebook with no codes; add codes first")
    q = lambda tag: f"{{{NS_CODEBOOK}}}{tag}"  # noqa: E731

    def code_elem(parent: etree._Element, code: ExCode) -> None:
        if not is_guid(code.guid):
            raise ExportError(f"cannot export code '{code.name}': GUID {code.guid!r} is not a UUID")
        el = etree.SubElement(parent, q("Code"), guid=code.guid, name=code.name, isCodable="true" if code.is_codable else "false")
        if code.colour and _RGB.match(code.colour):
            el.set("color", code.colour)
        if code.description:
            etree.SubElement(el, q("Description")).text = _XML_BAD.sub("", code.description)
        for child in code.children:
            code_elem(el, child)

    root = etree.Element(q("CodeBook"), nsmap={None: NS_CODEBOOK})
    root.set("origin", origin)
    codes = etree.SubElement(root, q("Codes"))
    for code in project.codes:
        code_elem(codes, code)
    code_sets = [s for s in project.sets if s.code_guids]
    if code_sets:
        sets = etree.SubElement(root, q("Sets"))
        for set_ in code_sets:
            s_el = etree.SubElement(sets, q("Set"), guid=set_.guid, name=set_.name)
            if set_.description:
                etree.SubElement(s_el, q("Description")).text = set_.description
            for g in set_.code_guids:
                etree.SubElement(s_el, q("MemberCode"), guid=g)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", standalone=True)


def write_qdc(project: ExchangeProject, path: str | Path, *, origin: str = "qualcode") -> Path:
    """Write a REFI-QDA codebook (``.qdc``); returns the path written."""
    path = Path(path)
    data = build_qdc(project, origin=origin)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose a folder you can write to") from None
    return path
