"""What the coding workspace can ask of a project, as JSON in and JSON out.

One table of actions serves both front ends: the web app (``qualcode serve``) posts
``/api/<action>`` and the Jupyter widget sends the same ``{action, payload}`` through its
comm. Each action is a thin call of the public ``Project`` API (coding, memos, review,
coverage); nothing here writes SQL or decides a review rule. The coder is named by the
caller on every call, so a coding always carries the name its author gave once.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualcode.errors import NotFoundError, QualcodeError, UsageError

if TYPE_CHECKING:  # the web sits above Project and only names it
    from qualcode.project import Project

#: the actions that change the project (the web app checks their CSRF token)
WRITES = frozenset({"apply", "change", "remove", "memo", "add_code", "done", "accept", "reject", "recode",
                    "adjust", "accept_above", "reopen", "undo_recode", "undo_batch"})
MAX_NAME = 255
DESCRIPTOR_LEVELS = 40  # a descriptor with more distinct values is no use as a filter

PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4",
           "#b2df8a", "#fb9a99", "#cab2d6", "#6a3d9a"]


class ActionError(QualcodeError):
    """A request the workspace cannot carry out (shown to the user as one line)."""

    exit_code = 2


def _plain(value: Any) -> Any:
    """JSON-safe scalars: NaN/NA -> None, numpy numbers -> Python, timestamps -> ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts, a column at a time (a source's 500 codings in a few ms)."""
    out: dict[str, list[Any]] = {}
    for column in columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[column] = [None if pd.isna(v) else v.isoformat(timespec="seconds") for v in values]
        else:
            missing = values.isna().tolist()
            out[column] = [None if gone else _plain(v) for v, gone in zip(values.tolist(), missing)]
    return [dict(zip(columns, row)) for row in zip(*(out[c] for c in columns))] if len(frame) else []


def check_coder(name: Any) -> str:
    """A person's coder name: non-empty text, not a machine coder's ``rule:``/``model:``."""
    if not isinstance(name, str) or not name.strip():
        raise ActionError("say who you are first (your coder name)")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise ActionError(f"a coder name has at most {MAX_NAME} characters")
    if name.startswith(("rule:", "model:")):
        raise ActionError("names starting 'rule:' or 'model:' belong to machine coders; choose a person's name")
    return name


class Workspace:
    """The actions over one open project. ``call(action, payload, coder)`` -> JSON data."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._actions: dict[str, Callable[[dict[str, Any], str], Any]] = {
            name[len("act_"):]: getattr(self, name) for name in dir(self) if name.startswith("act_")
        }

    def call(self, action: str, payload: dict[str, Any] | None, coder: Any) -> Any:
        """Run one action; a ``QualcodeError`` from the project passes through unchanged."""
        handler = self._actions.get(action)
        if handler is None:
            raise ActionError(f"unknown action {action!r}")
        payload = payload or {}
        if not isinstance(payload, dict):
            raise ActionError("the request body is a JSON object")
        who = check_coder(coder) if action in WRITES or action == "sources" else (coder or "")
        return handler(payload, who)

    # ------------------------------------------------------------------ reading
    def act_bootstrap(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        """Everything the page needs once: title, codebook, sources, filter choices."""
        return {"title": self.project.title, "codes": self.codebook(None), "filters": self.filters()}

    def filters(self) -> dict[str, Any]:
        sources = self.project.sources()
        descriptors = self.project.descriptors()
        fields: dict[str, dict[str, str]] = {}
        if not descriptors.empty:
            for column in descriptors.columns:
                if column == "case":
                    continue
                values = descriptors[column].dropna()
                if values.empty or values.astype(str).nunique() > DESCRIPTOR_LEVELS:
                    continue
                fields[str(column)] = {str(c): str(_plain(v)) for c, v in zip(descriptors.loc[values.index, "case"], values)}
        return {
            "kinds": sorted(sources["kind"].dropna().unique().tolist()) if not sources.empty else [],
            "waves": sorted(sources["wave"].dropna().astype(str).unique().tolist()) if not sources.empty else [],
            "cases": sorted(sources["case"].dropna().astype(str).unique().tolist()) if not sources.empty else [],
            "descriptors": fields,
        }

    def act_sources(self, payload: dict[str, Any], coder: str) -> list[dict[str, Any]]:
        """Every source with whether this coder has coded it (applied a code or marked it)."""
        sources = self.project.sources()
        if sources.empty:
            return []
        coverage = self.project.coverage()
        mine = coverage[coverage["coder"] == coder] if not coverage.empty else coverage
        applied = dict(zip(mine["source"], mine["applications"])) if not mine.empty else {}
        marked = set(mine.loc[mine["marked"], "source"]) if not mine.empty else set()
        out = _records(sources, ["source_id", "source", "kind", "case", "wave", "length"])
        for row in out:
            row["mine"] = int(applied.get(row["source"], 0))
            row["marked"] = row["source"] in marked
        return out

    def codebook(self, source: str | None) -> list[dict[str, Any]]:
        codes = self.project.codes()
        apps = self.project.applications()
        total = apps["code"].value_counts() if not apps.empty else pd.Series(dtype=int)
        here = apps.loc[apps["source"] == source, "code"].value_counts() if source and not apps.empty else pd.Series(dtype=int)
        out = _records(codes, ["code_id", "path", "name", "parent_id", "depth", "description", "colour",
                               "weight_min", "weight_max"])
        for i, row in enumerate(out):
            row["colour"] = row["colour"] or PALETTE[i % len(PALETTE)]
            row["count"] = int(total.get(row["path"], 0))
            row["here"] = int(here.get(row["path"], 0))
        return out

    def act_source(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        """One source to read and code: its text, speaker turns, codings, memos."""
        name = self._source(payload)
        text = self.project.source_text(name)
        segments = self.project.segments(name)
        turns = segments[segments["kind"] == "turn"].sort_values("start")
        info = self.project.sources()
        row = info[info["source"] == name].iloc[0]
        state = self.act_codings({"source": name}, coder)
        return {
            "source": name, "kind": row["kind"], "case": _plain(row["case"]), "wave": _plain(row["wave"]),
            "text": text, "turns": _records(turns, ["start", "end", "speaker"]), **state,
        }

    def act_codings(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        """What others may have changed since: codings, memos, counts, coverage marks.
        The page asks every few seconds, so another coder's work appears without a reload."""
        name = self._source(payload)
        revision = self.project.revision()
        if payload.get("since") == revision:
            return {"unchanged": True, "revision": revision}
        with self.project.cached():
            apps = self.project.applications(source=name, status=None)
            apps = apps[apps["status"].isin(["applied", "suggested"])].sort_values(["start", "end", "application_id"])
            codings = _records(apps, ["application_id", "excerpt_id", "start", "end", "code", "coder", "weight",
                                      "status", "origin", "confidence", "decided_by", "decided_at"])
            memos = self.project.memos()
            excerpt_ids = set(int(i) for i in apps["excerpt_id"])
            keep = ((memos["target"] == "excerpt") & memos["target_id"].isin(excerpt_ids)) if not memos.empty else []
            source_id = int(self.project.sources().set_index("source").loc[name, "source_id"])
            if not memos.empty:
                keep |= (memos["target"] == "source") & (memos["target_id"] == source_id)
                keep |= memos["target"] == "code"
                memos = memos[keep]
            coverage = self.project.coverage()
            marked = sorted(coverage.loc[(coverage["source"] == name) & coverage["marked"], "coder"]) if not coverage.empty else []
            codes = self.codebook(name)
        return {
            "codings": codings,
            "memos": _records(memos, ["id", "target", "target_id", "text", "author", "created_at"]) if len(memos) else [],
            "source_id": source_id, "marked": marked, "codes": codes, "revision": revision,
        }

    def act_queue(self, payload: dict[str, Any], coder: str) -> list[dict[str, Any]]:
        """Suggestions waiting for a decision, for one source (or all), least certain first."""
        queue = self.project.review_queue(code=payload.get("code") or None)
        if payload.get("source"):
            queue = queue[queue["source"] == self._source(payload)]
        limit = int(payload.get("limit") or 500)
        return _records(queue.head(limit), ["application_id", "excerpt_id", "source", "start", "end", "speaker", "code",
                                            "coder", "origin", "confidence", "text"])

    # ------------------------------------------------------------------ coding
    def act_apply(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        codes = payload.get("codes")
        if isinstance(codes, str):
            codes = [codes]
        if not codes or not all(isinstance(c, str) for c in codes):
            raise ActionError("choose at least one code to apply")
        excerpt = self.project.code(self._source(payload), codes, start=_int(payload, "start"), end=_int(payload, "end"),
                                    coder=coder, weight=_weight(payload.get("weight")))
        return {"excerpt_id": excerpt}

    def act_change(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        start = _int(payload, "start") if "start" in payload else None
        end = _int(payload, "end") if "end" in payload else None
        weight = payload.get("weight")
        application = self.project.change_coding(
            _int(payload, "application_id"), code=payload.get("code") or None, start=start, end=end,
            weight=_weight(weight), clear_weight=weight == "", by=coder)
        return {"application_id": application}

    def act_remove(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        return {"removed": self.project.remove_coding(_int(payload, "application_id"))}

    def act_memo(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        on = payload.get("on")
        if on not in ("source", "excerpt", "code"):
            raise ActionError("a memo from the workspace goes on a source, an excerpt or a code")
        target = payload.get("target")
        memo = self.project.add_memo(str(payload.get("text") or ""), on=on,
                                     target=int(target) if on == "excerpt" else str(target), author=coder)
        return {"memo_id": memo}

    def act_add_code(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        path = str(payload.get("path") or "").strip()
        if not path:
            raise ActionError("give the new code's name (a path like 'Issues/Funding' puts it under 'Issues')")
        attributes = {"description": str(payload["description"])} if payload.get("description") else {}
        return {"code_id": self.project.add_code(path, **attributes)}

    def act_done(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        """'I read this and found nothing (more) to code' -- what ``qualcode done`` records."""
        name = self._source(payload)
        if payload.get("undo"):
            return {"changed": self.project.unmark_coded(name, coder=coder)}
        return {"changed": self.project.mark_coded(name, coder=coder)}

    # ------------------------------------------------------------------ review
    # Each decision answers with the call that takes it back, for the page's Undo.
    def act_accept(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        ids = _ids(payload)
        return {"decided": self.project.accept(ids, by=coder), "undo": {"action": "reopen", "ids": ids}}

    def act_reject(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        ids = _ids(payload)
        return {"decided": self.project.reject(ids, by=coder), "undo": {"action": "reopen", "ids": ids}}

    def act_recode(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        original = _int(payload, "application_id")
        new = self.project.recode(original, str(payload.get("code") or ""), by=coder)
        return {"application_id": new, "undo": {"action": "undo_recode", "application_id": original, "added": new}}

    def act_adjust(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        application = _int(payload, "application_id")
        before = self.project.applications(status=None)
        old = before[before["application_id"] == application]
        if old.empty:
            raise NotFoundError(f"no suggestion {application}; another coder may have decided it")
        self.project.adjust_span(application, _int(payload, "start"), _int(payload, "end"), by=coder)
        start, end = int(old["start"].iloc[0]), int(old["end"].iloc[0])
        return {"application_id": application,
                "undo": {"action": "reopen", "ids": [application], "start": start, "end": end}}

    def act_accept_above(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        code = str(payload.get("code") or "")
        threshold = payload.get("threshold")
        if not isinstance(threshold, (int, float)):
            raise ActionError("give the confidence (0 to 1) above which to accept")
        done = self.project.accept_above_batch(code, float(threshold), by=coder)
        # Undo takes back this numbered batch (``review --undo-batch N``): only its own
        # acceptances, and not one a reviewer has decided on again since.
        undo = {"action": "undo_batch", "batch": done["batch"]} if done["batch"] is not None else None
        return {"decided": done["accepted"], "batch": done["batch"], "undo": undo}

    def act_undo_batch(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        """Take back one batch acceptance: see :meth:`Project.undo_batch`."""
        return self.project.undo_batch(_int(payload, "batch"))

    def act_reopen(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        """Undo a decision: the suggestions go back in the queue (and back to their span)."""
        ids = _ids(payload)
        if "start" in payload and len(ids) == 1:
            self.project.change_coding(ids[0], start=_int(payload, "start"), end=_int(payload, "end"), by=coder)
        return {"reopened": self.project.reopen(ids)}

    def act_undo_recode(self, payload: dict[str, Any], coder: str) -> dict[str, Any]:
        self.project.remove_coding(_int(payload, "added"))
        return {"reopened": self.project.reopen([_int(payload, "application_id")])}

    # ------------------------------------------------------------------ helpers
    def _source(self, payload: dict[str, Any]) -> str:
        name = payload.get("source")
        if not isinstance(name, str) or not name:
            raise ActionError("name the source")
        return name


def _int(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise UsageError(f"{key} must be a whole number (got {value!r})")
    return int(value)


def _ids(payload: dict[str, Any]) -> list[int]:
    ids = payload.get("ids")
    if not isinstance(ids, list) or not ids:
        raise ActionError("give the ids of the suggestions to decide")
    return [_int({"id": i}, "id") for i in ids]


def _weight(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"a weight is a number (got {value!r})") from None
