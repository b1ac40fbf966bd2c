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

__all__ = [
    "Element",
    "Evidence",
    "ImpactModel",
    "ImpactModelError",
    "ImpactSummary",
    "Indicator",
    "check_model",
    "read_model",
    "summarise",
]
