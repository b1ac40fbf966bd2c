"""Read a QualCoder project (``*.qda`` folder or its ``data.qda`` SQLite file).

QualCoder keeps everything in one SQLite database (schema as created by QualCoder 3.x;
older databases lack some columns, which are then treated as empty):

=================  ==========================================================
``source``         id, name, fulltext, mediapath, memo, owner, date
``code_cat``       catid, name, memo, supercatid (categories, nested)
``code_name``      cid, name, memo, catid, owner, date, color
``code_text``      ctid, cid, fid, seltext, pos0, pos1, owner, date, memo, avid
``cases``          caseid, name, memo, owner, date
``case_text``      caseid, fid, pos0, pos1 (the part of a file a case owns)
``attribute_type`` name, memo, caseOrFile ('case'/'file'/'journal'), valuetype
``attribute``      name, attr_type, value, id (a caseid or a source id)
``annotation``     fid, pos0, pos1, memo, owner, date
``journal``        name, jentry, owner, date
=================  ==========================================================

Mapping: categories and codes form one code tree (categories are not codable); each
distinct ``(fid, pos0, pos1)`` of ``code_text`` is one selection and each row one coding
by its ``owner``; a row's memo becomes a note on that coding; ``attribute_type`` rows
become variables (``character`` -> category, ``numeric`` -> number) and ``attribute``
rows their values on cases or sources; a case owning a whole file gets a source
reference, a case owning part of a file a selection reference; annotations and journal
entries become notes. Images, audio and video (no ``fulltext``) and their codings are
skipped and counted. GUIDs are ``uuid5`` of the project folder name and the row ids, so
importing the same database twice gives the same GUIDs.

Positions: QualCoder's ``pos0``/``pos1`` index ``fulltext``. Each selection is checked
against the ``seltext`` QualCoder stored; when they disagree the positions are tried as
UTF-16 units (what Qt counts) and then the stored text is searched nearby, so a
selection never silently points at the wrong words.
"""
from __future__ import annotations

import sqlite3
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any

from qualcode.errors import ImportFormatError
from qualcode.interop.exchange import (
    ExCase,
    ExchangeProject,
    ExCode,
    ExCoding,
    ExNote,
    ExSelection,
    ExSource,
    ExUser,
    ExVariable,
    VariableValue,
)
from qualcode.interop.guids import project_namespace
from qualcode.interop.refi_offsets import OffsetMap, normalise_text, normalise_with_map, utf16_stage

_REQUIRED = ("source", "code_name", "code_text")


def _database_path(path: Path) -> Path:
    if path.is_dir():
        db = path / "data.qda"
        if not db.is_file():
            raise ImportFormatError(f"{path.name}: no data.qda inside; choose the QualCoder project folder (*.qda) or its data.qda file")
        return db
    if path.is_file():
        return path
    raise ImportFormatError(f"{path}: not found; give a QualCoder project folder (*.qda) or its data.qda file")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _comparable(text: str) -> str:
    """Qt's selectedText() writes paragraph breaks as U+2029; compare in normal form."""
    return normalise_text(text.replace("\u2029", "\n"))


