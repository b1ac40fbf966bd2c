"""Merging a coder's copy of the project into this one (issue 7).

A team often hands each coder a copy of the project (``*.qcproj``) and collects the
copies afterwards. The copy's codings come back into the master here: sources are matched
by content hash (names may have been changed in either copy), codes by path (codes the
coder added are created, and reported), coders by name. An application the master
already has (same excerpt x code x coder) is not duplicated; when its weight or status
differ, the pair is reported as a conflict and the master's values are kept. Memos on
matched excerpts, codes, sources, cases and the project come along unless the master
already has the same text on the same target. Sources the master does not have are not
added (their codings are counted and named): ingest the file first, then merge again.

Reading the other project (:func:`read_other`) and writing into this one
(:func:`apply_merge`) are separate so that the other database is closed before this one
is written, and so that each half is tested alone.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row

from qualcode.errors import ImportFormatError
from qualcode.interop.reports import MergeReport
from qualcode.interop.to_store import MAX_CONFLICT_LINES
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import coding as store_coding
from qualcode.store import exchange_store as xs
from qualcode.store import coverage as coverage_store
from qualcode.store import sources as store_sources
from qualcode.store.migrations import utcnow

_CODE_ATTRIBUTES = ("description", "inclusion", "exclusion", "examples", "colour", "weight_min", "weight_max", "rules")


@dataclass
class OtherProject:
    """What a merge needs from the other project, read in one go."""

    sources: dict[int, tuple[str, str]] = field(default_factory=dict)  # source id -> (content hash, name)
    codes: list[Row[Any]] = field(default_factory=list)
    code_path: dict[int, str] = field(default_factory=dict)
    coders: dict[int, str] = field(default_factory=dict)
    applications: list[Row[Any]] = field(default_factory=list)
    memos: list[Row[Any]] = field(default_factory=list)
    cases: dict[int, str] = field(default_factory=dict)
    marks: pd.DataFrame = field(default_factory=pd.DataFrame)  # sources marked coded: coder, source_id, marked_at


def read_other(conn: Connection, coder: str | None = None) -> OtherProject:
    """Read the other project; ``coder`` keeps only that coder's applications."""
    other = OtherProject()
    other.sources = {r.id: (r.content_hash, r.name) for r in xs.sources(conn, with_text=False)}
    other.codes = xs.codes(conn)
    other.code_path = {r.id: r.path for r in other.codes}
    other.coders = xs.coders(conn)
    other.applications = xs.coded_spans(conn, status=None, coder=coder)
    other.memos = xs.memos(conn)
    other.cases = {r.id: r.name for r in xs.cases(conn)}
    marks = coverage_store.marks(conn)
    other.marks = marks[marks["coder"] == coder] if coder is not None and not marks.empty else marks
    return other


def apply_merge(conn: Connection, other: OtherProject, *, label: str) -> MergeReport:
    """Bring ``other``'s codes, codings and memos into the project behind ``conn``."""
    report = MergeReport(other=label, applications_in_other=len(other.applications))
    # Sources by content hash.
    here = xs.sources_by_hash(conn, [h for h, _ in other.sources.values()])
    source_map = {sid: here[h].id for sid, (h, _) in other.sources.items() if h in here}
    report.sources_matched = len(source_map)
    report.sources_missing = sorted(name for sid, (_, name) in other.sources.items() if sid not in source_map)
    # Codes by path: the other's missing codes are created with their attributes.
    existing = store_codes.path_ids(conn)
    code_map: dict[int, int] = {}
    for r in other.codes:  # ordered by path: parents first
        if r.path not in existing:
            attrs = {k: getattr(r, k) for k in _CODE_ATTRIBUTES if getattr(r, k) not in (None, "", [], {})}
            existing[r.path] = store_codes.ensure_path(conn, r.path, attrs)
            report.codes_created.append(r.path)
        code_map[r.id] = existing[r.path]
    # Excerpts on matched sources.
    apps = [a for a in other.applications if a.source_id in source_map]
    skipped = len(other.applications) - len(apps)
    report.applications_skipped = skipped
    if report.sources_missing:
        report.warnings.append(
            f"{len(report.sources_missing)} source(s) of the other project are not in this one "
            f"({', '.join(report.sources_missing[:5])}{'…' if len(report.sources_missing) > 5 else ''}); "
            f"their {skipped} coding(s) were not merged; ingest those files and merge again"
        )
    for path in report.codes_created:
        report.warnings.append(f"code '{path}' was not in this project; created")
    excerpt_map = _excerpts(conn, apps, source_map, report)
    _applications(conn, apps, excerpt_map, code_map, other, report)
    _memos(conn, other, source_map, code_map, excerpt_map, report)
    _marks(conn, other, source_map, report)
    return report


