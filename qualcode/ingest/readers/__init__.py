"""One reader module per file format; ``qualcode.ingest.registry`` picks among them.

Every reader is pure: a path (and options) in, a ``ReadResult`` out, ``IngestError`` with a
one-line message for bad input. Nothing here touches the project store.
"""
from __future__ import annotations

import re


def normalise_wave(value: object) -> str:
    """``"2"``, ``"Wave 2"``, ``"W2"``, ``2.0`` -> ``"2"``; anything else stays as written.

    Waves arrive from file names, docx metadata tables and spreadsheet cells; one spelling
    keeps ``--where wave=2`` and cross-tabs by wave from splitting a wave in two.
    """
    text = str(value).strip()
    match = re.fullmatch(r"(?i)(?:wave|w)?\s*0*(\d+)(?:\.0+)?", text)
    return match.group(1) if match else text
