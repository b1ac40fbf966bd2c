"""``qualcode.Project``: one object for a study, the public API of the library.

The same object serves Jupyter, the command line and the web workspace. It is assembled
from one class per capability, each in a module named for what it does:

* :mod:`~qualcode.project.core` -- create/open, ingest, codebook, coding by hand, memos,
  and the tidy frames (``applications()``, ``excerpts()``, ``descriptors()``…) that
  every other capability reads;
* :mod:`~qualcode.project.analysis` -- frequencies, crosstabs, waves, words, quotes,
  questionnaire summaries;
* :mod:`~qualcode.project.machine_coding` -- codebook rules (autocode), the code
  suggester and their runs;
* :mod:`~qualcode.project.review` -- the review queue of machine suggestions;
* :mod:`~qualcode.project.search` -- text search and coding its hits;
* :mod:`~qualcode.project.speakers` -- speakers and who the interviewer is;
* :mod:`~qualcode.project.agreement` -- agreement between coders, consensus;
* :mod:`~qualcode.project.interop` -- REFI-QDA, QualCoder, Dedoose, coded spreadsheets,
  merging projects;
* :mod:`~qualcode.project.sources` -- fixing sources after ingest: rename, case, wave,
  descriptors, removal, linking to cases;
* :mod:`~qualcode.project.impact` -- impact and logic models;
* :mod:`~qualcode.project.privacy` -- names found, confirmed once, replaced by
  pseudonyms in every export (the anonymiser);
* :mod:`~qualcode.project.reports` -- ``report()`` and friends, thin calls into
  :mod:`qualcode.reporting` (which sits above this package).

Every capability class inherits :class:`~qualcode.project.core.ProjectCore`, so mypy
checks each method's calls on ``self``. Methods are thin: each opens one transaction
(or one read), calls the module that does the work, and returns plain data. Nothing
here prints.
"""
from __future__ import annotations

from qualcode.project.agreement import ConsensusReport, ProjectAgreement
from qualcode.project.analysis import AnalysisFrames, ProjectAnalysis
from qualcode.project.core import MEMO_TARGETS, ProjectCore, default_coder
from qualcode.project.impact import ProjectImpact
from qualcode.project.interop import ProjectInterop
from qualcode.project.machine_coding import ProjectMachineCoding
from qualcode.project.privacy import ProjectPrivacy
from qualcode.project.reports import ProjectReports
from qualcode.project.review import ProjectReview
from qualcode.project.search import ProjectSearch
from qualcode.project.speakers import ProjectSpeakers
from qualcode.project.sources import ProjectSources

__all__ = ["MEMO_TARGETS", "AnalysisFrames", "ConsensusReport", "Project", "default_coder"]


class Project(
    ProjectImpact,
    ProjectAnalysis,
    ProjectMachineCoding,
    ProjectReview,
    ProjectSearch,
    ProjectSpeakers,
    ProjectAgreement,
    ProjectInterop,
    ProjectSources,
    ProjectReports,
    ProjectPrivacy,
    ProjectCore,
):
    """A qualcode project: a ``*.qcproj`` SQLite file or a PostgreSQL database URL.

    >>> project = Project.create("study.qcproj")        # doctest: +SKIP
    >>> project.ingest("corpora/advance-demo/interviews")  # doctest: +SKIP
    >>> project.excerpts(code="Issues/Governance", where={"role": ["CEO"]})  # doctest: +SKIP
    """
