"""The core of ``qualcode.Project``: open a study, ingest, codebook, coding, the tidy frames.

The same object serves Jupyter and the command line. Its methods are thin: each opens
one transaction (or one read), calls the module that does the work, and returns plain
data (DataFrames, small report objects). Nothing here prints.
"""
from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualcode.codebook.view import CodebookView
from qualcode.coding import spans as span_tools
from qualcode.errors import CodingError, NotFoundError, ProjectError, UsageError
from qualcode.analysis.filters import filter_applications, filter_where, listed_where
from qualcode.analysis.base import HeadlineNumbers
from qualcode.search.mask import search_mask
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import coding as store_coding
from qualcode.store import frames
from qualcode.store import memos as store_memos
from qualcode.store import source_admin
from qualcode.store import sources as store_sources
from qualcode.store import speakers as store_speakers
from qualcode.speech.roles import SpeakerRoles
from qualcode.store.database import Database
from qualcode.store.engine import display_name, is_database_url

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from typing_extensions import Self

    from qualcode.coding.bulk_import import CodingImportReport

    from qualcode.ingest.load import IngestReport

MEMO_TARGETS = ("project", "source", "excerpt", "code", "case")


def default_coder() -> str:
    """Who is coding: ``QUALCODE_CODER`` or the login name."""
    return os.environ.get("QUALCODE_CODER") or getpass.getuser() or "coder"


def coder_or_default(by: str | None) -> str:
    """The coder named, or :func:`default_coder` when none is (every write records a who)."""
    return by or default_coder()


def listed_names(codes: str | Sequence[str] | None) -> list[str] | None:
    """One name or many as a list; None stays None (methods take either)."""
    if codes is None:
        return None
    return [codes] if isinstance(codes, str) else list(codes)


