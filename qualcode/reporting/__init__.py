"""The study report: the whole analysis of a project as one document.

This package sits *above* :mod:`qualcode.project`: it is a client of ``Project`` (it asks
for some thirty analyses), like the command line. Below it, :mod:`qualcode.report` holds
the renderers (Excel, HTML, Markdown, CSV, charts) that know nothing about projects.

* :mod:`~qualcode.reporting.study` -- the report's sections, ``build_report`` /
  ``write_report`` / ``export_one`` and :class:`ReportOptions`;
* :mod:`~qualcode.reporting.agreement` -- its inter-rater agreement section;
* :mod:`~qualcode.reporting.impact` -- its impact-model section and the ``impact``
  output folder.

The CLI and ``qualcode demo`` call it directly; ``Project.report()`` is a thin
convenience that imports it when called.
"""
from __future__ import annotations

from qualcode.reporting.study import ReportOptions, WrittenReport, build_report, export_one, write_report

__all__ = ["ReportOptions", "WrittenReport", "build_report", "export_one", "write_report"]
