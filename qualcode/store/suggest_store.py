"""Records of trained suggestion models, kept in the ``runs`` table.

A trained model is a run of kind ``model``: its id names the model (``model:<id>`` is
the coder of its suggestions, ``<id>.joblib`` its file) and its ``params`` JSON holds
what a researcher needs to judge it later -- codes, training size, unit, coders,
cross-validated F1 per code, the file's path. No table of its own is needed: models are
few, read whole, and never queried by their contents. Suggestion runs made with a model
are ordinary runs of kind ``suggest`` (so ``qualcode undo`` works on them).
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, select, update

from qualcode.store import schema
from qualcode.store.coding import ensure_coders
from qualcode.store.frames import _read
from qualcode.store.migrations import utcnow

R, D = schema.runs, schema.coders
MODEL_KIND = "model"


def model_coder(model_id: int) -> str:
    return f"model:{int(model_id)}"


def new_model(conn: Connection, params: dict[str, Any]) -> int:
    """Insert a model record with its coder ``model:<id>``; returns the id."""
    run_id = int(conn.execute(R.insert().values(kind=MODEL_KIND, coder_id=None, params=params,
                                                 created_at=utcnow())).inserted_primary_key[0])
    coder = model_coder(run_id)
    conn.execute(update(R).where(R.c.id == run_id).values(coder_id=ensure_coders(conn, [coder])[coder]))
    return run_id


def models(conn: Connection) -> pd.DataFrame:
    """Model records, oldest first: ``model_id``, ``created_at``, ``params`` (a dict)."""
    frame = _read(conn, select(R.c.id.label("model_id"), R.c.created_at, R.c.params)
                  .where(R.c.kind == MODEL_KIND).order_by(R.c.id))
    if frame.empty:
        return pd.DataFrame(columns=["model_id", "created_at", "params"])
    frame["params"] = frame["params"].map(lambda p: p if isinstance(p, dict) else {})
    return frame


def model_params(conn: Connection, model_id: int) -> dict[str, Any] | None:
    """The params of model ``model_id``, or None when there is no such model."""
    row = conn.execute(select(R.c.params).where(R.c.id == int(model_id), R.c.kind == MODEL_KIND)).first()
    return None if row is None else dict(row.params or {})


def latest_model_id(conn: Connection) -> int | None:
    found = conn.execute(select(R.c.id).where(R.c.kind == MODEL_KIND).order_by(R.c.id.desc()).limit(1)).scalar()
    return None if found is None else int(found)
