"""``Project`` conveniences for the study report: thin calls into ``qualcode.reporting``.

The report is a *client* of ``Project`` (it asks for some thirty analyses), so it lives
above this package; these methods import it only when called, which keeps the import
graph one-way at load time (see docs/architecture.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.project.core import ProjectCore

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.report.content import Report
    from qualcode.reporting.study import ReportOptions, WrittenReport


class ProjectReports(ProjectCore):
    """The study report; ``qualcode.Project`` inherits it."""

    def build_report(self, figures_dir: str | Path, options: "ReportOptions | None" = None) -> "Report":
        """The whole analysis as a Report object (figures saved into ``figures_dir``)."""
        from qualcode.reporting.study import build_report

        return build_report(self, figures_dir, options)  # type: ignore[arg-type]

    def report(self, out_dir: str | Path, options: "ReportOptions | None" = None) -> "WrittenReport":
        """Write the whole analysis to ``out_dir``: report.xlsx, report.html (self-contained),
        report.md with figures/ (PNG and SVG), and tables/ as CSV."""
        from qualcode.reporting.study import write_report

        return write_report(self, out_dir, options)  # type: ignore[arg-type]

    def export_report(self, fmt: str, out: str | Path, options: "ReportOptions | None" = None) -> Path:
        """One format of the report: ``xlsx``, ``html`` (self-contained), ``md`` (figures in a
        ``figures/`` folder beside it) or ``csv`` (``out`` is a folder of tables)."""
        from qualcode.reporting.study import export_one

        return export_one(self, fmt, out, options)  # type: ignore[arg-type]
