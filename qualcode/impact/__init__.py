"""Impact models and logic models : which codes evidence each arena of impact,
core issue, stakeholder group or logic-model stage, how strongly, and a picture of it.

* :mod:`qualcode.impact.model`: the YAML model file, read and validated with line numbers.
* :mod:`qualcode.impact.summary`: pure functions from the project's frames to an
  :class:`ImpactSummary` of DataFrames.
* :mod:`qualcode.impact.diagram`: the impact-model and logic-model pictures.
* :mod:`qualcode.reporting.impact`: the report section and the ``impact`` output folder.

Most users call ``project.impact_model(path)``, ``project.impact_summary(path)`` and
``project.impact(path, out_dir)``, or ``qualcode impact MODEL.yaml --out DIR``.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.impact.model import (
        Element,
        Evidence,
        ImpactModel,
        ImpactModelError,
        Indicator,
        check_model,
        read_model,
    )
    from qualcode.impact.summary import ImpactSummary, summarise

#: Where two elements count as coded together: on one excerpt, on overlapping excerpts,
#: in one source. Here, not in ``model``, so the command line's option list loads no YAML.
COOCCURRENCE = ("excerpt", "overlap", "source")

#: Public names and the module each comes from; loaded on first use (PEP 562), so that
#: reading a model's constants does not load the analyses (scipy) behind ``summarise``.
_EXPORTS = {
    "Element": "model",
    "Evidence": "model",
    "ImpactModel": "model",
    "ImpactModelError": "model",
    "Indicator": "model",
    "check_model": "model",
    "read_model": "model",
    "ImpactSummary": "summary",
    "summarise": "summary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"qualcode.impact.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'qualcode.impact' has no attribute {name!r}")
