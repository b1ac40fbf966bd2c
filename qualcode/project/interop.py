"""``Project`` methods for interoperability: REFI-QDA, QualCoder and Dedoose in and out.

``qualcode.Project`` inherits this class. Methods stay thin: read the file
(outside any transaction, so a bad file never touches the project), then store it in one
transaction, or read the project and write the file.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import ExportError, ImportFormatError, UsageError
from qualcode.interop.reports import ExportReport, ImportReport, MergeReport
from qualcode.project.core import ProjectCore
from qualcode.store import exchange_store as xs
from qualcode.store import sources as store_sources
from qualcode.store.database import Database
from qualcode.store.engine import display_name, is_database_url, sqlite_path
from qualcode.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.coding.coded_sheet import CodedSheetReport
    from qualcode.interop.exchange import ExchangeProject
    from qualcode.interop.from_store import LeftOut

# The readers and writers (lxml, openpyxl) are imported by the method that uses them.

FALLBACK_CODER = "unknown"


class ProjectInterop(ProjectCore):
    """REFI-QDA, QualCoder and Dedoose exchange, and merging projects; ``qualcode.Project``
    inherits them."""

    # ------------------------------------------------------------------- imports
    def import_exchange(self, project: ExchangeProject, label: str, *, fallback_coder: str = FALLBACK_CODER) -> ImportReport:
        """Store an exchange model (from any reader, or built by hand) in one transaction."""
        from qualcode.interop.to_store import store_exchange

        with self._db.begin() as conn:
            return store_exchange(conn, project, label=label, fallback_coder=fallback_coder)

    def import_qdpx(self, path: str | Path, *, positions: str = "auto") -> ImportReport:
        """A REFI-QDA project (``.qdpx``, or a bare ``project.qde``) from NVivo, ATLAS.ti,
        MAXQDA, QualCoder...: codes, text sources, selections with codings, notes, cases,
        variables and code sets. Re-importing the same file adds nothing.

        Tools count positions differently (code points or UTF-16 units, BOM counted or
        not, CRLF as one or two); ``positions="auto"`` decides it per source from where
        the selections land and the report's ``positions`` says what was used and how
        sure. Parts such as ``"utf16"`` or ``"utf16:nobom:crlf2"`` force a reading.
        """
        from qualcode.interop.refi_positions import parse_positions
        from qualcode.interop.refi_read import read_qdpx

        parse_positions(positions)  # a bad value fails before the file is read
        path = Path(path)
        _exists(path)
        return self.import_exchange(read_qdpx(path, positions=positions), path.name)

    def import_qualcoder(self, path: str | Path) -> ImportReport:
        """A QualCoder project (``*.qda`` folder or its ``data.qda``)."""
        from qualcode.interop.qualcoder_read import read_qualcoder

        path = Path(path)
        _exists(path)
        return self.import_exchange(read_qualcoder(path), path.name)

    def import_dedoose(self, path: str | Path, media: str | Path | None = None) -> ImportReport:
        """A Dedoose excerpt export (xlsx/csv). Excerpts are placed in the media texts from
        ``media`` (a folder of .txt/.md/.docx named like the media titles) or, failing
        that, in the project's sources of the same name (ingest the transcripts first)."""
        from qualcode.interop.dedoose_read import read_dedoose

        path = Path(path)
        _exists(path)
        with self._db.connect() as conn:
            texts = _texts_by_name(conn)
        exchange = read_dedoose(path, media_dir=media, media_texts=texts)
        return self.import_exchange(exchange, path.name)

    def import_codebook_file(self, path: str | Path) -> ImportReport:
        """A codebook: REFI-QDA ``.qdc``, a ``.csv``/``.xlsx`` table or qualcode's YAML."""
        from qualcode.interop.codebook_table_read import read_codebook_table
        from qualcode.interop.refi_read import read_qdc

        path = Path(path)
        _exists(path)
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            counts = self.import_codebook(path)
            return ImportReport(
                file=path.name, tool="qualcode", in_file={"codes": counts["codes_in_file"]},
                added={"codes": counts["codes_added"]}, reused={"codes": counts["codes_in_file"] - counts["codes_added"]},
            )
        if suffix == ".qdc":
            return self.import_exchange(read_qdc(path), path.name)
        if suffix in (".csv", ".xlsx"):
            return self.import_exchange(read_codebook_table(path), path.name)
        raise ImportFormatError(f"{path.name}: a codebook must be .yaml, .yml, .qdc, .csv or .xlsx")

    def import_coded_sheets(
        self,
        files: str | Path | list[str | Path],
        *,
        id_column: str,
        text_column: str,
        codes: str = "Code *",
        coders: str | list[str] | None = None,
        coder_column: str | None = None,
        separator: str = "->",
        dedupe: str | None = None,
        questionnaire: str | None = None,
        question: str | None = None,
        sheet: str | None = None,
    ) -> CodedSheetReport:
        """Coded spreadsheets (xlsx/csv): a row per response, its id and answer text, then
        ``Code 1`` … ``Code n`` columns (glob ``codes``; sub-codes ``parent->child``).

        One file per coder (``coders`` names them, one per file, or one name for one file)
        or a ``coder_column``. The answers become the open question ``question`` (default:
        the text column's name) of questionnaire ``questionnaire`` (default: the files'
        common name), created -- or matched by id when it exists. Each coder's codes are
        applied to the whole answer and every row of their file counts as read by them,
        ready for ``agreement(coders, unit="answer")``. Every file is checked before one
        transaction writes anything. ``dedupe``: ``"keep-first"`` or ``"suffix"`` for
        duplicate ids (default: an error naming them).
        """
        from qualcode.coding.coded_sheet import combine, default_questionnaire_name, read_coded_sheet, store_coded_sheets
        from qualcode.store.migrations import utcnow

        paths = [Path(f) for f in ([files] if isinstance(files, (str, Path)) else files)]
        if not paths:
            raise UsageError("give at least one coded sheet")
        names = [c.strip() for c in coders.split(",")] if isinstance(coders, str) else list(coders or [])
        if coder_column is None and len(names) != len(paths):
            raise UsageError(
                f"{len(paths)} file(s) and {len(names)} coder name(s): give one --coder per file "
                "(in the same order), or --coder-column"
            )
        sheets = []
        for i, path in enumerate(paths):
            sheets += read_coded_sheet(path, id_column=id_column, text_column=text_column, codes=codes,
                                       coder=None if coder_column else names[i], coder_column=coder_column,
                                       separator=separator, sheet=sheet)
        coded = combine(sheets, dedupe=dedupe)  # type: ignore[arg-type]
        name = questionnaire or default_questionnaire_name(paths)
        with self._db.begin() as conn:
            return store_coded_sheets(conn, coded, questionnaire=name, question=question or sheets[0].text_column,
                                      now=utcnow())

    # ------------------------------------------------------------------- exports
    def to_exchange(self) -> tuple[ExchangeProject, LeftOut]:
        """The project as an exchange model with stable GUIDs, and what REFI cannot carry."""
        from qualcode.interop.from_store import build_exchange
        from qualcode.interop.guids import assign_stable_guids

        with self._db.connect() as conn:
            exchange, left_out = build_exchange(conn, title=self.title)
        return assign_stable_guids(exchange, uuid.UUID(self.namespace), in_place=True), left_out

    def export_qdpx(self, path: str | Path, windows: bool = False, positions: str = "utf16:nobom:crlf2", *,
                    anonymise: bool = False) -> ExportReport:
        """Write the project as a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA,
        QualCoder. ``windows=True`` writes texts with CRLF line ends and a BOM.
        ``positions`` is how selection positions count the written text: NVivo's way by
        default (UTF-16 units, BOM not counted, CRLF as two; ATLAS.ti and MAXQDA are
        expected to count UTF-16 units too), ``"codepoint"`` for QualCoder. Exporting twice gives identical files.
        ``anonymise=True`` replaces every confirmed name in the texts (codings move with
        the words they cover), names, notes and descriptor values by its pseudonym."""
        from qualcode.interop.refi_positions import convention_from_spec
        from qualcode.interop.refi_write import write_qdpx

        convention = convention_from_spec(positions)
        path = _out_path(path, ".qdpx")
        exchange, left_out = self.to_exchange()
        if anonymise:
            from qualcode.interop.anonymise import anonymise_exchange

            anonymise_exchange(exchange, self.anonymiser())
        written = write_qdpx(exchange, path, newline="\r\n" if windows else "\n", bom=windows,
                             origin=f"qualcode {__version__}", positions=convention)
        counts = exchange.counts()
        counts.pop("sources_with_text", None)
        report = ExportReport(path=written, written=counts)
        report.positions = convention.describe()
        for what, n, why in left_out.items:
            report.leave_out(what, n, why)
        return report

    def export_qdc(self, path: str | Path) -> ExportReport:
        """Write the codebook (and code sets) as a REFI-QDA codebook (``.qdc``)."""
        from qualcode.interop.refi_write import write_qdc

        path = _out_path(path, ".qdc")
        exchange, left_out = self.to_exchange()
        written = write_qdc(exchange, path, origin=f"qualcode {__version__}")
        report = ExportReport(path=written, written={"codes": exchange.counts()["codes"],
                                                     "sets": sum(1 for s in exchange.sets if s.code_guids)})
        for what, n, why in left_out.items:
            if what.startswith("code "):
                report.leave_out(what, n, why)
        return report

    # --------------------------------------------------------------------- merge
    def merge_project(self, other: str | Path, coder: str | None = None) -> MergeReport:
        """Bring another qualcode project's codings (a coder's copy) into this one.

        Sources match by content hash, codes by path (missing codes are created), coders
        by name; nothing is duplicated, and a different weight or status on the same
        excerpt x code x coder is reported as a conflict (this project's kept). With
        ``coder``, only that coder's applications are merged.
        """
        from qualcode.interop.merge import apply_merge, read_other

        other_target = str(other)
        if _same_target(other_target, self.target):
            raise UsageError("cannot merge a project into itself; give the other coder's copy")
        label = display_name(other_target)
        other_db = Database.open(other_target)
        try:
            with other_db.read_other() as conn:
                snapshot = read_other(conn, coder)
        finally:
            other_db.close()
        if coder is not None and not snapshot.applications:
            raise UsageError(f"{label} has no applications by coder {coder!r}; check the name with 'qualcode agreement'")
        with self._db.begin() as conn:
            return apply_merge(conn, snapshot, label=label)


def _exists(path: Path) -> None:
    if not path.exists():
        raise ImportFormatError(f"{path}: no such file or folder")


def _out_path(path: str | Path, suffix: str) -> Path:
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name ending in {suffix}")
    if not path.parent.exists():
        raise ExportError(f"folder {path.parent} does not exist; create it first")
    return path


def _same_target(a: str, b: str) -> bool:
    if is_database_url(a) or is_database_url(b):
        return a == b
    pa, pb = sqlite_path(a), sqlite_path(b)
    return pa is not None and pb is not None and pa.resolve() == pb.resolve()


def _texts_by_name(conn: Any) -> dict[str, str]:
    """Project source texts keyed by source name and by original file name and stem,
    so Dedoose media titles ("CEO-07.docx" or "CEO-07") find them."""
    out: dict[str, str] = {}
    texts = store_sources.texts(conn)
    for r in xs.sources(conn, with_text=False):
        text = texts[r.id]
        out.setdefault(r.name, text)
        if r.origin_path:
            file_name = Path(r.origin_path).name
            out.setdefault(file_name, text)
            out.setdefault(Path(file_name).stem, text)
    return out