class _Db:
    """Tolerant access to tables and columns that vary across QualCoder versions."""

    def __init__(self, conn: sqlite3.Connection, label: str) -> None:
        self.conn = conn
        self.label = label
        self.tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in _REQUIRED if t not in self.tables]
        if missing:
            raise ImportFormatError(f"{label}: not a QualCoder database (missing tables {', '.join(missing)})")

    def rows(self, table: str, columns: list[str], order: str | None = None) -> list[dict[str, Any]]:
        if table not in self.tables:
            return []
        present = {r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')}
        cols = [c for c in columns if c in present]
        sql = f'SELECT {", ".join(cols)} FROM "{table}"'
        if order and order in present:
            sql += f" ORDER BY {order}"
        out = []
        for number, row in enumerate(self.conn.execute(sql), start=1):
            record = dict.fromkeys(columns)
            record.update(zip(cols, (self._text(v, table, c, number) for c, v in zip(cols, row))))
            out.append(record)
        return out

    def _text(self, value: Any, table: str, column: str, number: int) -> Any:
        """A cell as QualCoder wrote it: SQLite keeps whatever it is given, and a BLOB
        where QualCoder writes text is UTF-8 text or damage."""
        if not isinstance(value, bytes):
            return value
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFormatError(
                f"{self.label}: {table} row {number}, column {column}, holds binary data ({value[:12]!r}), not text; "
                "the database is damaged, repair it in QualCoder"
            ) from None


class _QualCoderReader:
    def __init__(self, db: _Db, name: str) -> None:
        self.db = db
        self.label = db.label
        self.ns = project_namespace(f"qualcoder:{name}")
        self.p = ExchangeProject(name=name, origin="QualCoder")
        self.users: dict[str, str] = {}
        self.texts: dict[int, tuple[str, str, OffsetMap]] = {}  # fid -> (raw, normalised, map)
        self.source_guid: dict[int, str] = {}
        self.source_name: dict[int, str] = {}
        self.source_by_fid: dict[int, ExSource] = {}

    def guid(self, *parts: object) -> str:
        return str(uuid.uuid5(self.ns, ":".join(str(p) for p in parts)))

    def user(self, owner: Any) -> str | None:
        if owner is None or str(owner).strip() == "":
            return None
        name = str(owner)
        if name not in self.users:
            self.users[name] = self.guid("user", name)
            self.p.users.append(ExUser(guid=self.users[name], name=name))
        return self.users[name]

    def position(self, value: Any, where: str, column: str) -> int:
        """A character position from the database: QualCoder writes integers, but SQLite
        stores whatever it is given (text, NULL, a fraction), so anything else is an error."""
        if isinstance(value, bool) or value is None:
            raise ImportFormatError(f"{self.label}: {where} has no {column}; the database is damaged, repair it in QualCoder")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise ImportFormatError(f"{self.label}: {where} has {column} {value!r}, not a whole number; "
                                "the database is damaged, repair it in QualCoder")

    # ----- codes -----------------------------------------------------------------------
    def read_codes(self) -> dict[int, str]:
        cats = self.db.rows("code_cat", ["catid", "name", "memo", "supercatid", "owner", "date"], "catid")
        codes = self.db.rows("code_name", ["cid", "name", "memo", "catid", "owner", "date", "color"], "cid")
        cat_nodes = {
            c["catid"]: ExCode(guid=self.guid("code_cat", c["catid"]), name=str(c["name"]), description=c["memo"] or "", is_codable=False)
            for c in cats
        }
        parents = {c["catid"]: c["supercatid"] for c in cats}
        for catid in parents:  # refuse cycles rather than lose a branch silently
            seen = {catid}
            parent = parents[catid]
            while parent is not None and parent in parents:
                if parent in seen:
                    raise ImportFormatError(f"{self.label}: code_cat catid={catid} is inside itself (supercatid cycle); fix it in QualCoder")
                seen.add(parent)
                parent = parents[parent]
        roots: list[ExCode] = []
        for c in cats:
            node = cat_nodes[c["catid"]]
            parent = c["supercatid"]
            if parent is None:
                roots.append(node)
            elif parent in cat_nodes:
                cat_nodes[parent].children.append(node)
            else:
                self.p.warnings.append(f"{self.label}: category '{node.name}' has unknown parent category {parent}; placed at the top")
                roots.append(node)
        cid_guid: dict[int, str] = {}
        for c in codes:
            colour = (c["color"] or "").strip().lower() or None
            node = ExCode(guid=self.guid("code_name", c["cid"]), name=str(c["name"]), colour=colour, description=c["memo"] or "")
            cid_guid[c["cid"]] = node.guid
            if c["catid"] is None:
                roots.append(node)
            elif c["catid"] in cat_nodes:
                cat_nodes[c["catid"]].children.append(node)
            else:
                self.p.warnings.append(f"{self.label}: code '{node.name}' is in unknown category {c['catid']}; placed at the top")
                roots.append(node)
        self.p.codes = roots
        return cid_guid

    # ----- sources ---------------------------------------------------------------------
    def read_sources(self) -> None:
        for s in self.db.rows("source", ["id", "name", "fulltext", "mediapath", "memo", "owner", "date"], "id"):
            if s["fulltext"] is None:
                self.p.skip("QualCoder image/audio/video source")
                continue
            raw = str(s["fulltext"])
            text, mapping = normalise_with_map(raw)
            name = str(s["name"])
            origin = s["mediapath"] or name
            suffix = PurePath(str(origin)).suffix.lower().lstrip(".")
            guid = self.guid("source", s["id"])
            self.source_guid[s["id"]] = guid
            self.texts[s["id"]] = (raw, text, mapping)
            self.source_name[s["id"]] = name
            self.source_by_fid[s["id"]] = ExSource(
                guid=guid,
                name=name,
                text=text,
                kind=suffix if suffix in ("docx", "pdf", "odt", "epub", "md", "html", "htm", "rtf") else "text",
                origin_path=str(origin),
                creator_guid=self.user(s["owner"]),
                created=_when(s["date"]),
                description=s["memo"] or "",
            )
            self.p.sources.append(self.source_by_fid[s["id"]])

    def locate(self, fid: int, pos0: int, pos1: int, seltext: str | None, where: str) -> tuple[int, int]:
        """Normalised span for QualCoder positions, verified against ``seltext``."""
        raw, text, mapping = self.texts[fid]
        name = self.source_name[fid]
        if pos0 < 0 or pos1 < pos0 or pos1 > len(raw):
            raise ImportFormatError(f"{self.label}: {where} [{pos0}, {pos1}) lies outside source '{name}' "
                                    f"({len(raw)} characters); the database is damaged, repair it in QualCoder")
        span = mapping.span_to_norm(pos0, pos1)
        if not seltext or _comparable(raw[pos0:pos1]) == _comparable(seltext):
            return span
        wanted = _comparable(seltext)
        units = utf16_stage(raw)
        if units.edits:
            c0, c1 = units.to_norm(pos0, "start")[0], units.to_norm(pos1, "end")[0]
            if _comparable(raw[c0:c1]) == wanted:
                return mapping.span_to_norm(c0, c1)
        hits = []
        start = text.find(wanted)
        while start != -1:
            hits.append(start)
            start = text.find(wanted, start + 1)
        if hits:
            best = min(hits, key=lambda h: abs(h - span[0]))
            self.p.warnings.append(f"{self.label}: {where} in '{name}' moved from {span[0]} to {best} to match its stored text")
            return best, best + len(wanted)
        self.p.warnings.append(f"{self.label}: {where} in '{name}': stored text differs from the source at [{pos0}, {pos1}); kept the positions")
        return span

    # ----- codings ---------------------------------------------------------------------
    def read_codings(self, cid_guid: dict[int, str]) -> None:
        rows = self.db.rows("code_text", ["ctid", "cid", "fid", "seltext", "pos0", "pos1", "owner", "date", "memo", "avid"], "ctid")
        groups: dict[tuple[int, int, int], list[dict[str, Any]]] = defaultdict(list)
        for i, r in enumerate(rows):
            r["_row"] = r["ctid"] if r["ctid"] is not None else i + 1
            if r["avid"] is not None or r["fid"] not in self.texts:
                self.p.skip("QualCoder coding of a non-text source")
                continue
            if r["cid"] not in cid_guid:
                raise ImportFormatError(f"{self.label}: code_text row {r['_row']} refers to code cid={r['cid']}, which is "
                                        "not in code_name; the database is damaged, repair it in QualCoder")
            where = f"code_text row {r['_row']}"
            groups[(r["fid"], self.position(r["pos0"], where, "pos0"), self.position(r["pos1"], where, "pos1"))].append(r)
        for (fid, pos0, pos1), group in sorted(groups.items()):
            group.sort(key=lambda r: (str(r["date"] or ""), r["_row"]))
            first = group[0]
            start, end = self.locate(fid, pos0, pos1, first["seltext"], f"code_text row {first['_row']}")
            selection = ExSelection(
                guid=self.guid("selection", fid, pos0, pos1),
                source_guid=self.source_guid[fid],
                start=start,
                end=end,
                creator_guid=self.user(first["owner"]),
                created=_when(first["date"]),
                quote=first["seltext"],
            )
            seen: set[tuple[str, str | None]] = set()
            for r in group:
                coder = self.user(r["owner"])
                key = (cid_guid[r["cid"]], coder)
                if key in seen:  # same code, same coder, same span: one application
                    self.p.skip("duplicate QualCoder coding")
                    continue
                seen.add(key)
                coding = ExCoding(code_guid=key[0], coder_guid=coder, guid=self.guid("code_text", r["_row"]), created=_when(r["date"]))
                if r["memo"]:
                    note = ExNote(guid=self.guid("code_text_memo", r["_row"]), name="coding memo", text=normalise_text(str(r["memo"])),
                                  targets=[coding.guid], creator_guid=coder, created=_when(r["date"]))  # type: ignore[list-item]
                    self.p.notes.append(note)
                    coding.note_guids.append(note.guid)
                selection.codings.append(coding)
            self.p.selections.append(selection)
        for table in ("code_image", "code_av"):
            n = len(self.db.rows(table, ["cid"]))
            if n:
                self.p.skip(f"QualCoder {table} coding", n)

    # ----- cases, attributes, notes -------------------------------------------------------
    def read_cases(self) -> dict[int, ExCase]:
        cases = {}
        for c in self.db.rows("cases", ["caseid", "name", "memo", "owner", "date"], "caseid"):
            case = ExCase(guid=self.guid("case", c["caseid"]), name=str(c["name"]), description=c["memo"] or "")
            cases[c["caseid"]] = case
            self.p.cases.append(case)
        for r in self.db.rows("case_text", ["id", "caseid", "fid", "pos0", "pos1"], "id"):
            case = cases.get(r["caseid"])
            if case is None:
                raise ImportFormatError(f"{self.label}: case_text row {r['id']} refers to case {r['caseid']}, which is "
                                        "not in cases; the database is damaged, repair it in QualCoder")
            if r["fid"] not in self.texts:
                self.p.skip("QualCoder case link to a non-text source")
                continue
            raw = self.texts[r["fid"]][0]
            pos0, pos1 = r["pos0"], r["pos1"]
            source = self.source_guid[r["fid"]]
            where = f"case_text row {r['id']}"
            if pos0 is None or pos1 is None or (self.position(pos0, where, "pos0") <= 0 and self.position(pos1, where, "pos1") >= len(raw)):
                if source not in case.source_guids:
                    case.source_guids.append(source)
                continue
            start, end = self.locate(r["fid"], self.position(pos0, where, "pos0"), self.position(pos1, where, "pos1"), None, where)
            selection = ExSelection(guid=self.guid("case_text", r["id"]), source_guid=source, start=start, end=end)
            self.p.selections.append(selection)
            case.selection_guids.append(selection.guid)
        return cases

    def read_attributes(self, cases: dict[int, ExCase]) -> None:
        variables: dict[str, ExVariable] = {}
        for t in self.db.rows("attribute_type", ["name", "memo", "caseOrFile", "valuetype"], "name"):
            applies = str(t["caseOrFile"] or "").lower()
            if applies not in ("case", "file"):
                self.p.skip(f"QualCoder {applies or 'unknown'} attribute")
                continue
            var = ExVariable(
                guid=self.guid("attribute_type", t["name"]),
                name=str(t["name"]),
                type="number" if str(t["valuetype"]).lower() == "numeric" else "category",
                description=t["memo"] or "",
                applies_to="case" if applies == "case" else "source",
            )
            variables[f"{applies}:{var.name}"] = var
            self.p.variables.append(var)
        sources = self.source_by_fid
        for a in self.db.rows("attribute", ["attrid", "name", "attr_type", "value", "id"], "attrid"):
            kind = str(a["attr_type"] or "").lower()
            var = variables.get(f"{kind}:{a['name']}")
            if var is None:
                continue
            owner: ExCase | ExSource | None = cases.get(a["id"]) if kind == "case" else sources.get(a["id"])
            if owner is None:
                continue
            owner.variable_values[var.guid] = self.value(var, a)

    def value(self, var: ExVariable, row: dict[str, Any]) -> VariableValue:
        raw = row["value"]
        if raw is None or str(raw).strip() == "":
            return None
        if var.type == "number":
            try:
                return float(raw)
            except ValueError:
                self.p.warnings.append(f"{self.label}: attribute '{var.name}' value {raw!r} is not a number; left empty")
                return None
        return str(raw)

    def read_notes(self) -> None:
        for a in self.db.rows("annotation", ["anid", "fid", "pos0", "pos1", "memo", "owner", "date"], "anid"):
            if a["fid"] not in self.texts:
                self.p.skip("QualCoder annotation on a non-text source")
                continue
            where = f"annotation {a['anid']}"
            start, end = self.locate(a["fid"], self.position(a["pos0"], where, "pos0"), self.position(a["pos1"], where, "pos1"), None, where)
            self.p.notes.append(
                ExNote(guid=self.guid("annotation", a["anid"]), name="annotation", text=normalise_text(str(a["memo"] or "")),
                       targets=[self.source_guid[a["fid"]]], creator_guid=self.user(a["owner"]), created=_when(a["date"]),
                       anchor=(start, end))
            )
        for j in self.db.rows("journal", ["jid", "name", "jentry", "owner", "date"], "jid"):
            guid = self.guid("journal", j["jid"])
            self.p.notes.append(ExNote(guid=guid, name=str(j["name"] or ""), text=normalise_text(str(j["jentry"] or "")),
                                       creator_guid=self.user(j["owner"]), created=_when(j["date"])))
            self.p.project_note_guids.append(guid)

    def read(self) -> ExchangeProject:
        cid_guid = self.read_codes()
        self.read_sources()
        self.read_codings(cid_guid)
        cases = self.read_cases()
        self.read_attributes(cases)
        self.read_notes()
        for fid, (_, _, mapping) in self.texts.items():
            if mapping.snapped:
                self.p.warnings.append(
                    f"{self.label}: {mapping.snapped} position(s) in '{self.source_name[fid]}' fell inside a character and were widened"
                )
        return self.p


def read_qualcoder(path: str | Path) -> ExchangeProject:
    """Read a QualCoder project folder (``*.qda``) or its ``data.qda`` into the exchange model."""
    path = Path(path)
    db_path = _database_path(path)
    name = (path.name if path.is_dir() else db_path.parent.name or db_path.stem).removesuffix(".qda")
    label = f"{path.name}/data.qda" if path.is_dir() else path.name
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ImportFormatError(f"{label}: cannot open the database ({exc})") from None
    try:
        try:
            db = _Db(conn, label)
        except sqlite3.DatabaseError as exc:
            raise ImportFormatError(f"{label}: not an SQLite database ({exc}); choose QualCoder's data.qda") from None
        try:
            return _QualCoderReader(db, name).read()
        except sqlite3.DatabaseError as exc:
            raise ImportFormatError(f"{label}: the database cannot be read ({exc}); open the project in QualCoder "
                                    "to repair it, or use a backup") from None
    finally:
        conn.close()
