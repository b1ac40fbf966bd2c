"""Reading a user's YAML file (a codebook, an impact model) with one-line errors.

Both files are written by hand, so the three ways they fail are the same and get the
same messages: the file is not there, the YAML does not parse (the line where it broke),
or the bytes are not UTF-8 (the offset). The loader is the caller's: each keeps line
numbers its own way for the checks that follow.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml_file(path: Path, loader: type, error: type[Exception], what: str) -> Any:
    """The parsed content of ``path``; ``error`` names the file (and line or byte)."""
    if not path.is_file():
        raise error(f"{path}: file not found; give the path of {what} YAML file")
    try:
        return yaml.load(path.read_text(encoding="utf-8-sig"), Loader=loader)  # noqa: S506 - SafeLoader subclasses
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}" if mark else "1"
        raise error(f"{path}:{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