def _marks(conn: Connection, other: OtherProject, source_map: dict[int, int], report: MergeReport) -> None:
    """The other's "read and coded" marks on matched sources (agreement counts them)."""
    if other.marks.empty:
        return
    for coder, group in other.marks.groupby("coder"):
        here = [source_map[s] for s in group["source_id"] if s in source_map]
        report.marks_added += coverage_store.mark(conn, str(coder), here, utcnow())


def _excerpts(conn: Connection, apps: list[Row[Any]], source_map: dict[int, int], report: MergeReport) -> dict[int, int]:
    """Other excerpt id -> excerpt id here (created where missing)."""
    if not apps:
        return {}
    spans = {a.excerpt_id: (source_map[a.source_id], a.start, a.end) for a in apps}
    texts = store_sources.texts(conn, sorted({s for s, _, _ in spans.values()}))
    for sid, start, end in spans.values():
        if not 0 <= start < end <= len(texts[sid]):  # same hash means same text: only a corrupt copy gets here
            raise ImportFormatError(
                f"{report.other}: an excerpt [{start}, {end}) lies outside its source; the project was not changed"
            )
    frame = pd.DataFrame(
        [(sid, start, end, texts[sid][start:end]) for sid, start, end in spans.values()],
        columns=["source_id", "start", "end", "text"],
    )
    before = store_coding.count_excerpts(conn)
    ids = store_coding.ensure_excerpts(conn, frame)
    report.excerpts_added = store_coding.count_excerpts(conn) - before
    return dict(zip(spans, ids.tolist()))


def _applications(conn: Connection, apps: list[Row[Any]], excerpt_map: dict[int, int], code_map: dict[int, int],
                  other: OtherProject, report: MergeReport) -> None:
    names = list(dict.fromkeys(other.coders[a.coder_id] for a in apps))
    known = set(xs.coders(conn).values())
    coder_ids = store_coding.ensure_coders(conn, names) if names else {}
    report.coders_added = [n for n in names if n not in known]
    present = xs.existing_applications(conn, excerpt_map.values())
    rows: list[dict[str, Any]] = []
    for a in apps:
        key = (excerpt_map[a.excerpt_id], code_map[a.code_id], coder_ids[other.coders[a.coder_id]])
        old = present.get(key)
        if old is not None:
            report.applications_present += 1
            same_weight = (old.weight is None and a.weight is None) or (
                old.weight is not None and a.weight is not None and abs(old.weight - a.weight) < 1e-9)
            if not same_weight or old.status != a.status:
                report.conflicts.append({
                    "source": other.sources[a.source_id][1], "start": a.start, "end": a.end,
                    "code": other.code_path[a.code_id], "coder": other.coders[a.coder_id],
                    "weight_here": old.weight, "weight_other": a.weight, "status_here": old.status, "status_other": a.status,
                })
            continue
        present[key] = a  # a duplicate inside the other project counts once
        rows.append({
            "excerpt_id": key[0], "code_id": key[1], "coder_id": key[2], "weight": a.weight, "origin": a.origin,
            "status": a.status, "confidence": a.confidence, "final": bool(a.final), "created_at": a.created_at,
            "decided_by": a.decided_by, "decided_at": a.decided_at, "run_id": None,
        })
    report.applications_added = xs.insert_applications_exact(conn, rows) if rows else 0
    for c in report.conflicts[:MAX_CONFLICT_LINES]:
        report.warnings.append(
            f"conflict: '{c['source']}' [{c['start']}, {c['end']}) {c['code']} by {c['coder']}: "
            f"here weight {_fmt(c['weight_here'])} ({c['status_here']}), other {_fmt(c['weight_other'])} ({c['status_other']}); kept this project's"
        )
    if len(report.conflicts) > MAX_CONFLICT_LINES:
        report.warnings.append(f"… and {len(report.conflicts) - MAX_CONFLICT_LINES} more conflict(s) (all listed in the report's conflicts)")


def _memos(conn: Connection, other: OtherProject, source_map: dict[int, int], code_map: dict[int, int],
           excerpt_map: dict[int, int], report: MergeReport) -> None:
    case_ids = store_cases.case_ids(conn)
    maps: dict[str, dict[Any, int]] = {"source": source_map, "code": code_map, "excerpt": excerpt_map,
                                       "case": {cid: case_ids[n] for cid, n in other.cases.items() if n in case_ids}}
    keys = xs.memo_keys(conn)
    rows: list[dict[str, Any]] = []
    unplaced: dict[str, int] = defaultdict(int)
    for m in other.memos:
        if m.target == "project":
            target_id = None
        else:
            target_id = maps.get(m.target, {}).get(m.target_id)
            if target_id is None:
                unplaced[m.target] += 1
                continue
        key = (m.target, target_id, m.text)
        if key in keys:
            continue
        keys.add(key)
        rows.append({"target": m.target, "target_id": target_id, "text": m.text, "author": m.author, "created_at": m.created_at})
    report.memos_added = xs.insert_memos(conn, rows) if rows else 0
    for target, n in sorted(unplaced.items()):
        report.warnings.append(f"{n} memo(s) on a {target} this project does not have were not merged")


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"
