"""``Project`` methods that fix sources after ingest (issue 17): rename, set case, wave and
descriptors, remove with their codings, link to cases by pattern or mapping.

Each method is one transaction: it checks everything first, and an error changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from qualcode.errors import UsageError
from qualcode.ingest.manage import LinkReport, RemoveReport, case_from_pattern, compile_pattern, read_mapping
from qualcode.store import cases as store_cases
from qualcode.store import source_admin
from qualcode.store import sources as store_sources
from qualcode.project.core import ProjectCore

_UNSET: Any = object()


class ProjectSources(ProjectCore):
    """Source management; ``qualcode.Project`` inherits this class."""

    def rename_source(self, old: str, new: str) -> str:
        """Give a source another name (codings, memos and marks stay with it)."""
        new = new.strip()
        if not new:
            raise UsageError("a source needs a name")
        with self._db.begin() as conn:
            row = store_sources.resolve(conn, old)
            other = store_sources.by_name(conn, new)
            if other is not None and other.id != row.id:
                raise UsageError(f"a source named '{new}' is already in the project; choose another name, "
                                 f"or remove that one first: qualcode sources remove '{new}'")
            source_admin.set_fields(conn, row.id, {"name": new})
        return f"renamed '{row.name}' to '{new}'"

    def set_source(
        self,
        source: str,
        *,
        case: str | None = _UNSET,
        wave: str | None = _UNSET,
        descriptors: Mapping[str, Any] | None = None,
    ) -> str:
        """Set a source's case (``None`` unlinks it; a new name creates the case), its wave
        (``None`` clears it) and descriptor values of its case (``{"role": "CEO"}``)."""
        from qualcode.ingest.load import to_text  # (loads the file readers: only when values are set)

        if case is _UNSET and wave is _UNSET and not descriptors:
            raise UsageError("nothing to set: give a case, a wave or descriptors")
        done: list[str] = []
        with self._db.begin() as conn:
            row = store_sources.resolve(conn, source)
            values: dict[str, Any] = {}
            case_id = row.case_id
            if case is not _UNSET:
                if case is None or not str(case).strip():
                    case_id = None
                    done.append("no case")
                else:
                    name = str(case).strip()
                    created = name not in store_cases.case_ids(conn)
                    case_id = store_cases.ensure_cases(conn, [name])[name]
                    done.append(f"case '{name}'" + (" (new)" if created else ""))
                values["case_id"] = case_id
            if wave is not _UNSET:
                values["wave"] = str(wave).strip() if wave is not None and str(wave).strip() else None
                done.append(f"wave {values['wave']}" if values["wave"] else "no wave")
            if values:
                source_admin.set_fields(conn, row.id, values)
            if descriptors:
                if case_id is None:
                    raise UsageError(f"source '{row.name}' belongs to no case, and descriptors describe cases; "
                                     "give it a case first (--case NAME)")
                fields = store_cases.fields(conn)
                for field_name, value in descriptors.items():
                    field_type = fields[field_name]["type"] if field_name in fields else "category"
                    field_id = store_cases.ensure_field(conn, field_name, field_type)
                    store_cases.set_values(conn, field_id, {case_id: to_text(value)})
                    done.append(f"{field_name}={value}")
        return f"'{row.name}': " + ", ".join(done)

    def remove_sources(self, sources: str | Iterable[str], *, dry_run: bool = False) -> RemoveReport:
        """Remove sources with their excerpts, codings (of every coder and status), memos
        and coders' marks; the report counts them. ``dry_run`` counts and changes nothing."""
        names = [sources] if isinstance(sources, str) else list(sources)
        if not names:
            raise UsageError("name at least one source to remove")
        # a dry run only reads: a write transaction would raise the project's revision
        with (self._db.connect() if dry_run else self._db.begin()) as conn:
            rows = [store_sources.resolve(conn, n) for n in names]
            ids = list(dict.fromkeys(r.id for r in rows))
            counts = source_admin.removal_counts(conn, ids)
            if not dry_run:
                source_admin.delete_sources(conn, ids)
        return RemoveReport(sources=list(dict.fromkeys(r.name for r in rows)), counts=counts, dry_run=dry_run)

    def link_sources(
        self,
        *,
        pattern: str | None = None,
        mapping: str | Path | Mapping[str, str] | None = None,
        relink: bool = False,
        create_cases: bool = True,
        dry_run: bool = False,
    ) -> LinkReport:
        """Link sources to cases by a ``pattern`` on their names (a regular expression whose
        group ``case`` -- or first group -- is the case: ``Study_(?P<case>P\\d+)_``) or a
        ``mapping`` (a csv/xlsx with two columns, source and case, or a dict).

        Sources that already belong to another case keep it unless ``relink``; cases the
        rule names that do not exist are created unless ``create_cases=False``. The report
        names every source linked and every source that did not link.
        """
        if (pattern is None) == (mapping is None):
            raise UsageError("give a pattern or a mapping file (one of them)")
        compiled = compile_pattern(pattern) if pattern is not None else None
        table = None
        if mapping is not None:
            table = dict(mapping) if isinstance(mapping, Mapping) else read_mapping(mapping)
        report = LinkReport(dry_run=dry_run)
        with (self._db.connect() if dry_run else self._db.begin()) as conn:
            rows = source_admin.all_sources(conn)
            if table is not None:
                known = {r.name for r in rows}
                unknown = [s for s in table if s not in known]
                if unknown:
                    where = "the mapping" if isinstance(mapping, Mapping) else f"{mapping}: the mapping"
                    raise UsageError(f"{where} names source(s) not in the project: "
                                     f"{', '.join(repr(u) for u in unknown[:10])}; check the names with 'qualcode sources'")
            existing = store_cases.case_ids(conn)
            wanted: dict[int, str] = {}
            for r in rows:
                case = case_from_pattern(compiled, r.name) if compiled is not None else table.get(r.name)  # type: ignore[union-attr]
                if case is None:
                    if r.case is None:
                        report.not_linked.append(r.name)
                    continue
                if case not in existing and not create_cases:
                    report.not_linked.append(r.name)
                    continue
                if r.case == case:
                    report.unchanged.append((r.name, case))
                elif r.case is not None and not relink:
                    report.kept.append((r.name, r.case, case))
                else:
                    wanted[r.id] = case
                    report.linked.append((r.name, case))
            new_cases = sorted({c for c in wanted.values() if c not in existing})
            report.cases_created = new_cases
            if not dry_run and wanted:
                ids = store_cases.ensure_cases(conn, sorted(set(wanted.values())))
                source_admin.set_cases(conn, {s: ids[c] for s, c in wanted.items()})
        return report
