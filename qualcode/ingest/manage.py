"""Fixing sources after ingest: which case a source belongs to (by a pattern in its name
or a mapping table), and the reports of renames, changes, removals and links.

The matching here is pure (names in, decisions out); ``qualcode.project_sources`` applies
the decisions in one transaction. A user's pattern is a regular expression run with a
time limit (the ``regex`` package), so a pattern that backtracks forever fails with a
clear message instead of hanging.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.errors import ImportFormatError, UsageError
from qualcode.ingest.decode import decode_bytes

if TYPE_CHECKING:  # pragma: no cover
    import regex

# ``regex`` and the Excel reader (zip limits, YAML) load when a pattern or a mapping is
# used: every ``Project`` imports this module, and a count needs neither.

PATTERN_SECONDS = 1.0


def _names(items: list[str], limit: int = 50) -> str:
    shown = ", ".join(f"'{n}'" for n in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass
class LinkReport:
    """Sources linked to cases by a pattern or a mapping: by name, also those that did not."""

    linked: list[tuple[str, str]] = field(default_factory=list)  # (source, case)
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # already in that case
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (source, its case, the case the rule gave)
    not_linked: list[str] = field(default_factory=list)
    cases_created: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "would link" if self.dry_run else "linked"
        out = [f"{verb} {len(self.linked)} source(s) to cases"
               + (f" ({len(self.cases_created)} new case(s): {_names(self.cases_created, 10)})" if self.cases_created else "")
               + (f"; {len(self.unchanged)} already linked so" if self.unchanged else "")]
        for source, case in self.linked:
            out.append(f"  {source} -> {case}")
        if self.kept:
            out.append(f"{len(self.kept)} source(s) kept their case (use --relink to move them): "
                       + "; ".join(f"'{s}' is in '{c}', the rule says '{n}'" for s, c, n in self.kept[:20]))
        if self.not_linked:
            out.append(f"{len(self.not_linked)} source(s) did not link: {_names(self.not_linked)}")
        return out


@dataclass
class RemoveReport:
    """Sources removed (or that would be, with ``dry_run``) and what went with them."""

    sources: list[str]
    counts: dict[str, int]
    dry_run: bool = False

    def lines(self) -> list[str]:
        c = self.counts
        verb = "would remove" if self.dry_run else "removed"
        extra = [f"{c[k]} {k}" for k in ("suggestions", "rejected", "memos", "marks") if c.get(k)]
        text = (f"{verb} {len(self.sources)} source(s) ({_names(self.sources, 10)}) with {c['codings']} coding(s) "
                f"on {c['excerpts']} excerpt(s)")
        if extra:
            text += ", " + ", ".join(extra).replace("marks", "coder mark(s)").replace("memos", "memo(s)") \
                .replace("suggestions", "suggestion(s)").replace("rejected", "rejected suggestion(s)")
        if self.dry_run:
            text += "; nothing changed (run again without --dry-run)"
        return [text]


def compile_pattern(pattern: str) -> regex.Pattern:
    import regex

    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        raise UsageError(f"--pattern '{pattern}' is not a valid regular expression: {exc}") from None
    if compiled.groups == 0:
        raise UsageError(
            f"--pattern '{pattern}' has no group for the case name; write it like 'Study_(?P<case>P\\d+)_'"
        )
    return compiled


def case_from_pattern(compiled: regex.Pattern, source_name: str) -> str | None:
    """The case a pattern finds in a source name: group ``case``, else the first group."""
    try:
        match = compiled.search(source_name, timeout=PATTERN_SECONDS)
    except TimeoutError:
        raise UsageError(
            f"--pattern took more than {PATTERN_SECONDS:g} s on source '{source_name}'; simplify it"
        ) from None
    if match is None:
        return None
    group = match.group("case") if "case" in compiled.groupindex else match.group(1)
    return group.strip() if group and group.strip() else None


def read_mapping(path: str | Path) -> dict[str, str]:
    """A two-column table (csv or xlsx, with a header row): source name, case name."""
    path = Path(path)
    if not path.exists():
        raise ImportFormatError(f"{path}: file not found")
    if path.suffix.lower() == ".csv":
        import io

        import csv

        text, _ = decode_bytes(path.read_bytes(), path)
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python")
        except (ValueError, csv.Error) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
            raise ImportFormatError(
                f"{path}: cannot be read as a table ({str(exc).strip()}); save it as a csv with a header row: source,case"
            ) from None
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        from qualcode.ingest.office import read_excel_frame

        frame = read_excel_frame(path, str(path), ImportFormatError, dtype=str, keep_default_na=False)
    else:
        raise ImportFormatError(f"{path}: a mapping must be .csv or .xlsx with two columns: source, case")
    if frame.shape[1] < 2:
        raise ImportFormatError(f"{path}: needs two columns (source, case); found {frame.shape[1]}")
    mapping: dict[str, str] = {}
    for i, (source, case) in enumerate(zip(frame.iloc[:, 0], frame.iloc[:, 1])):
        source, case = str(source).strip(), str(case).strip()
        if not source and not case:
            continue
        if not source or not case:
            raise ImportFormatError(f"{path}: row {i + 2} needs both a source and a case")
        if source in mapping and mapping[source] != case:
            raise ImportFormatError(f"{path}: row {i + 2}: source '{source}' is mapped to '{mapping[source]}' and to '{case}'")
        mapping[source] = case
    return mapping