class ProjectCore:
    """A qualcode project: a ``*.qcproj`` SQLite file or a PostgreSQL database URL.

    The core (create/open, ingest, codebook, coding, memos, retrieval of the tidy frames)
    is here; each capability's class in ``qualcode/project/`` builds on it, and
    :class:`qualcode.Project` inherits them all.

    >>> project = Project.create("study.qcproj")        # doctest: +SKIP
    >>> project.ingest("corpora/advance-demo/interviews")  # doctest: +SKIP
    >>> project.excerpts(code="Issues/Governance", where={"role": ["CEO"]})  # doctest: +SKIP
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    def create(cls, target: str | Path, title: str = "") -> "Self":
        return cls(Database.create(target, title=title))

    @classmethod
    def open(cls, target: str | Path) -> "Self":
        return cls(Database.open(target))

    @classmethod
    def locate(cls, target: str | None = None, folder: str | Path = ".") -> "Self":
        """Open ``target``, else ``$QUALCODE_PROJECT``, else the one ``*.qcproj`` in ``folder``."""
        target = target or os.environ.get("QUALCODE_PROJECT")
        if target:
            return cls.open(target)
        found = sorted(Path(folder).glob("*.qcproj"))
        if len(found) == 1:
            return cls.open(found[0])
        if not found:
            raise ProjectError("no project given and no *.qcproj file here; use --project FILE or 'qualcode init FILE'")
        raise ProjectError(
            f"several projects here ({', '.join(p.name for p in found)}); choose one with --project"
        )

    @property
    def target(self) -> str:
        return self._db.target

    @property
    def database(self) -> Database:
        """The store handle, for modules of this package (not a public API)."""
        return self._db

    def close(self) -> None:
        self._db.close()

    def after_fork(self) -> None:
        """Call in a process forked from the one that opened the project (before it reads
        anything): it gets database connections of its own and keeps the frames already
        read (``cached()``)."""
        self._db.after_fork()

    def __enter__(self) -> "Self":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({display_name(self.target)!r})"

    @property
    def title(self) -> str:
        title = self._db.meta("title") or ""
        if title:
            return title
        return Path(self.target).stem if not is_database_url(self.target) else "qualcode project"

    @property
    def namespace(self) -> str:
        """A UUID unique to this project; exported GUIDs derive from it."""
        return self._db.meta("namespace") or ""

    # -------------------------------------------------------------------- ingest
    def ingest(
        self,
        *paths: str | Path,
        kind: str = "auto",
        wave: str | int | None = None,
        name: str | None = None,
        key_column: str | None = None,
        invited: int | None = None,
        progress: bool | None = None,
        layout: str = "auto",
    ) -> IngestReport:
        """Read files or folders into sources (one transaction for the whole call).

        ``layout`` names the transcript layout when guessing it is not enough: ``otter``,
        ``teams``, ``zoom`` (a name and a time on a line, the words below), ``rev``,
        ``trint``, ``descript``, ``labels`` (``Name:`` labels), ``name-lines`` (a name
        alone on its line). ``report.table()`` says what each file held; speakers who ask
        most questions are guessed to be interviewers (``speakers()``, ``set_speaker_role``).
        """
        from qualcode.ingest.load import ingest  # the readers (Word, PDF, mail, xlsx) load when files are read

        if not paths:
            raise UsageError("give at least one file or folder to ingest")
        return ingest(
            self._db,
            paths,
            kind=kind,
            wave=None if wave is None else str(wave),
            name=name,
            key_column=key_column,
            invited=invited,
            progress=progress,
            layout=layout,
        )

    def import_descriptors(self, path: str | Path, key: str, types: Mapping[str, str] | None = None) -> dict[str, int]:
        """Case descriptors from a csv/xlsx table; the key column names the cases.

        New cases are created; sources named like a case ("CEO-07 wave 1" for case
        "CEO-07") are linked to it. Returns counts of cases, fields and linked sources, and
        the names of the sources that still belong to no case (``sources_not_linked``).
        """
        from qualcode.ingest.descriptor_table import parse_descriptor_table
        from qualcode.ingest.load import to_text

        table = parse_descriptor_table(path, key, dict(types or {}))
        with self._db.begin() as conn:
            ids = store_cases.ensure_cases(conn, table.keys)
            for column in table.columns:
                levels = None
                field_id = store_cases.ensure_field(conn, column.name, column.type, levels)
                store_cases.set_values(conn, field_id, {ids[k]: to_text(v) for k, v in zip(table.keys, column.values)})
            linked = store_sources.link_unowned_to_cases(conn)
            not_linked = source_admin.unowned_names(conn)
        return {"cases": len(table.keys), "fields": len(table.columns), "sources_linked": linked,
                "sources_not_linked": not_linked}

    # ------------------------------------------------------------------ codebook
    def import_codebook(self, path: str | Path) -> dict[str, int]:
        """Add a YAML codebook's codes (existing codes keep the researcher's edits)."""
        from qualcode.codebook.yaml_io import read_codebook

        spec = read_codebook(path)
        with self._db.begin() as conn:
            before = store_codes.count(conn)
            for code in spec.codes:
                store_codes.ensure_path(conn, code.path, code.attributes())
            after = store_codes.count(conn)
        if spec.name and not self._db.meta("codebook"):
            self._db.set_meta("codebook", spec.name)  # names the rule coder: rule:<codebook>
        return {"codes_in_file": len(spec.codes), "codes_added": after - before}

    def export_codebook(self, path: str | Path) -> Path:
        codes = self.codes()
        from qualcode.codebook.yaml_io import write_codebook

        return write_codebook(path, codes.to_dict("records"), name=Path(path).stem)

    def add_code(self, path: str, **attributes: Any) -> int:
        """Create a code (and its missing parents); attributes like ``description``."""
        unknown = set(attributes) - set(store_codes.EDITABLE)
        if unknown:
            raise UsageError(f"unknown code attribute(s) {', '.join(sorted(unknown))}; allowed: {', '.join(store_codes.EDITABLE)}")
        with self._db.begin() as conn:
            return store_codes.ensure_path(conn, path, attributes)

    def has_code(self, path: str) -> bool:
        """True when the codebook holds a code at ``path`` (``"Issues/Governance"``)."""
        with self._db.connect() as conn:
            return store_codes.by_path(conn, store_codes.SEPARATOR.join(store_codes.split_path(path))) is not None

    def update_code(self, ref: str, **attributes: Any) -> None:
        with self._db.begin() as conn:
            store_codes.set_attributes(conn, store_codes.resolve(conn, ref).id, attributes)

    def rename_code(self, ref: str, new_name: str) -> str:
        with self._db.begin() as conn:
            return store_codes.rename(conn, store_codes.resolve(conn, ref), new_name)

    def move_code(self, ref: str, new_parent: str | None) -> str:
        with self._db.begin() as conn:
            code = store_codes.resolve(conn, ref)
            parent = store_codes.resolve(conn, new_parent) if new_parent else None
            return store_codes.move(conn, code, parent)

    def merge_codes(self, source: str, target: str) -> int:
        """Fold code ``source`` into ``target``; returns applications moved."""
        with self._db.begin() as conn:
            return store_codes.merge(conn, store_codes.resolve(conn, source), store_codes.resolve(conn, target))

    def remove_code(self, ref: str) -> int:
        """Delete a code with its descendants and their applications; returns codes removed."""
        with self._db.begin() as conn:
            removed = store_codes.delete_code(conn, store_codes.resolve(conn, ref))
            store_coding.delete_orphan_excerpts(conn)
            return removed

    # -------------------------------------------------------------------- coding
    def code(
        self,
        source: str,
        codes: str | Iterable[str],
        *,
        start: int | None = None,
        end: int | None = None,
        quote: str | None = None,
        occurrence: int = 1,
        coder: str | None = None,
        weight: float | None = None,
        memo: str | None = None,
    ) -> int:
        """Apply one or more codes to a span (``start``/``end``) or a quoted passage.

        Returns the excerpt id. Applying a code that the coder already applied to the
        same span changes nothing.
        """
        codes = [codes] if isinstance(codes, str) else list(codes)
        if not codes:
            raise UsageError("give at least one code to apply")
        if (quote is None) == (start is None or end is None):
            raise UsageError("give either a quote or both start and end offsets")
        who = coder or default_coder()

        def apply(conn: Any) -> int:
            nonlocal start, end
            src = store_sources.resolve(conn, source)
            text = store_sources.text_of(conn, src.id)
            if quote is not None:
                start, end = span_tools.find_quote(text, quote, src.name, occurrence)
            assert start is not None and end is not None
            span_tools.check_span(text, start, end, src.name)
            code_rows = [store_codes.resolve(conn, c) for c in codes]
            if weight is not None:
                for row in code_rows:
                    _check_weight(conn, row, weight)
            coder_id = store_coding.ensure_coders(conn, [who])[who]
            excerpt_id = store_coding.ensure_excerpt(conn, src.id, start, end, text[start:end])
            # codes in id order, so two coders applying the same codes lock rows in one order
            for row in sorted(code_rows, key=lambda r: r.id):
                store_coding.insert_application(
                    conn, excerpt_id=excerpt_id, code_id=row.id, coder_id=coder_id, weight=weight, origin="manual"
                )
            if memo:
                store_memos.insert_memo(conn, "excerpt", excerpt_id, memo, who)
            return excerpt_id

        # a write that a second coder's write held up past the busy timeout, or that
        # deadlocked with it on PostgreSQL, is tried again from the start
        return self._db.write(apply)

    def uncode(self, excerpt_id: int, codes: str | Iterable[str] | None = None, coder: str | None = None) -> int:
        """Remove applications from an excerpt (all codes when ``codes`` is None)."""
        def remove(conn: Any) -> int:
            if not store_coding.excerpt_exists(conn, excerpt_id):
                raise NotFoundError(f"no excerpt {excerpt_id}; list them with 'qualcode excerpts'")
            if codes is None:
                ids = [r.id for r in store_codes.all_rows(conn)]
            else:
                wanted = [codes] if isinstance(codes, str) else list(codes)
                ids = [store_codes.resolve(conn, c).id for c in wanted]
            coder_id = store_coding.ensure_coders(conn, [coder])[coder] if coder else None
            removed = store_coding.remove_applications(conn, excerpt_id, ids, coder_id)
            store_coding.delete_orphan_excerpts(conn, [excerpt_id])
            return removed

        return self._db.write(remove)

    def change_coding(self, application_id: int, *, code: str | None = None, start: int | None = None,
                      end: int | None = None, weight: float | None = None, clear_weight: bool = False,
                      by: str | None = None) -> int:
        """Change one coding (an application, by id): its code, its span (``start`` and
        ``end`` in its source) or its weight. The coding keeps its coder; ``by`` is
        recorded as who decided. Returns the application id. Changing a coding to a
        code and span its coder already has there is an error that changes nothing."""
        who = by or default_coder()

        def change(conn: Any) -> int:
            row = store_coding.application(conn, int(application_id))
            if row is None:
                raise NotFoundError(f"no coding {application_id}; it may have been removed by another coder")
            excerpt_id, code_id = row.excerpt_id, row.code_id
            if start is not None or end is not None:
                if start is None or end is None:
                    raise UsageError("give both start and end to move a coding")
                text = store_sources.text_of(conn, row.source_id)
                span_tools.check_span(text, start, end, store_sources.name_of(conn, row.source_id))
                excerpt_id = store_coding.ensure_excerpt(conn, row.source_id, start, end, text[start:end])
            code_row = store_codes.resolve(conn, code) if code is not None else None
            if code_row is not None:
                code_id = code_row.id
            new_weight = None if clear_weight else (row.weight if weight is None else weight)
            if weight is not None:
                _check_weight(conn, code_row or store_codes.by_id(conn, code_id), weight)
            if (excerpt_id, code_id) != (row.excerpt_id, row.code_id):
                if store_coding.find_application(conn, excerpt_id, code_id, row.coder_id) is not None:
                    raise CodingError(f"coding {application_id}: {row.coder} already has that code on that span")
            store_coding.update_application(conn, row.id, excerpt_id=excerpt_id, code_id=code_id,
                                            weight=new_weight, decided_by=who)
            if excerpt_id != row.excerpt_id:
                store_coding.delete_orphan_excerpts(conn, [row.excerpt_id])
            return int(row.id)

        return self._db.write(change)

    def revision(self) -> str:
        """Changes whenever anyone adds, changes or removes a coding, memo, code or coverage
        mark: compare it with an earlier value to know whether to read again."""
        with self._db.connect() as conn:
            return store_coding.revision(conn)

    def remove_coding(self, application_id: int) -> int:
        """Remove one coding (an application, by id); returns 1, or 0 when it was already
        gone (another coder removed it first: removing twice is not an error)."""
        def remove(conn: Any) -> int:
            row = store_coding.application(conn, int(application_id))
            if row is None:
                return 0
            removed = store_coding.delete_application(conn, row.id)
            store_coding.delete_orphan_excerpts(conn, [row.excerpt_id])
            return removed

        return self._db.write(remove)

    def import_codings(self, path: str | Path, *, create_codes: bool = False) -> CodingImportReport:
        """Bulk codings from csv (``source,start,end,code,coder[,weight]``), all or nothing."""
        from qualcode.coding.bulk_import import import_codings

        return import_codings(self._db, path, create_codes=create_codes)

    def add_memo(self, text: str, on: str = "project", target: str | int | None = None, author: str | None = None) -> int:
        """A memo on the project, a source, an excerpt (id), a code or a case."""
        if on not in MEMO_TARGETS:
            raise UsageError(f"a memo goes on one of {', '.join(MEMO_TARGETS)} (got {on!r})")
        if not text.strip():
            raise UsageError("the memo is empty")
        with self._db.begin() as conn:
            target_id: int | None = None
            if on == "source":
                target_id = store_sources.resolve(conn, str(target)).id
            elif on == "code":
                target_id = store_codes.resolve(conn, str(target)).id
            elif on == "case":
                ids = store_cases.case_ids(conn)
                if str(target) not in ids:
                    raise NotFoundError(f"no case {target!r}; list them with 'qualcode descriptors show'")
                target_id = ids[str(target)]
            elif on == "excerpt":
                target_id = int(target)  # type: ignore[arg-type]
                if not store_coding.excerpt_exists(conn, target_id):
                    raise NotFoundError(f"no excerpt {target_id}")
            return store_memos.insert_memo(conn, on, target_id, text, author or default_coder())

    def code_view(self, source: str, coder: str | None = None) -> Any:
        """A Jupyter widget to read ``source`` and code it as ``coder``: select a passage,
        pick codes, see everyone's codings as stripes (the ``qualcode serve`` view)."""
        from qualcode.web.widget import CodeView  # the web layer sits above Project

        return CodeView(self, source, coder or default_coder())

    # ----------------------------------------------------------------- retrieval
    def changed_elsewhere(self) -> None:
        """Another process (a forked one, say) wrote to the project: frames this one read
        inside ``cached()`` are read again."""
        self._db.forget_frames()

    def cached(self) -> Any:
        """``with project.cached(): ...`` reads each frame once for the whole block (a
        write inside the block clears the cache)."""
        return self._db.cached()

    def _frame(self, reader: Any, *args: Any) -> pd.DataFrame:
        """A frame from ``store.frames``, through the cache when one is active. A shallow
        copy is returned: with pandas copy-on-write, callers may add columns freely."""
        cache = self._db.frame_cache
        key = (reader.__name__, args)
        if cache is not None and key in cache:
            return cache[key].copy(deep=False)  # type: ignore[attr-defined]
        with self._db.connect() as conn:
            frame = reader(conn, *args)
        if cache is not None:
            cache[key] = frame
            return frame.copy(deep=False)
        return frame

    def _lasting_frame(self, reader: Any, *args: Any) -> pd.DataFrame:
        """A frame from ``store.frames`` kept between calls while the project is unchanged
        (``Database.lasting_cache``: keyed on the change counter every write raises, so it
        is never stale). For the lean frames counting reads; a shallow copy is returned."""
        cache = self._db.lasting_cache()
        key = (reader.__name__, args)
        if key not in cache:
            with self._db.connect() as conn:
                cache[key] = reader(conn, *args)
        return cache[key].copy(deep=False)  # type: ignore[union-attr]

    def _counting_applications(self, extra: tuple[str, ...] = ()) -> pd.DataFrame:
        """Applied codings with only the columns a count needs (``frames.counting_applications``),
        kept between calls; a frame read with more columns serves a call that asks for fewer."""
        wanted = tuple(c for c in frames.COUNT_EXTRAS if c in extra)
        cache = self._db.lasting_cache()
        for key, frame in cache.items():
            if key[0] == frames.counting_applications.__name__ and set(wanted) <= set(key[1][1]):
                return frame[frames.COUNT_COLUMNS + list(wanted)].copy(deep=False)  # type: ignore[index]
        key = (frames.counting_applications.__name__, ("applied", wanted))
        table = self._source_table()
        with self._db.connect() as conn:
            frame = frames.counting_applications(conn, "applied", wanted, sources=table)
        cache[key] = frame
        return frame.copy(deep=False)

    def _excerpt_frame(self, only: np.ndarray | None = None) -> pd.DataFrame:
        """``frames.excerpts`` (every excerpt with its text, speaker and codes), through the
        cache like :meth:`_frame`, built from the kept source table and applied codings
        rather than reading both again. ``only``: the excerpt ids a caller will keep (one
        code's), read alone outside ``cached()``; inside it (a report) the whole frame is
        read once for every caller."""
        cache = self._db.frame_cache
        key = (frames.excerpts.__name__, ())
        if cache is not None and key in cache:
            return cache[key].copy(deep=False)  # type: ignore[attr-defined]
        applied = self._counting_applications()[["excerpt_id", "code"]]
        table = self._source_table()
        if only is not None and cache is None:
            with self._db.connect() as conn:
                return frames.excerpts(conn, table, applied, only=only)
        with self._db.connect() as conn:
            frame = frames.excerpts(conn, table, applied)
        if cache is not None:
            cache[key] = frame
            return frame.copy(deep=False)
        return frame

    def _source_table(self) -> pd.DataFrame:
        """``frames.source_table``, kept like the counting frames (read once per change)."""
        return self._lasting_frame(frames.source_table, True)

    def _material(self) -> pd.DataFrame:
        """``frames.material`` (one row per source with excerpts), kept like the counting frames."""
        cache = self._db.lasting_cache()
        if ("material", ()) not in cache:
            table = self._source_table()
            with self._db.connect() as conn:
                cache[("material", ())] = frames.material(conn, sources=table, kept=True)
        return cache[("material", ())].copy(deep=False)  # type: ignore[union-attr]

    def _source_name(self, source: str | None) -> str | None:
        if source is None:
            return None
        with self._db.connect() as conn:
            return store_sources.resolve(conn, source).name

    def sources(self) -> pd.DataFrame:
        return self._frame(frames.sources)

    def speaker_roles(self) -> SpeakerRoles:
        """Who is the interviewer: the roles every consumer of turns uses
        (``.role(name)``, ``.is_interviewer(name)``; see ``qualcode speakers``)."""
        with self._db.connect() as conn:
            return SpeakerRoles(store_speakers.roles(conn))

    def source_texts(self) -> dict[int, str]:
        """Every source's text by source id (one query, cached within ``cached()``)."""
        cache = self._db.frame_cache
        if cache is not None and ("source_texts", ()) in cache:
            return cache[("source_texts", ())]  # type: ignore[return-value]
        with self._db.connect() as conn:
            texts = store_sources.texts(conn)
        if cache is not None:
            cache[("source_texts", ())] = texts
        return texts

    def source_text(self, source: str, start: int | None = None, end: int | None = None) -> str:
        """A source's stored text, or the part ``[start, end)`` of it (code points).

        Offsets are positions, not Python slices: a negative one or one past the end is
        a ``UsageError`` giving the text's length, never a silently different part."""
        with self._db.connect() as conn:
            text = store_sources.text_of(conn, store_sources.resolve(conn, source).id)
        if start is None and end is None:
            return text
        first = 0 if start is None else start
        last = len(text) if end is None else end
        if not 0 <= first <= last <= len(text):
            raise UsageError(f"offsets {first}..{last} are outside {source!r}, which has {len(text)} characters; "
                             f"give 0 <= start <= end <= {len(text)}")
        return text[first:last]

    def codes(self) -> pd.DataFrame:
        return self._lasting_frame(frames.codes)

    def codebook(self) -> CodebookView:
        """The codebook as a tree with application counts (HTML in Jupyter); ``.frame``
        is the ``codes()`` frame with an ``applications`` column."""
        codes = self.codes()
        apps = self.applications()
        counts = apps["code"].value_counts() if not apps.empty else pd.Series(dtype=int)
        codes["applications"] = codes["path"].map(counts).fillna(0).astype(int)
        return CodebookView(codes)

    def descriptors(self) -> pd.DataFrame:
        return self._lasting_frame(frames.descriptors, True)

    def segments(self, source: str | None = None) -> pd.DataFrame:
        if source is None:
            return self._frame(frames.segments)
        with self._db.connect() as conn:
            return frames.segments(conn, [store_sources.resolve(conn, source).id])

    def responses(self) -> pd.DataFrame:
        return self._frame(frames.responses)

    def questions(self) -> pd.DataFrame:
        return self._frame(frames.questions)

    def questionnaires(self) -> pd.DataFrame:
        return self._frame(frames.questionnaires)

    def memos(self, on: str | None = None) -> pd.DataFrame:
        """Memos as a table: ``id, target, about, author, created_at, text,
        target_id``; ``about`` names what the memo is on (a source, a code path, a case,
        an excerpt with its source, or the project). ``on`` keeps one kind of target."""
        if on is not None and on not in MEMO_TARGETS:
            raise UsageError(f"memos are on one of {', '.join(MEMO_TARGETS)} (got {on!r})")
        with self._db.connect() as conn:
            table = frames.memos(conn)
        return table[table["target"] == on].reset_index(drop=True) if on is not None else table

    def applications(
        self,
        code: str | Iterable[str] | None = None,
        *,
        descendants: bool = True,
        source: str | None = None,
        case: str | None = None,
        coder: str | Iterable[str] | None = None,
        status: str | None = "applied",
        where: Mapping[str, Iterable[str]] | None = None,
        final_only: bool = False,
        origin: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Applications (excerpt × code × coder) as a tidy frame, filtered; with
        ``final_only`` just the consensus coding (see ``set_final``); ``origin`` keeps
        manual, rule, model or import codings (filtered in SQL, so asking for the few
        machine codings of a large project reads only those)."""
        origins = None if origin is None else ((origin,) if isinstance(origin, str) else tuple(origin))
        apps = self._frame(frames.applications, status, origins) if origins else self._frame(frames.applications, status)
        codes = self.codes() if code is not None else None
        descriptors = self.descriptors() if where else None
        src = self._source_name(source)
        return filter_applications(apps, code, codes, descendants=descendants, source=src, case=case, coder=coder,
                                    where=where, descriptors=descriptors, final_only=final_only)

    def excerpts(
        self,
        code: str | Iterable[str] | None = None,
        *,
        descendants: bool = True,
        source: str | None = None,
        case: str | None = None,
        coder: str | Iterable[str] | None = None,
        status: str | None = "applied",
        where: Mapping[str, Iterable[str]] | None = None,
        search: str | None = None,
        regex: bool = False,
    ) -> pd.DataFrame:
        """Excerpts as a tidy frame: those carrying an application of ``status``
        (default: a code a person applied or accepted), narrowed to ``code`` (children
        included unless ``descendants=False``) and ``coder``. ``status=None`` with no code
        or coder lists every excerpt, the uncoded and the machine-suggested ones too, which
        is what the analyses use as their base of material."""
        apps = None
        if code is not None or coder is not None or status is not None:
            if status == "applied":  # the lean counting frame has every applied coding's code and coder
                apps = filter_applications(self._counting_applications(), code, self.codes() if code is not None else None,
                                           descendants=descendants, coder=coder)
            else:
                apps = self.applications(code, descendants=descendants, coder=coder, status=status)
        # one code's (or coder's) excerpts: only their texts are read (not all 10^6)
        narrowed = apps is not None and (code is not None or coder is not None)
        ex = self._excerpt_frame(only=apps["excerpt_id"].to_numpy() if narrowed else None)
        descriptors = self.descriptors() if where else None
        src = self._source_name(source)
        if ex.empty:
            return ex
        mask = pd.Series(True, index=ex.index)
        if apps is not None:
            mask &= ex["excerpt_id"].isin(apps["excerpt_id"] if not apps.empty else [])
        if src is not None:
            mask &= ex["source"] == src
        if case is not None:
            mask &= ex["case"] == case
        if search:
            mask &= search_mask(ex["text"], search, regex)
        return filter_where(ex[mask], listed_where(where), descriptors).reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """The headline numbers, one definition for the CLI (``status``), the notebook and
        the report (see ``docs/numbers.md``):

        * ``sources``: sources of material that are not questionnaire responses
          (``questionnaire_responses`` are counted apart, with ``invited`` and the rate);
        * ``coded_excerpts``: excerpts carrying at least one code a person applied or
          accepted, outside the structural ``Questionnaire/`` branch; ``excerpts`` is every
          excerpt, machine suggestions included; ``applications`` the applied codings;
        * ``coded_sources``: the sources holding those coded excerpts;
        * ``cases``: the cases in the project; ``base`` the default analysis base, the
          units (participants, or sources in a project without cases) that "% of cases"
          is out of, and ``base_unit`` which unit that is;
        * ``headline``: the sentence naming them, worded once
          (:class:`qualcode.analysis.base.HeadlineNumbers`) for ``status``, the
          notebook and the report's tiles: participants in the project, and of them
          those with coded material, the base of every %.

        The numbers are SQL counts (no frame of 10^6 applications is read for them);
        ``tests/test_numbers.py`` holds them equal to what the analyses count.
        """
        from qualcode.codebook.branches import is_structural

        with self._db.connect() as conn:
            sources = frames.source_counts(conn)
            invited = frames.invited_total(conn)
            structural = [i for i, path in frames.code_paths(conn).items() if is_structural(path)]
            coded = frames.coded_material(conn, structural)
            n_codes = store_codes.count(conn)
            n_excerpts = store_coding.count_excerpts(conn)
            n_apps = store_coding.count_applications(conn)
            n_cases = len(store_cases.case_ids(conn))
        # no source belongs to a case: each source is a unit (qualcode.analysis.base)
        by_source = sources["sources"] > 0 and sources["with_case"] == 0
        responses = sources["questionnaire"]
        numbers = {
            "title": self.title,
            "sources": sources["sources"] - responses,
            "questionnaire_responses": responses,
            "invited": invited,
            "response_rate": (responses / invited) if invited else None,
            "cases": n_cases,
            "codes": n_codes,
            "excerpts": n_excerpts,
            "coded_excerpts": coded["excerpts"],
            "coded_sources": coded["sources"],
            "applications": n_apps,
            "base": coded["sources"] if by_source else coded["cases"],
            "base_unit": "source" if by_source else "case",
        }
        numbers["headline"] = HeadlineNumbers.from_summary(numbers).text()
        return numbers

    def _repr_html_(self) -> str:
        from html import escape

        s = self.summary()
        return (f"<div><b>qualcode project</b> {escape(s['title'])} &mdash; {escape(s['headline'])}; "
                f"{s['codes']:,} codes, {s['applications']:,} code applications</div>")


def _check_weight(conn: Any, row: store_codes.CodeRow, weight: float) -> None:
    lo, hi = store_codes.weight_bounds(conn, row.id)
    lo = 1 if lo is None else lo
    hi = 10 if hi is None else hi
    if not lo <= weight <= hi:
        raise CodingError(f"weight {weight:g} is outside {lo}..{hi} for code {row.path!r}")
