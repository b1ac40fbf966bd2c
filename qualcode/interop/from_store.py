"""A qualcode project read into an :class:`ExchangeProject`, for the REFI-QDA writers.

Mapping (the inverse of :mod:`qualcode.interop.to_store`): coders (and memo authors)
-> users; the code tree
with colours and descriptions (U+2215 in a name becomes ``/`` again); sources with their
text (never their origin path: an export must not reveal folders of the researcher's
machine); every excerpt with at least one *applied* application -> a selection, each
applied application -> a coding by its coder; memos -> notes on their code, source,
excerpt or case (project memos -> project notes); cases with their descriptor values ->
cases and variables; a source's wave -> a source variable ``wave``; code sets -> sets.

GUIDs here are temporary (``"code:12"``); callers pass the result through
:func:`qualcode.interop.guids.assign_stable_guids` with the project's namespace, so the
same project exported twice carries the same GUIDs.

REFI-QDA has no place for, so the export leaves out (and the caller reports): coding
weights and weight ranges, code inclusion / exclusion / examples and rules, suggested and
rejected applications, descriptor levels (ordered categories), segments (turns are
recomputed on import), questionnaire structure (responses travel as text sources, their
closed answers as case variables), and sources with no text (a respondent who answered no
open question: a REFI text source needs text, and the tools that read it show an empty
document; the case and its variables still go).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

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
    VariableValue,
)
from qualcode.interop.to_store import WAVE_VARIABLE, exported_name
from qualcode.store import coding as store_coding
from qualcode.store import exchange_store as xs

NOTE_NAME_LENGTH = 60


@dataclass
class LeftOut:
    """What the export could not carry: (what, how many, why) in reading order."""

    items: list[tuple[str, int, str]] = field(default_factory=list)

    def add(self, what: str, n: int, why: str) -> None:
        if n > 0:
            self.items.append((what, n, why))


def _note_name(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= NOTE_NAME_LENGTH else first[: NOTE_NAME_LENGTH - 1] + "…"


def typed_value(raw: str, type_: str) -> VariableValue:
    """A stored descriptor text as the typed value REFI-QDA writes."""
    if type_ == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    if type_ == "boolean":
        return raw.strip().lower() == "true"
    if type_ == "date":
        try:
            return date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
        except ValueError:
            return raw
    return raw


def _codes(conn: Connection, left_out: LeftOut) -> tuple[list[ExCode], dict[int, str]]:
    rows = xs.codes(conn)
    nodes: dict[int, ExCode] = {}
    order: dict[int, tuple[int, str]] = {}
    for r in rows:
        examples = r.examples if isinstance(r.examples, list) else []
        nodes[r.id] = ExCode(
            guid=f"code:{r.id}", name=exported_name(r.name), colour=r.colour or None, description=r.description or "",
            inclusion=r.inclusion or "", exclusion=r.exclusion or "", examples="\n".join(map(str, examples)),
            weight_min=r.weight_min, weight_max=r.weight_max,
        )
        order[r.id] = (r.position, r.name)
    roots: list[ExCode] = []
    children: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        if r.parent_id is None:
            continue
        children[r.parent_id].append(r.id)
    for parent, kids in children.items():
        nodes[parent].children = [nodes[k] for k in sorted(kids, key=order.__getitem__)]
    roots = [nodes[r.id] for r in sorted((r for r in rows if r.parent_id is None), key=lambda r: order[r.id])]
    left_out.add("code inclusion/exclusion notes or examples",
                 sum(1 for r in rows if r.inclusion or r.exclusion or r.examples), "REFI-QDA codes carry a description only")
    left_out.add("code weight ranges", sum(1 for r in rows if r.weight_min is not None or r.weight_max is not None),
                 "REFI-QDA has no coding weights")
    left_out.add("code rules", sum(1 for r in rows if r.rules), "autocoding rules are qualcode's own")
    return roots, {r.id: f"code:{r.id}" for r in rows}


def build_exchange(conn: Connection, *, title: str) -> tuple[ExchangeProject, LeftOut]:
    """The whole project as an exchange model (temporary GUIDs) and what was left out."""
    left_out = LeftOut()
    ep = ExchangeProject(name=title, origin="qualcode")
    coders = xs.coders(conn)
    memos = xs.memos(conn)
    ep.users = [ExUser(guid=f"user:{i}", name=name) for i, name in sorted(coders.items(), key=lambda kv: kv[1])]
    user_by_name = {name: f"user:{i}" for i, name in coders.items()}
    for author in sorted({m.author for m in memos if m.author and m.author not in user_by_name}):
        user_by_name[author] = f"author:{author}"  # memo authors who never coded are users too
        ep.users.append(ExUser(guid=user_by_name[author], name=author))
    ep.codes, code_guid = _codes(conn, left_out)

    sources = xs.sources(conn)
    blank = [r for r in sources if not (r.text or "").strip()]
    sources = [r for r in sources if (r.text or "").strip()]
    left_out.add("sources with no text (questionnaire responses without an open answer)", len(blank),
                 "a REFI-QDA text source needs text; their closed answers travel as case variables")
    wave_guid = "variable:wave"
    for r in sources:
        meta = r.meta if isinstance(r.meta, dict) else {}
        source = ExSource(guid=f"source:{r.id}", name=r.name, text=r.text, kind="text",
                          description=str(meta.get("description", "")), created=r.created_at)
        if r.wave is not None:
            source.variable_values[wave_guid] = r.wave
        ep.sources.append(source)
    if any(r.wave is not None for r in sources):
        ep.variables.append(ExVariable(guid=wave_guid, name=WAVE_VARIABLE, type="category", refi_type="Text", applies_to="source"))
    left_out.add("questionnaire responses' question structure", sum(1 for r in sources if r.kind == "questionnaire"),
                 "responses travel as text sources; their closed answers travel as case variables")

    by_excerpt: dict[int, ExSelection] = {}
    weights = 0
    for r in xs.coded_spans(conn, status="applied"):
        sel = by_excerpt.get(r.excerpt_id)
        if sel is None:
            sel = by_excerpt[r.excerpt_id] = ExSelection(
                guid=f"excerpt:{r.excerpt_id}", source_guid=f"source:{r.source_id}", start=r.start, end=r.end,
                created=r.excerpt_created,
            )
            ep.selections.append(sel)
        sel.codings.append(ExCoding(code_guid=code_guid[r.code_id], coder_guid=f"user:{r.coder_id}",
                                    created=r.created_at, weight=r.weight))
        weights += r.weight is not None
    left_out.add("coding weights", weights, "REFI-QDA has no coding weights")
    not_applied = store_coding.count_applications(conn, status=None) - sum(len(s.codings) for s in ep.selections)
    left_out.add("suggested or rejected applications", not_applied, "only applied codings are exported")

    _cases(conn, ep, sources, left_out)
    known = {c.guid for _, c in ep.iter_codes()} | {s.guid for s in ep.sources} | {c.guid for c in ep.cases}
    _memos(memos, ep, by_excerpt, user_by_name, known, left_out)
    members: dict[int, list[str]] = defaultdict(list)
    for m in xs.code_set_members(conn):
        members[m.set_id].append(code_guid[m.code_id])
    ep.sets = [ExSet(guid=f"set:{s.id}", name=s.name, description=s.description or "", code_guids=sorted(members[s.id]))
               for s in xs.code_sets(conn)]
    return ep, left_out


def _memos(memos: list[Any], ep: ExchangeProject, by_excerpt: dict[int, ExSelection], user_by_name: dict[str, str],
           known: set[str], left_out: LeftOut) -> None:
    unplaced = gone = 0
    for m in memos:
        target: str | None
        if m.target == "project":
            target = None
        elif m.target == "excerpt":
            target = f"excerpt:{m.target_id}"
            if m.target_id not in by_excerpt:
                unplaced += 1
                continue
        else:
            target = f"{m.target}:{m.target_id}"
            if target not in known:
                gone += 1
                continue
        note = ExNote(guid=f"memo:{m.id}", name=_note_name(m.text), text=m.text, targets=[target] if target else [],
                      creator_guid=user_by_name.get(m.author), created=m.created_at)
        ep.notes.append(note)
        if target is None:
            ep.project_note_guids.append(note.guid)
    left_out.add("memos on excerpts without an applied code", unplaced, "those excerpts are not exported")
    left_out.add("memos on deleted codes, sources or cases", gone, "what they were written on is gone")


def _cases(conn: Connection, ep: ExchangeProject, sources: list[Any], left_out: LeftOut) -> None:
    fields = xs.descriptor_fields(conn)
    types = {f.id: f.type for f in fields}
    for f in fields:
        refi = "Text" if f.type in ("category", "text") else ("Boolean" if f.type == "boolean" else None)
        ep.variables.append(ExVariable(guid=f"field:{f.id}", name=f.name, type=f.type, refi_type=refi))
    left_out.add("descriptor level orders", sum(1 for f in fields if f.levels), "REFI-QDA variables have no ordered levels")
    values: dict[int, dict[str, VariableValue]] = defaultdict(dict)
    for v in xs.descriptor_values(conn):
        values[v.case_id][f"field:{v.field_id}"] = typed_value(v.value, types[v.field_id])
    owned: dict[int, list[str]] = defaultdict(list)
    for s in sources:
        if s.case_id is not None:
            owned[s.case_id].append(f"source:{s.id}")
    ep.cases = [ExCase(guid=f"case:{c.id}", name=c.name, variable_values=values.get(c.id, {}), source_guids=owned.get(c.id, []))
                for c in xs.cases(conn)]
