"""An :class:`ExchangeProject` (read from REFI-QDA, QualCoder, Dedoose or a spreadsheet
codebook) stored into a qualcode project, inside the caller's transaction.

Why one mapping for every format: each reader already speaks the exchange model, so the
rules below are written and tested once. The caller (``Project.import_*``) opens one
transaction; an error anywhere (a dangling GUID, a selection outside its source) raises
:class:`~qualcode.errors.ImportFormatError` and the project is left exactly as it was.

Mapping (decided with the team lead, issue 8):

* Code names containing ``/`` get U+2215 DIVISION SLASH (``∕``) in qualcode, because
  ``/`` separates levels of a qualcode code path; the export writes ``/`` again, so the
  name survives a round trip. ``isCodable="false"`` codes become ordinary parent codes.
  Two sibling codes with the same name get `` (2)``, `` (3)`` … (warned). Existing codes
  keep the researcher's edits; only empty attributes are filled. Float weight ranges
  become integers, an ``examples`` text becomes a list (one example per line).
* Users become coders by name (every user in the file, also those who coded nothing, so
  that an export gives the other tool back all its users); a coding without a coder takes
  its selection's creator, else ``fallback_coder``.
* Only sources with text are stored (a source whose text is missing or only white space
  is dropped with its selections, warned one line each). A text whose content hash is
  already in the project (or a source of the same name with the same text) is not stored
  again: its selections attach to that source, so re-importing the same file, or a
  project's own export, adds nothing. New sources are typed ``transcript`` or
  ``document`` by the ingest layer's transcript detection, which also stores their turns.
* Selections become excerpts (one per span), codings applications (origin ``import``,
  status ``applied``, weight and creation time kept, one import run). An application the
  project already has (same excerpt x code x coder) is not duplicated; a weight in the
  file that differs from the project's is reported in ``conflicts`` and the project's
  value kept (a file without weights, like every REFI-QDA file, conflicts with nothing).
* Cases become cases (by name) with descriptor values typed by the variable's type;
  variable values on a source go to the source's case, or to a new case named after the
  source; a source-level variable named ``wave`` sets the source's wave (the REFI export
  writes waves that way). A source claimed by two cases stays with the first (warned).
  The project's existing descriptor values win over the file's (differences warned).
* Notes become memos on what they are attached to (code, source, excerpt, case; the
  project otherwise), never twice with the same text; a note's name heads its text.
  Descriptions of selections and cases become memos too; a source's description is kept
  in the source's meta (and exported again).
* Sets with codes become code sets; sets' sources and notes are dropped (warned).
* Everything the reader skipped (``ExchangeProject.skipped``), its warnings and any
  excerpt it could not place (``unmatched``) end up in the report's warnings.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from qualcode.errors import ImportFormatError
from qualcode.ingest.load import content_hash, to_text
from qualcode.ingest.readers.text import source_from_text
from qualcode.speech.roles import speaker_key
from qualcode.speech.speakers import guess_interviewers
from qualcode.interop.exchange import ExchangeProject, ExCode, ExNote, ExSelection, ExSource, ExVariable
from qualcode.interop.exchange_check import validate
from qualcode.interop.reports import ImportReport
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import speakers as store_speakers
from qualcode.store import coding as store_coding
from qualcode.store import exchange_store as xs
from qualcode.store import sources as store_sources
from qualcode.store.migrations import utcnow

DIVISION_SLASH = "\u2215"
WAVE_VARIABLE = "wave"
UNNAMED_CODE = "(unnamed code)"
MAX_CONFLICT_LINES = 20

#: Why each element a reader skips is not kept (keys as readers count them).
DROP_REASONS: dict[str, str] = {
    "PictureSource": "images are not stored (qualcode keeps text only)",
    "AudioSource": "audio is not stored (qualcode keeps text only; import its transcript as a text source)",
    "VideoSource": "video is not stored (qualcode keeps text only; import its transcript as a text source)",
    "PDFSelection": "areas of a PDF page cannot be placed in text",
    "Graph": "network drawings carry layout only",
    "Link": "links between codes or sources have no qualcode equivalent",
    "QualCoder image/audio/video source": "qualcode keeps text only",
}


def code_part(name: str) -> str:
    """A tool's code name as one level of a qualcode path ('/' -> U+2215)."""
    return name.strip().replace("/", DIVISION_SLASH) or UNNAMED_CODE


