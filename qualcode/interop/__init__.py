"""Exchange with other QDA tools: REFI-QDA (.qdpx/.qdc) in and out, QualCoder, Dedoose and
spreadsheet codebooks in. Every reader returns an :class:`ExchangeProject`; the REFI-QDA
writers take one. Readers and writers are pure (files in, model out, and back); the
project maps the model to and from the store (:mod:`qualcode.interop.to_store`,
:mod:`qualcode.interop.from_store`, :mod:`qualcode.interop.merge`), and the ``Project``
methods ``import_qdpx``, ``import_qualcoder``, ``import_dedoose``,
``import_codebook_file``, ``export_qdpx``, ``export_qdc`` and ``merge_project`` return
the reports defined in :mod:`qualcode.interop.reports`.
"""
from __future__ import annotations

from qualcode.interop.codebook_table_read import read_codebook_table
from qualcode.interop.dedoose_read import read_dedoose
from qualcode.interop.exchange import (
    ExCase,
    ExchangeProject,
    ExCode,
    ExCoding,
    ExNote,
    ExSelection,
    ExSet,
    ExSource,
    ExUser,
    ExVariable,
)
from qualcode.interop.guids import assign_stable_guids, project_namespace, stable_guid
from qualcode.interop.qualcoder_read import read_qualcoder
from qualcode.interop.refi_read import read_qdc, read_qdpx
from qualcode.interop.refi_safety import ArchiveLimits
from qualcode.interop.refi_write import write_qdc, write_qdpx
from qualcode.interop.reports import ExportReport, ImportReport, MergeReport

__all__ = [
    "ArchiveLimits",
    "ExCase",
    "ExCode",
    "ExCoding",
    "ExNote",
    "ExSelection",
    "ExSet",
    "ExSource",
    "ExUser",
    "ExVariable",
    "ExchangeProject",
    "ExportReport",
    "ImportReport",
    "MergeReport",
    "assign_stable_guids",
    "project_namespace",
    "read_codebook_table",
    "read_dedoose",
    "read_qdc",
    "read_qdpx",
    "read_qualcoder",
    "stable_guid",
    "write_qdc",
    "write_qdpx",
]
