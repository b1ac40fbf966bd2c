"""``Project`` methods for anonymity (issue 21): find candidate names, let a person
confirm them once, and hand every export one :class:`~qualcode.privacy.anonymiser.Anonymiser`.

``qualcode.Project`` inherits this class; it builds on
:class:`~qualcode.project.core.ProjectCore` (the frames), and
:class:`~qualcode.project.analysis.ProjectAnalysis` builds on it (quotes and word counts
go through the anonymiser).

Decisions live in the project (``redaction_entities`` / ``redaction_variants``), so they
are shared by a team and re-used when new material arrives: a name decided once is never
asked about again, and only new names show as ``new`` in :meth:`redaction_candidates`.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualcode.errors import ImportFormatError, NotFoundError, UsageError, shown
from qualcode.project.core import ProjectCore, default_coder

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection

    from qualcode.privacy.anonymiser import Anonymiser

KINDS = ("person", "organisation", "place", "email", "phone", "postcode", "url", "other")
DECISIONS = ("accept", "reject")
#: descriptor fields whose values name someone or something
IDENTIFYING_FIELD = re.compile(r"(?:^|[\W_])(?:name|full ?name|first ?name|surname|organi[sz]ation|org|employer|"
                               r"charity|company|mentor|trustee|contact|e-?mail|phone|mobile|school|council|"
                               r"address|postcode|website|interviewer)(?:$|[\W_])", re.IGNORECASE)
INTERVIEWER_LABELS = {"interviewer", "researcher", "int", "i", "q", "a", "moderator", "facilitator", "speaker",
                      "respondent", "participant", "unknown"}


def _decider() -> str:
    return default_coder()


class ProjectPrivacy(ProjectCore):
    """Finding, confirming and replacing names; ``qualcode.Project`` inherits it."""

    # ------------------------------------------------------------- reading
    def redactions(self) -> pd.DataFrame:
        """Every decided name, one row per variant: ``name``, ``entity_id``, ``kind``,
        ``status`` (accepted / rejected), ``pseudonym``, ``match_case``."""
        from qualcode.privacy.anonymiser import pseudonym
        from qualcode.store import redactions as store

        self._upgrade_legacy_list()
        with self._db.connect() as conn:
            frame = store.entities(conn)
        columns = ["name", "entity_id", "kind", "status", "pseudonym", "match_case", "decided_by"]
        if frame.empty:
            return pd.DataFrame(columns=columns)
        frame["pseudonym"] = [pseudonym(k, n, lab if isinstance(lab, str) and lab else None) if s == "accepted" else ""
                              for k, n, lab, s in zip(frame["kind"], frame["number"], frame["label"], frame["status"])]
        return frame.rename(columns={"text": "name"})[columns].reset_index(drop=True)

    @property
    def redaction_names(self) -> list[str]:
        """Every confirmed way of writing a name (the redaction list of earlier versions)."""
        table = self.redactions()
        accepted = table[table["status"] == "accepted"]["name"].tolist() if not table.empty else []
        return sorted(set(accepted), key=str.casefold)

    def anonymiser(self, *, case_names: bool = False) -> "Anonymiser":
        """The anonymiser every export uses: confirmed names -> their pseudonyms (and, with
        ``case_names``, every case name -> "[name]", as quotes and word counts always did).

        Built once per ``cached()`` block (a report asks for it a dozen times, and with
        10,000 case names each build took half a second); a write empties that cache."""
        cache = self._db.frame_cache
        key = ("anonymiser", case_names)
        if cache is not None and key in cache:
            return cache[key]  # type: ignore[return-value]
        built = self._build_anonymiser(case_names)
        if cache is not None:
            cache[key] = built
        return built

    def _build_anonymiser(self, case_names: bool) -> "Anonymiser":
        from qualcode.privacy.anonymiser import Anonymiser, Entity, Variant

        table = self.redactions()
        entities = []
        if not table.empty:
            accepted = table[table["status"] == "accepted"]
            # each entity's names in table order, entities by id (a plain loop: a report asks for
            # this a dozen times, and a pandas group per entity cost 50 ms each time)
            rows: dict[Any, list[tuple[Any, Any, Any, Any]]] = {}
            for entity_id, kind, name, match_case, label in zip(accepted["entity_id"], accepted["kind"],
                                                                 accepted["name"], accepted["match_case"],
                                                                 accepted["pseudonym"]):
                if not pd.isna(entity_id):
                    rows.setdefault(entity_id, []).append((kind, name, match_case, label))
            for entity_id in sorted(rows):
                kind, _, _, label = rows[entity_id][0]
                entities.append(Entity(kind, 0, [Variant(n, bool(m)) for _, n, m, _ in rows[entity_id]],
                                       label=label, entity_id=int(entity_id)))
        cases = self.descriptors()["case"].dropna().astype(str).tolist() if case_names else []
        return Anonymiser(entities, cases)

    def check_outputs(self, folder: str | Path, *, unconfirmed: bool = True) -> pd.DataFrame:
        """Leaks in a folder of outputs (report, quotes, clouds, exports): every confirmed
        name still written there and, with ``unconfirmed``, every candidate nobody has
        decided on. Columns ``file, found, status, context``; empty when the folder is clean."""
        from qualcode.privacy.check import check_folder

        folder = Path(folder)
        if not folder.exists():
            raise NotFoundError(f"{folder} does not exist; give the folder the outputs were written to")
        pending = self.redaction_candidates()["candidate"].tolist() if unconfirmed else []
        return check_folder(folder, self.anonymiser(), pending)

    # ----------------------------------------------------------- candidates
    def redaction_candidates(self, *, include_decided: bool = False, use_ner: bool = True) -> pd.DataFrame:
        """Names, e-mails, phone numbers, postcodes and web addresses found anywhere in the
        project, most mentioned first: ``candidate, kind, mentions, sources, reason,
        variant_of, context, status, label``. ``status`` is ``new`` for names nobody has
        decided on (the default shows only those), else accepted / rejected."""
        from qualcode.privacy.candidates import candidate_table, find_mentions, normalise

        texts = list(self.source_texts().values())
        _, candidates = find_mentions(texts, self._known_names(), use_ner=use_ner)
        decided = self.redactions()
        decisions = {normalise(n): (s, p) for n, s, p in zip(decided["name"], decided["status"], decided["pseudonym"])}
        table = candidate_table(candidates, decisions)
        if not include_decided and not table.empty:
            table = table[table["status"] == "new"].reset_index(drop=True)
        return table

    def _known_names(self) -> list:
        from qualcode.privacy.candidates import KnownName
        from qualcode.privacy.detect import guess_kind

        known: list[KnownName] = []
        segments = self.segments()
        if not segments.empty and "speaker" in segments.columns:
            for speaker in segments["speaker"].dropna().astype(str).unique():
                if _is_name_like(speaker):
                    known.append(KnownName(speaker.strip(), "person", "speaker"))
        descriptors = self.descriptors()
        for case in descriptors["case"].dropna().astype(str).unique() if "case" in descriptors else []:
            if _is_name_like(case):
                known.append(KnownName(case.strip(), "person", "case name"))
        for column in descriptors.columns:
            if column == "case" or not IDENTIFYING_FIELD.search(str(column)):
                continue
            for value in descriptors[column].dropna().astype(str).unique():
                if _is_name_like(value) or "@" in value or sum(ch.isdigit() for ch in value) >= 10:
                    known.append(KnownName(value.strip(), guess_kind(value), f"descriptor {column}"))
        return known

    # ------------------------------------------------------------ deciding
    def confirm_names(self, names: str | Iterable[str], kind: str | None = None, label: str | None = None) -> str:
        """Confirm ``names`` as ways of writing ONE person, organisation or place
        ("Sarah Jones", "Sarah", "Ms Jones"); returns its pseudonym. Names already decided
        move to this entity. ``kind`` is guessed from the longest name when not given;
        ``label`` is a pseudonym of your own instead of "[Person 4]"."""
        return self._decide(names, "accepted", kind, label)

    def reject_names(self, names: str | Iterable[str]) -> int:
        """Mark candidates as not names (never replaced, never asked about again)."""
        given = _names(names)
        for name in given:
            self._decide([name], "rejected", "other", None)
        return len(given)

    def merge_names(self, names: str | Iterable[str]) -> str:
        """Make the entities of ``names`` one entity (the first name's); returns its pseudonym."""
        from qualcode.store import redactions as store
        from qualcode.privacy.candidates import normalise

        given = _names(names)
        if len(given) < 2:
            raise UsageError("merge needs two or more names: the first keeps its pseudonym")
        with self._db.begin() as conn:
            head = store.entity_of(conn, normalise(given[0]))
        if head is None:
            return self.confirm_names(given)
        return self._decide(given, "accepted", None, None, into=head)

    def label_name(self, name: str, label: str | None) -> str:
        """Give a confirmed name's entity a pseudonym of your own (None: back to "[Person 4]")."""
        from qualcode.store import redactions as store
        from qualcode.privacy.candidates import normalise

        with self._db.begin() as conn:
            entity = store.entity_of(conn, normalise(name))
            if entity is None:
                raise NotFoundError(f"{name!r} has not been confirmed; confirm it first: qualcode redact accept {name!r}")
            store.update_entity(conn, entity, label=(label or None), clear_label=not label)
        return self._pseudonym_of(name)

    def forget_names(self, names: str | Iterable[str]) -> int:
        """Undo decisions: the names show as new candidates again."""
        from qualcode.store import redactions as store
        from qualcode.privacy.candidates import normalise

        with self._db.begin() as conn:
            return store.forget(conn, [normalise(n) for n in _names(names)])

    def add_redaction_names(self, names: Iterable[str]) -> int:
        """Confirm each name as its own entity (the redaction list of earlier versions);
        returns how many were new."""
        from qualcode.privacy.candidates import normalise

        known = {normalise(n) for n in self.redaction_names}
        new = [n for n in _names(names) if normalise(n) not in known]
        for name in dict.fromkeys(new):
            self.confirm_names([name])
        return len({normalise(n) for n in new})

    def _decide(self, names: str | Iterable[str], status: str, kind: str | None, label: str | None,
                into: int | None = None) -> str:
        self._upgrade_legacy_list()
        given = _names(names)
        with self._db.begin() as conn:
            _decide_in(conn, given, status, kind, label, into)
        return self._pseudonym_of(given[0]) if status == "accepted" else ""

    def _pseudonym_of(self, name: str) -> str:
        from qualcode.privacy.candidates import normalise

        table = self.redactions()
        hit = table[[normalise(n) == normalise(name) for n in table["name"]]] if not table.empty else table
        return str(hit["pseudonym"].iloc[0]) if not hit.empty else ""

    def _upgrade_legacy_list(self) -> None:
        """Projects from before schema 4 kept a plain list of names: each becomes a
        confirmed entity (matched in any case, as the list always was), once."""
        from qualcode.store import redactions as store

        with self._db.connect() as conn:
            legacy = store.legacy_names(conn)
        if not legacy:
            return
        from qualcode.privacy.candidates import normalise
        from qualcode.privacy.detect import guess_kind

        with self._db.begin() as conn:
            for name in legacy:
                if not str(name).strip() or store.entity_of(conn, normalise(name)) is not None:
                    continue
                entity = store.new_entity(conn, guess_kind(name), "accepted", None, "redaction list")
                store.attach(conn, entity, [store.VariantRow(" ".join(str(name).split()), normalise(name), False)])
            store.drop_legacy_names(conn)

    # ------------------------------------------------------ files of decisions
    def export_redactions(self, path: str | Path) -> Path:
        """Write the decisions as CSV (``name, decision, kind, entity, label``): a team
        can review them, keep them with the study and load them into another project."""
        from qualcode.errors import ExportError

        table = self.redactions()
        path = Path(path)
        rows = [{"name": r.name, "decision": "accept" if r.status == "accepted" else "reject", "kind": r.kind,
                 "entity": int(r.entity_id), "label": r.pseudonym if r.status == "accepted" else ""}
                for r in table.itertuples()]
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, ["name", "decision", "kind", "entity", "label"])
                writer.writeheader()
                writer.writerows(rows)
        except OSError as exc:
            raise ExportError(f"cannot write {path} ({exc.strerror}); choose a writable file") from exc
        return path

    def import_redactions(self, path: str | Path) -> dict[str, int]:
        """Apply a CSV of decisions (``name, decision`` and optionally ``kind``, ``entity``
        -- rows with the same entity are one name -- and ``label``). Every row is checked
        before anything is stored."""
        path = Path(path)
        if not path.is_file():
            raise NotFoundError(f"{path} does not exist")
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFormatError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
        if rows and not {"name", "decision"} <= set(rows[0]):
            raise ImportFormatError(
                f"{path}: needs the columns name and decision (found {shown([c for c in rows[0] if c is not None])})")
        groups: dict[str, list[dict[str, str]]] = {}
        for number, row in enumerate(rows, start=2):
            name = (row.get("name") or "").strip()
            decision = (row.get("decision") or "").strip().casefold()
            kind = (row.get("kind") or "").strip() or None
            if not name:
                raise ImportFormatError(f"{path}, row {number}: the name is empty")
            if decision not in DECISIONS:
                raise ImportFormatError(f"{path}, row {number}: decision {decision!r} is not accept or reject")
            if kind is not None and kind not in KINDS:
                raise ImportFormatError(f"{path}, row {number}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
            entity = (row.get("entity") or "").strip() or f"row {number}"
            groups.setdefault(f"{decision}:{entity}", []).append(row | {"name": name, "decision": decision, "kind": kind})
        counts = {"accepted": 0, "rejected": 0}
        self._upgrade_legacy_list()
        with self._db.begin() as conn:  # one transaction: a failure stores none of the file
            for group in groups.values():
                names = [r["name"] for r in group]
                if group[0]["decision"] == "reject":
                    for name in names:
                        _decide_in(conn, [name], "rejected", "other", None)
                    counts["rejected"] += len(names)
                    continue
                label = next((str(r.get("label") or "").strip() for r in group if str(r.get("label") or "").strip()), "")
                default = re.fullmatch(r"\[[A-Za-z ]+ \d+\]", label)
                _decide_in(conn, names, "accepted", group[0]["kind"], None if (not label or default) else label)
                counts["accepted"] += len(names)
        return counts


def _decide_in(conn: "Connection", given: list[str], status: str, kind: str | None, label: str | None,
               into: int | None = None) -> int:
    """Store one decision about ``given`` (ways of writing one entity) on ``conn``;
    returns the entity's id."""
    from qualcode.privacy.candidates import normalise
    from qualcode.privacy.detect import guess_kind, match_case
    from qualcode.store import redactions as store

    if not given:
        raise UsageError("give at least one name")
    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if any(len(n) > 255 for n in given):
        raise UsageError("a name longer than 255 characters is not a name; check the quoting")
    kind = kind or guess_kind(max(given, key=len))
    rows = [store.VariantRow(n, normalise(n), kind in ("person", "organisation", "place") and match_case(n))
            for n in given]
    entity = into
    if entity is None and status == "accepted":
        existing = [e for e in (store.entity_of(conn, r.key) for r in rows) if e is not None]
        entity = existing[0] if existing else None
    if entity is None:
        entity = store.new_entity(conn, kind, status, label, _decider())
    else:
        store.update_entity(conn, entity, status=status, label=label, decided_by=_decider(),
                            kind=kind if into is None else None)
    store.attach(conn, entity, rows)
    return entity


def _names(names: str | Iterable[str]) -> list[str]:
    given = [names] if isinstance(names, str) else list(names)
    return [" ".join(str(n).split()) for n in given if n is not None and str(n).strip()]


def _is_name_like(value: str) -> bool:
    """A speaker label or case name that could be a person's name: not a role or an
    identifier with digits ("CEO-07", "P12", "Interviewer") or a single letter ("R", "B": a tool's label)."""
    text = value.strip()
    return (len(text) > 1 and not any(ch.isdigit() for ch in text) and text.casefold() not in INTERVIEWER_LABELS
            and text[:1].isupper())