def exported_name(part: str) -> str:
    """The inverse of :func:`code_part`, for exports."""
    return part.replace(DIVISION_SLASH, "/")


def naive_utc(value: datetime | date | None) -> datetime | None:
    """Times as the store keeps them: naive UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _has_text(source: ExSource) -> bool:
    return source.text is not None and source.text.strip() != ""


# ------------------------------------------------------------------------ storing
class _Importer:
    def __init__(self, conn: Connection, project: ExchangeProject, report: ImportReport, fallback_coder: str) -> None:
        self.conn = conn
        self.p = project
        self.report = report
        self.fallback_coder = fallback_coder
        self.users = {u.guid: (u.name.strip() or (u.id or "").strip() or u.guid) for u in project.users}
        self.code_id: dict[str, int] = {}
        self.code_path: dict[str, str] = {}
        self.source_id: dict[str, int] = {}  # file source GUID -> project source id
        self.source_name: dict[int, str] = {}  # project source id -> its name in the project
        self.source_case: dict[int, int | None] = {}  # project source id -> case id (as the project has it)
        self.source_wave: dict[int, str | None] = {}
        self.dropped_sources: set[str] = set()
        self.excerpt_id: dict[str, int] = {}  # selection GUID -> excerpt id
        self.coding_excerpt: dict[str, int] = {}  # coding GUID -> excerpt id
        self.case_id: dict[str, int] = {}
        self.spans: dict[tuple[int, int, int], int] | None = None

    def run(self) -> None:
        self.store_codes()
        self.store_sources()
        self.store_codings()
        self.memo_keys = xs.memo_keys(self.conn)
        self.memo_rows: list[dict[str, Any]] = []
        self.store_cases()
        self.store_notes()
        if self.memo_rows:
            self.report.add("memos", xs.insert_memos(self.conn, self.memo_rows))
        self.store_sets()
        self.carry_reader_findings()

    # ----- codes ----------------------------------------------------------------------
    @staticmethod
    def code_attributes(code: ExCode) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "description": code.description.strip(),
            "inclusion": code.inclusion.strip(),
            "exclusion": code.exclusion.strip(),
        }
        if code.colour:
            attrs["colour"] = code.colour.lower()
        examples = [line.strip() for line in code.examples.splitlines() if line.strip()]
        if examples:
            attrs["examples"] = examples
        if code.weight_min is not None:
            attrs["weight_min"] = int(round(code.weight_min))
        if code.weight_max is not None:
            attrs["weight_max"] = int(round(code.weight_max))
        return attrs

    def store_codes(self) -> None:
        before = store_codes.path_ids(self.conn)
        taken: set[str] = set()
        renamed: list[str] = []

        def walk(codes: list[ExCode], parent: str) -> None:
            for code in codes:
                part = code_part(code.name)
                path = f"{parent}/{part}" if parent else part
                if path in taken:
                    n = 2
                    while f"{path} ({n})" in taken:
                        n += 1
                    renamed.append(f"'{path}' -> '{path} ({n})'")
                    path = f"{path} ({n})"
                taken.add(path)
                self.code_path[code.guid] = path
                self.code_id[code.guid] = store_codes.ensure_path(self.conn, path, self.code_attributes(code))
                if path in before:
                    self.report.reuse("codes")
                else:
                    self.report.add("codes")
                walk(code.children, path)

        walk(self.p.codes, "")
        for line in renamed:
            self.report.warnings.append(f"two sibling codes share a name; the second was renamed {line}")

    # ----- sources --------------------------------------------------------------------
    def store_sources(self) -> None:
        selections_of: dict[str, list[ExSelection]] = defaultdict(list)
        for sel in self.p.selections:
            selections_of[sel.source_guid].append(sel)
        with_text = [s for s in self.p.sources if _has_text(s)]
        for source in self.p.sources:
            if not _has_text(source):
                self.dropped_sources.add(source.guid)
                sels = selections_of.get(source.guid, [])
                n_codings = sum(len(s.codings) for s in sels)
                why = "no text" if source.text is None else "only white space as text"
                self.report.drop(
                    "source without text", 1,
                    f"'{source.name}' has {why} in the file; not imported, with its {len(sels)} selection(s) and {n_codings} coding(s)",
                )
                self.report.drop("selection on a source without text", len(sels), None)
                self.report.drop("coding on a source without text", n_codings, None)
        # Sources are content-addressed, but two sources of one file with different names
        # and the same text (respondents who answered alike, "Nothing.") are two sources:
        # their hash is salted with the name so both are kept (and recognised on re-import).
        names_by_text: dict[str, set[str]] = defaultdict(set)
        for s in with_text:
            names_by_text[content_hash(s.text or "")].add(s.name.strip())

        def digest_of(s: ExSource) -> str:
            plain = content_hash(s.text or "")
            return content_hash(s.text or "", "source:" + s.name.strip()) if len(names_by_text[plain]) > 1 else plain

        hashes = {s.guid: digest_of(s) for s in with_text}
        existing = xs.sources_by_hash(self.conn, hashes.values())
        # Questionnaire responses are hashed with their questionnaire's name, so a
        # response exported and imported back is recognised by its name and text.
        named = xs.sources_by_name(self.conn, [s.name.strip() for s in with_text if hashes[s.guid] not in existing])
        names = xs.source_names(self.conn)
        seen_in_file: dict[str, int] = {}
        for source in with_text:
            digest = hashes[source.guid]
            row = existing.get(digest)
            same_name = named.get(source.name.strip())
            if row is None and same_name is not None and same_name.text == source.text:
                row = same_name
            if row is not None:
                self.source_id[source.guid] = row.id
                self.source_name[row.id] = row.name
                self.source_case[row.id] = row.case_id
                self.source_wave[row.id] = row.wave
                self.report.reuse("sources")
                if row.name != source.name:
                    self.report.warnings.append(
                        f"source '{source.name}' has the same text as '{row.name}' already in the project; its selections were attached there"
                    )
                continue
            if digest in seen_in_file:
                self.source_id[source.guid] = seen_in_file[digest]
                self.report.warnings.append(
                    f"source '{source.name}' has the same text as '{self.source_name[seen_in_file[digest]]}' in the file; stored once"
                )
                continue
            name = self.unique_name(source.name.strip() or source.guid, names)
            names.add(name)
            source_id = self.insert_source(source, name, digest)
            seen_in_file[digest] = source_id
            self.source_id[source.guid] = source_id
            self.source_name[source_id] = name
            self.source_case[source_id] = None
            self.source_wave[source_id] = None
            self.report.add("sources")

    def unique_name(self, name: str, names: set[str]) -> str:
        if name not in names:
            return name
        n = 2
        while f"{name} ({n})" in names:
            n += 1
        self.report.warnings.append(
            f"a different source named '{name}' is already in the project; this one was stored as '{name} ({n})'"
        )
        return f"{name} ({n})"

    def insert_source(self, source: ExSource, name: str, digest: str) -> int:
        assert source.text is not None
        record = source_from_text(source.text, origin=source.origin_path, name=name, kind="auto")
        meta: dict[str, Any] = {"imported_from": self.report.file, "format": source.kind}
        if self.p.origin:
            meta["tool"] = self.p.origin
        if source.description.strip():
            meta["description"] = source.description.strip()
        origin_path = "" if source.origin_path.startswith("internal://") else source.origin_path
        source_id = store_sources.insert(
            self.conn, name=name, kind=record.kind, text=source.text, content_hash=digest, origin_path=origin_path,
            case_id=None, wave=None, meta=meta,
        )
        store_sources.insert_segments(
            self.conn,
            [{"source_id": source_id, "kind": s.kind, "start": s.start, "end": s.end, "speaker": s.speaker,
              "time_start": s.time_start, "time_end": s.time_end, "question": s.question, "meta": None}
             for s in record.segments],
        )
        return source_id

    # ----- excerpts and applications --------------------------------------------------
    def coder_of(self, coding_coder: str | None, selection: ExSelection) -> str:
        guid = coding_coder or selection.creator_guid
        if guid is not None and guid in self.users:
            return self.users[guid]
        return self.fallback_coder

    def store_codings(self) -> None:
        spans: list[tuple[int, int, int, str]] = []
        placed: list[tuple[ExSelection, tuple[int, int, int]]] = []
        texts = {s.guid: s.text for s in self.p.sources}
        empty = 0
        for sel in self.p.selections:
            if sel.source_guid in self.dropped_sources:
                continue
            source_id = self.source_id[sel.source_guid]
            if sel.end <= sel.start:
                empty += 1
                continue
            text = texts[sel.source_guid] or ""
            key = (source_id, sel.start, sel.end)
            spans.append((source_id, sel.start, sel.end, text[sel.start:sel.end]))
            placed.append((sel, key))
        self.report.drop("empty selection", empty, "a selection of zero characters marks no text")
        if not spans:
            return
        frame = pd.DataFrame(spans, columns=["source_id", "start", "end", "text"])
        before = store_coding.count_excerpts(self.conn)
        ids = store_coding.ensure_excerpts(self.conn, frame)
        added = store_coding.count_excerpts(self.conn) - before
        self.report.add("excerpts", added)
        self.report.reuse("excerpts", len(frame.drop_duplicates(["source_id", "start", "end"])) - added)
        wanted: dict[tuple[int, int, str], dict[str, Any]] = {}
        repeated = 0
        now = utcnow()
        for (sel, key), excerpt_id in zip(placed, ids.tolist()):
            self.excerpt_id[sel.guid] = excerpt_id
            for coding in sel.codings:
                if coding.guid:
                    self.coding_excerpt[coding.guid] = excerpt_id
                coder = self.coder_of(coding.coder_guid, sel)
                triple = (excerpt_id, self.code_id[coding.code_guid], coder)
                if triple in wanted:
                    repeated += 1
                    continue
                wanted[triple] = {
                    "weight": None if coding.weight is None else float(coding.weight),
                    "created_at": naive_utc(coding.created or sel.created) or now,
                    "where": (self.source_name[key[0]], key[1], key[2], self.code_path[coding.code_guid]),
                }
        if repeated:
            self.report.warnings.append(f"{repeated} coding(s) repeat a span x code x coder already in the file; kept once")
        coder_names = list(dict.fromkeys([*(c for _, _, c in wanted), *self.users.values()]))
        known = set(xs.coders(self.conn).values())
        coder_ids = store_coding.ensure_coders(self.conn, coder_names) if coder_names else {}
        self.report.add("coders", sum(1 for c in coder_names if c not in known))
        if self.fallback_coder in coder_names:
            n = sum(1 for _, _, c in wanted if c == self.fallback_coder)
            self.report.warnings.append(f"{n} coding(s) name no coder in the file; they were given coder '{self.fallback_coder}'")
        present = xs.existing_applications(self.conn, {e for e, _, _ in wanted})
        rows: list[dict[str, Any]] = []
        for (excerpt_id, code_id, coder), info in wanted.items():
            old = present.get((excerpt_id, code_id, coder_ids[coder]))
            if old is not None:
                self.report.reuse("applications")
                if info["weight"] is not None and not _same_weight(old.weight, info["weight"]):
                    source, start, end, code = info["where"]
                    self.report.conflicts.append({
                        "source": source, "start": start, "end": end, "code": code, "coder": coder,
                        "weight_project": old.weight, "weight_file": info["weight"],
                    })
                continue
            rows.append({
                "excerpt_id": excerpt_id, "code_id": code_id, "coder_id": coder_ids[coder], "weight": info["weight"],
                "origin": "import", "status": "applied", "created_at": info["created_at"],
            })
        if rows:
            run_id = store_coding.new_run(self.conn, "import", None, {"file": self.report.file, "tool": self.p.origin})
            for row in rows:
                row["run_id"] = run_id
            self.report.add("applications", store_coding.insert_applications(self.conn, rows))
        for c in self.report.conflicts[:MAX_CONFLICT_LINES]:
            self.report.warnings.append(
                f"conflict: '{c['source']}' [{c['start']}, {c['end']}) {c['code']} by {c['coder']}: weight "
                f"{_fmt(c['weight_project'])} in the project, {_fmt(c['weight_file'])} in the file; the project's kept"
            )
        if len(self.report.conflicts) > MAX_CONFLICT_LINES:
            self.report.warnings.append(
                f"… and {len(self.report.conflicts) - MAX_CONFLICT_LINES} more conflict(s) (all listed in the report's conflicts)"
            )

    # ----- cases and descriptors ------------------------------------------------------
    def store_cases(self) -> None:
        variables = {v.guid: v for v in self.p.variables}
        wave_vars = {v.guid for v in self.p.variables if v.applies_to == "source" and v.name.strip().casefold() == WAVE_VARIABLE}
        names = [c.name.strip() or c.guid for c in self.p.cases]
        before = store_cases.case_ids(self.conn)
        ids = store_cases.ensure_cases(self.conn, names) if names else {}
        changes: dict[int, dict[str, Any]] = defaultdict(dict)
        claimed: dict[int, str] = {}
        values: dict[int, dict[str, Any]] = defaultdict(dict)  # case id -> variable guid -> value
        value_from: dict[tuple[int, str], str] = {}
        for case, name in zip(self.p.cases, names):
            case_id = ids[name]
            self.case_id[case.guid] = case_id
            if name in before:
                self.report.reuse("cases")
            else:
                before[name] = case_id
                self.report.add("cases")
            values[case_id].update({g: v for g, v in case.variable_values.items() if v is not None})
            for g in case.source_guids:
                if g in self.dropped_sources:
                    continue
                source_id = self.source_id[g]
                if source_id in claimed and claimed[source_id] != name:
                    self.report.warnings.append(
                        f"source '{self.source_name[source_id]}' belongs to case '{claimed[source_id]}' and to case '{name}'; kept with '{claimed[source_id]}'"
                    )
                    continue
                current = self.source_case.get(source_id)
                if current is not None and current != case_id:
                    owner = next((n for n, i in before.items() if i == current), str(current))
                    self.report.warnings.append(
                        f"source '{self.source_name[source_id]}' already belongs to case '{owner}' in the project; not moved to '{name}'"
                    )
                    claimed[source_id] = owner
                    continue
                claimed[source_id] = name
                if current is None:
                    self.source_case[source_id] = case_id
                    changes[source_id]["case_id"] = case_id
            self.report.drop(
                "case selection link", len(case.selection_guids),
                f"case '{name}' owns parts of sources; qualcode links whole sources to cases",
            )
            self.report.drop("case code link", len(case.code_guids), f"case '{name}' lists codes; qualcode has no case-code link")
        # Values set on sources go to the source's case (a new one named after the source if none).
        for source in self.p.sources:
            if not source.variable_values or source.guid in self.dropped_sources:
                continue
            source_id = self.source_id[source.guid]
            case_values = {g: v for g, v in source.variable_values.items() if g not in wave_vars and v is not None}
            for g in wave_vars & set(source.variable_values):
                self.set_wave(source_id, source.variable_values[g], changes)
            if not case_values:
                continue
            case_id = self.source_case.get(source_id)
            if case_id is None:
                name = self.source_name[source_id]
                case_id = store_cases.ensure_cases(self.conn, [name])[name]
                if name not in before:
                    before[name] = case_id
                    self.report.add("cases")
                self.source_case[source_id] = case_id
                changes[source_id]["case_id"] = case_id
            for g, v in case_values.items():
                old = values[case_id].get(g)
                if old is not None and old != v:
                    self.report.warnings.append(
                        f"{variables[g].name} of case {self.case_name(case_id, before)}: '{old}' (from {value_from.get((case_id, g), 'the case')}) "
                        f"and '{v}' (from source '{self.source_name[source_id]}'); the first kept"
                    )
                    continue
                values[case_id][g] = v
                value_from[(case_id, g)] = f"source '{self.source_name[source_id]}'"
        xs.set_source_fields(self.conn, dict(changes))
        self.store_values(values, variables, wave_vars, before)
        self.report.drop(
            "variable description", sum(1 for v in self.p.variables if v.description.strip()),
            "qualcode descriptor fields have no description",
        )
        for case in self.p.cases:
            if case.description.strip():
                self.add_memo("case", self.case_id[case.guid], case.description.strip(), None, None)

    @staticmethod
    def case_name(case_id: int, names: dict[str, int]) -> str:
        return next((f"'{n}'" for n, i in names.items() if i == case_id), str(case_id))

    def set_wave(self, source_id: int, value: Any, changes: dict[int, dict[str, Any]]) -> None:
        wave = to_text(value)
        if wave is None:
            return
        current = self.source_wave.get(source_id)
        if current is None:
            self.source_wave[source_id] = wave
            changes[source_id]["wave"] = wave
        elif current != wave:
            self.report.warnings.append(
                f"source '{self.source_name[source_id]}' is wave {current} in the project, {wave} in the file; kept {current}"
            )

    def store_values(self, values: dict[int, dict[str, Any]], variables: dict[str, ExVariable], wave_vars: set[str],
                     case_names: dict[str, int]) -> None:
        by_var: dict[str, dict[int, Any]] = defaultdict(dict)
        for case_id, vals in values.items():
            for g, v in vals.items():
                by_var[g][case_id] = v
        fields = store_cases.fields(self.conn)
        for var in self.p.variables:
            if var.guid in wave_vars or var.guid not in by_var:
                continue
            name = var.name.strip() or var.guid
            if name in fields and fields[name]["type"] != var.type:
                self.report.warnings.append(
                    f"descriptor '{name}' is {fields[name]['type']} in the project and {var.type} in the file; kept as {fields[name]['type']}"
                )
            field_id = store_cases.ensure_field(self.conn, name, var.type)
            current = store_cases.current_values(self.conn, field_id)
            new: dict[int, str | None] = {}
            differ = 0
            for case_id, value in by_var[var.guid].items():
                text = to_text(value)
                old = current.get(case_id)
                if old is None:
                    new[case_id] = text
                elif old != text:
                    differ += 1
            if differ:
                self.report.warnings.append(
                    f"descriptor '{name}': {differ} case(s) already have another value in the project; the project's values kept"
                )
            store_cases.set_values(self.conn, field_id, new)
            self.report.add("descriptor_values", len(new))

    # ----- memos ----------------------------------------------------------------------
    def memo_targets(self, note: ExNote, owners: dict[str, list[str]]) -> list[tuple[str, int | None]]:
        """(target kind, id) pairs for a note; dropped or unmappable targets fall back to the project."""
        targets: list[tuple[str, int | None]] = []
        code_set = set(self.code_id)
        for g in dict.fromkeys([*note.targets, *owners.get(note.guid, [])]):
            if g in code_set:
                targets.append(("code", self.code_id[g]))
            elif g in self.source_id:
                source_id = self.source_id[g]
                excerpt = self.anchored_excerpt(note, source_id)
                targets.append(("excerpt", excerpt) if excerpt is not None else ("source", source_id))
            elif g in self.excerpt_id:
                targets.append(("excerpt", self.excerpt_id[g]))
            elif g in self.coding_excerpt:
                targets.append(("excerpt", self.coding_excerpt[g]))
            elif g in self.case_id:
                targets.append(("case", self.case_id[g]))
            else:
                self.report.warnings.append(
                    f"note '{note.name or note.guid}' is attached to something qualcode did not import ({g}); kept as a project memo"
                )
        if note.anchor is not None and not any(kind == "excerpt" for kind, _ in targets):
            self.report.warnings.append(
                f"note '{note.name or note.guid}' marks text [{note.anchor[0]}, {note.anchor[1]}); kept on the whole source"
            )
        return list(dict.fromkeys(targets)) or [("project", None)]

    def anchored_excerpt(self, note: ExNote, source_id: int) -> int | None:
        if note.anchor is None:
            return None
        key = (source_id, *note.anchor)
        return self.excerpts_by_span().get(key)

    def excerpts_by_span(self) -> dict[tuple[int, int, int], int]:
        if self.spans is None:
            sel_by_guid = {s.guid: s for s in self.p.selections}
            self.spans = {
                (self.source_id[sel_by_guid[g].source_guid], sel_by_guid[g].start, sel_by_guid[g].end): e
                for g, e in self.excerpt_id.items()
            }
        return self.spans

    def store_notes(self) -> None:
        owners: dict[str, list[str]] = defaultdict(list)
        for _, code in self.p.iter_codes():
            for g in code.note_guids:
                owners[g].append(code.guid)
        for source in self.p.sources:
            for g in source.note_guids:
                owners[g].append(source.guid)
        for sel in self.p.selections:
            for g in sel.note_guids:
                owners[g].append(sel.guid)
            for coding in sel.codings:
                for g in coding.note_guids:
                    owners[g].append(coding.guid or sel.guid)
            if sel.description.strip() and sel.guid in self.excerpt_id:
                self.add_memo("excerpt", self.excerpt_id[sel.guid], sel.description.strip(), sel.creator_guid, sel.created)
        empty = 0
        for note in self.p.notes:
            text = note.text.strip()
            name = note.name.strip()
            if name and not text.startswith(name):
                text = f"{name}\n\n{text}" if text else name
            if note.description.strip():
                text = f"{text}\n\n{note.description.strip()}"
            if not text:
                empty += 1
                continue
            for kind, target_id in self.memo_targets(note, owners):
                self.add_memo(kind, target_id, text, note.creator_guid, note.created)
        if self.p.description.strip():
            self.add_memo("project", None, self.p.description.strip(), None, None)
        self.report.drop("empty note", empty, "a note without text or name says nothing")

    def add_memo(self, target: str, target_id: int | None, text: str, author_guid: str | None, created: datetime | None) -> None:
        key = (target, target_id, text)
        if key in self.memo_keys:
            self.report.reuse("memos")
            return
        self.memo_keys.add(key)
        self.memo_rows.append({
            "target": target, "target_id": target_id, "text": text,
            "author": self.users.get(author_guid or "", ""), "created_at": naive_utc(created) or utcnow(),
        })

    # ----- sets -----------------------------------------------------------------------
    def store_sets(self) -> None:
        for set_ in self.p.sets:
            name = set_.name.strip() or set_.guid
            self.report.drop(
                "set member source", sum(1 for g in set_.source_guids if g not in self.dropped_sources),
                f"set '{name}' lists sources; qualcode keeps sets of codes only",
            )
            self.report.drop("set member note", len(set_.note_guids), f"set '{name}' lists notes; qualcode keeps sets of codes only")
            if not set_.code_guids:
                self.report.drop("set without codes", 1, f"set '{name}' has no codes; qualcode keeps sets of codes only")
                continue
            set_id, created = xs.ensure_code_set(self.conn, name, set_.description.strip())
            self.report.add("code_sets", int(created))
            if not created:
                self.report.reuse("code_sets")
            xs.add_code_set_members(self.conn, set_id, [self.code_id[g] for g in set_.code_guids])

    # ----- what the reader found ------------------------------------------------------
    def carry_reader_findings(self) -> None:
        for what, n in sorted(self.p.skipped.items()):
            base = what.removeprefix("Coding on ").removeprefix("a ")
            if what.startswith("Coding on"):
                why = f"codings on {base} (not stored) cannot be kept"
            elif " to a dropped element" in what or what.startswith("Link from a note"):
                why = "it pointed at an element that was dropped"
            else:
                why = DROP_REASONS.get(what, "qualcode has no place for it")
            self.report.drop(what, n, why)
        self.report.positions = list(self.p.positions)
        self.report.warnings.extend(self.p.warnings)
        for item in self.p.unmatched:
            self.report.drop(
                "unplaced excerpt", 1,
                f"row {item.get('row')} of '{item.get('media')}' (range {item.get('range')}): {item.get('reason')}",
            )


def _same_weight(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def store_exchange(
    conn: Connection,
    project: ExchangeProject,
    *,
    label: str,
    fallback_coder: str = "unknown",
) -> ImportReport:
    """Store ``project`` through ``conn`` (the caller's transaction); returns the report.

    Raises :class:`ImportFormatError` before writing when a reference dangles or a
    selection lies outside its source; any later error also aborts the transaction.
    """
    report = ImportReport(file=label, tool=project.origin, in_file=project.counts())
    validate(project, label)
    _Importer(conn, project, report, fallback_coder).run()
    if report.added.get("sources"):
        # Imported transcripts have interviewers too: guess them as ingest does, so their
        # turns stay out of coding, word counts, clouds and quotes (speech/speakers.py).
        guesses = guess_interviewers(store_speakers.turns(conn))
        report.guessed_interviewers = store_speakers.replace_guesses(
            conn, {speaker_key(name): (name, role) for name, role in guesses.items()})
    return report
