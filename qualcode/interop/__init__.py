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

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.interop.codebook_table_read import read_codebook_table
    from qualcode.interop.dedoose_read import read_dedoose
    from qualcode.interop.exchange import ExCase
    from qualcode.interop.exchange import ExCode
    from qualcode.interop.exchange import ExCoding
    from qualcode.interop.exchange import ExNote
    from qualcode.interop.exchange import ExSelection
    from qualcode.interop.exchange import ExSet
    from qualcode.interop.exchange import ExSource
    from qualcode.interop.exchange import ExUser
    from qualcode.interop.exchange import ExVariable
    from qualcode.interop.exchange import ExchangeProject
    from qualcode.interop.guids import assign_stable_guids
    from qualcode.interop.guids import project_namespace
    from qualcode.interop.guids import stable_guid
    from qualcode.interop.qualcoder_read import read_qualcoder
    from qualcode.interop.refi_read import read_qdc
    from qualcode.interop.refi_read import read_qdpx
    from qualcode.interop.refi_safety import ArchiveLimits
    from qualcode.interop.refi_write import write_qdc
    from qualcode.interop.refi_write import write_qdpx
    from qualcode.interop.reports import ExportReport
    from qualcode.interop.reports import ImportReport
    from qualcode.interop.reports import MergeReport

#: Public names and the module each comes from, loaded on first use (PEP 562): a report
#: class or the exchange model does not load every reader and writer (lxml, openpyxl).
_EXPORTS = {
    "ArchiveLimits": "refi_safety",
    "ExCase": "exchange",
    "ExCode": "exchange",
    "ExCoding": "exchange",
    "ExNote": "exchange",
    "ExSelection": "exchange",
    "ExSet": "exchange",
    "ExSource": "exchange",
    "ExUser": "exchange",
    "ExVariable": "exchange",
    "ExchangeProject": "exchange",
    "ExportReport": "reports",
    "ImportReport": "reports",
    "MergeReport": "reports",
    "assign_stable_guids": "guids",
    "project_namespace": "guids",
    "read_codebook_table": "codebook_table_read",
    "read_dedoose": "dedoose_read",
    "read_qdc": "refi_read",
    "read_qdpx": "refi_read",
    "read_qualcoder": "qualcoder_read",
    "stable_guid": "guids",
    "write_qdc": "refi_write",
    "write_qdpx": "refi_write",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"qualcode.interop.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'qualcode.interop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
