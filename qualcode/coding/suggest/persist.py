"""Saving and loading a fitted suggester with the metadata needed to trust it later.

A model file is a joblib pickle of ``{"format", "format_version", "estimator",
"metadata"}``. The metadata records what the model was trained against -- the codes,
the codebook's hash (supplied by the caller, e.g. the project), the training size and
the library versions -- so that applying a stale model fails with a clear message
instead of suggesting codes that no longer exist.

Pickles can run code when loaded: load only model files your team wrote.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import joblib
import sklearn

from qualcode.errors import ModelError

FORMAT = "qualcode-suggester"
FORMAT_VERSION = 1


def save(estimator: object, path: str | Path, codebook_hash: str | None = None, metadata: dict | None = None) -> Path:
    """Write ``estimator`` with metadata to ``path``; sets ``estimator.metadata_``."""
    from qualcode.version import __version__ as qualcode_version

    path = Path(path)
    record = {
        "codes": [str(code) for code in estimator.classes_],
        "codebook_hash": codebook_hash,
        "n_train": int(estimator.n_train_),
        "sklearn_version": sklearn.__version__,
        "qualcode_version": qualcode_version,
        "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "params": {key: _plain(value) for key, value in estimator.get_params().items()},
    }
    record.update(metadata or {})
    estimator.metadata_ = record
    if not path.parent.exists():
        raise ModelError(f"{path}: folder {path.parent} does not exist; create it or choose another path")
    joblib.dump({"format": FORMAT, "format_version": FORMAT_VERSION, "estimator": estimator, "metadata": record}, path)
    return path


def load(path: str | Path) -> object:
    """Read a model file; raises ModelError if missing, foreign, or from another scikit-learn."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found; train one first (qualcode suggest train)")
    try:
        payload = joblib.load(path)
    except Exception as error:  # a truncated or foreign file can fail in many ways inside pickle
        raise ModelError(f"{path}: not a readable suggester model ({type(error).__name__}); train it again") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{path}: not a qualcode suggester model file")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise ModelError(f"{path}: written by a newer qualcode (format {payload['format_version']}); upgrade qualcode")
    metadata = payload.get("metadata") or {}
    saved = str(metadata.get("sklearn_version", "?"))
    if _minor(saved) != _minor(sklearn.__version__):
        raise ModelError(
            f"{path}: saved with scikit-learn {saved} but this is {sklearn.__version__}; train the model again"
        )
    estimator = payload["estimator"]
    estimator.metadata_ = metadata
    return estimator


def check_codebook(estimator: object, codebook_hash: str) -> None:
    """Raise ModelError when the model's recorded codebook hash differs from ``codebook_hash``."""
    recorded = (getattr(estimator, "metadata_", None) or {}).get("codebook_hash")
    if recorded is None:
        raise ModelError("this model records no codebook hash, so it cannot be checked; train it again from the project")
    if recorded != codebook_hash:
        raise ModelError(
            f"the codebook changed since this model was trained (hash {str(recorded)[:12]} now {str(codebook_hash)[:12]}); "
            "train the suggester again"
        )


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _plain(value: object) -> object:
    """Parameters as JSON-friendly values for the metadata record."""
    if isinstance(value, tuple):
        return list(value)
    return value
