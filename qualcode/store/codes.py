"""The codebook tree: codes by path, created with their parents, renamed, moved, merged."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from qualcode.errors import CodebookError, NotFoundError
from qualcode.store import schema
from qualcode.store.migrations import utcnow

SEPARATOR = "/"
EDITABLE = ("description", "inclusion", "exclusion", "examples", "colour", "weight_min", "weight_max", "rules", "position")


@dataclass(frozen=True)
class CodeRow:
    id: int
    parent_id: int | None
    name: str
    path: str


def split_path(path: str) -> list[str]:
    """``"Issues / Governance"`` -> ``["Issues", "Governance"]``; empty parts are an error."""
    parts = [p.strip() for p in path.split(SEPARATOR)]
    if not path.strip() or any(not p for p in parts):
        raise CodebookError(f"code path {path!r} has an empty part; write it like 'Issues/Governance'")
    return parts


def _row(r: Any) -> CodeRow:
    return CodeRow(r.id, r.parent_id, r.name, r.path)


_COLUMNS = [schema.codes.c.id, schema.codes.c.parent_id, schema.codes.c.name, schema.codes.c.path]


def all_rows(conn: Connection) -> list[CodeRow]:
    return [_row(r) for r in conn.execute(select(*_COLUMNS).order_by(schema.codes.c.path))]


def path_ids(conn: Connection) -> dict[str, int]:
    return {r.path: r.id for r in conn.execute(select(schema.codes.c.id, schema.codes.c.path))}


def by_path(conn: Connection, path: str) -> CodeRow | None:
    r = conn.execute(select(*_COLUMNS).where(schema.codes.c.path == SEPARATOR.join(split_path(path)))).first()
    return _row(r) if r else None


def by_id(conn: Connection, code_id: int) -> CodeRow:
    return _row(conn.execute(select(*_COLUMNS).where(schema.codes.c.id == code_id)).one())


def resolve(conn: Connection, ref: str) -> CodeRow:
    """A code by its full path, or by its name when that name is unique in the codebook."""
    found = by_path(conn, ref)
    if found:
        return found
    rows = all_rows(conn)
    named = [r for r in rows if r.name.casefold() == ref.strip().casefold() or r.path.casefold() == ref.strip().casefold()]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise NotFoundError(
            f"code {ref!r} is ambiguous: {', '.join(r.path for r in named)}; give the full path"
        )
    close = difflib.get_close_matches(ref, [r.path for r in rows], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "; see 'qualcode codebook show'"
    raise NotFoundError(f"no code {ref!r} in the codebook{hint}")


def ensure_path(conn: Connection, path: str, attributes: dict[str, Any] | None = None) -> int:
    """The id of the code at ``path``, creating it and any missing parents.

    ``attributes`` (description, colour, …) are set on the last part only, and only on
    creation or where they were empty, so importing a codebook twice changes nothing.
    """
    parts = split_path(path)
    parent_id: int | None = None
    prefix: list[str] = []
    code_id = 0
    for i, part in enumerate(parts):
        prefix.append(part)
        full = SEPARATOR.join(prefix)
        existing = conn.execute(select(schema.codes.c.id).where(schema.codes.c.path == full)).scalar()
        last = i == len(parts) - 1
        if existing is None:
            siblings = conn.execute(
                select(func.count()).select_from(schema.codes).where(
                    schema.codes.c.parent_id.is_(None) if parent_id is None else schema.codes.c.parent_id == parent_id
                )
            ).scalar_one()
            values: dict[str, Any] = {
                "parent_id": parent_id,
                "name": part,
                "path": full,
                "description": "",
                "inclusion": "",
                "exclusion": "",
                "colour": "",
                "position": siblings,
                "created_at": utcnow(),
            }
            if last and attributes:
                values.update({k: v for k, v in attributes.items() if k in EDITABLE})
            code_id = int(conn.execute(schema.codes.insert().values(**values)).inserted_primary_key[0])
        else:
            code_id = int(existing)
            if last and attributes:
                fill_empty(conn, code_id, attributes)
        parent_id = code_id
    return code_id


def fill_empty(conn: Connection, code_id: int, attributes: dict[str, Any]) -> None:
    """Set attributes that are still empty; never overwrite a researcher's edits."""
    current = conn.execute(select(schema.codes).where(schema.codes.c.id == code_id)).mappings().one()
    changes = {k: v for k, v in attributes.items() if k in EDITABLE and v not in (None, "", []) and current[k] in (None, "", [])}
    if changes:
        conn.execute(update(schema.codes).where(schema.codes.c.id == code_id).values(**changes))


def set_attributes(conn: Connection, code_id: int, attributes: dict[str, Any]) -> None:
    changes = {k: v for k, v in attributes.items() if k in EDITABLE}
    if changes:
        conn.execute(update(schema.codes).where(schema.codes.c.id == code_id).values(**changes))


def subtree(conn: Connection, path: str) -> list[CodeRow]:
    """The code at ``path`` and all its descendants."""
    prefix = path + SEPARATOR
    stmt = select(*_COLUMNS).where(
        or_(schema.codes.c.path == path, func.substr(schema.codes.c.path, 1, len(prefix)) == prefix)
    )
    return [_row(r) for r in conn.execute(stmt)]


def _rewrite_paths(conn: Connection, old: str, new: str) -> None:
    for r in subtree(conn, old):
        conn.execute(update(schema.codes).where(schema.codes.c.id == r.id).values(path=new + r.path[len(old):]))


def rename(conn: Connection, code: CodeRow, new_name: str) -> str:
    new_name = new_name.strip()
    if not new_name or SEPARATOR in new_name:
        raise CodebookError(f"code name {new_name!r} is empty or contains '/'; choose another name")
    parent_path = code.path.rsplit(SEPARATOR, 1)[0] + SEPARATOR if code.parent_id is not None else ""
    new_path = parent_path + new_name
    if new_path != code.path and by_path(conn, new_path):
        raise CodebookError(f"a code {new_path!r} already exists; merge into it instead of renaming")
    _rewrite_paths(conn, code.path, new_path)
    conn.execute(update(schema.codes).where(schema.codes.c.id == code.id).values(name=new_name))
    return new_path


def move(conn: Connection, code: CodeRow, new_parent: CodeRow | None) -> str:
    if new_parent is not None and (new_parent.id == code.id or new_parent.path.startswith(code.path + SEPARATOR)):
        raise CodebookError(f"cannot move {code.path!r} under its own descendant {new_parent.path!r} (a cycle)")
    new_path = (new_parent.path + SEPARATOR if new_parent else "") + code.name
    if new_path != code.path and by_path(conn, new_path):
        raise CodebookError(f"a code {new_path!r} already exists; merge into it instead of moving")
    _rewrite_paths(conn, code.path, new_path)
    conn.execute(
        update(schema.codes).where(schema.codes.c.id == code.id).values(parent_id=new_parent.id if new_parent else None)
    )
    return new_path


def delete_code(conn: Connection, code: CodeRow) -> int:
    """Remove a code, its descendants and all their applications; returns codes removed."""
    ids = [r.id for r in subtree(conn, code.path)]
    conn.execute(delete(schema.applications).where(schema.applications.c.code_id.in_(ids)))
    conn.execute(delete(schema.codes).where(schema.codes.c.id.in_(ids)))
    return len(ids)


def merge(conn: Connection, source: CodeRow, target: CodeRow) -> int:
    """Fold ``source`` into ``target``: its applications and children move, it disappears.

    An application that ``target`` already has on the same excerpt by the same coder is
    dropped rather than duplicated. Returns the number of applications moved.
    """
    if source.id == target.id or target.path.startswith(source.path + SEPARATOR):
        raise CodebookError(f"cannot merge {source.path!r} into itself or its descendant {target.path!r}")
    apps = schema.applications
    dup = apps.alias("dup")
    duplicates = select(dup.c.id).where(
        and_(dup.c.code_id == target.id, dup.c.excerpt_id == apps.c.excerpt_id, dup.c.coder_id == apps.c.coder_id)
    ).exists()
    conn.execute(delete(apps).where(apps.c.code_id == source.id, duplicates))
    moved = conn.execute(update(apps).where(apps.c.code_id == source.id).values(code_id=target.id)).rowcount
    for child in conn.execute(select(*_COLUMNS).where(schema.codes.c.parent_id == source.id)).all():
        child_row = _row(child)
        clash = by_path(conn, target.path + SEPARATOR + child_row.name)
        if clash:
            merge(conn, child_row, clash)
        else:
            move(conn, child_row, target)
    conn.execute(delete(schema.codes).where(schema.codes.c.id == source.id))
    return int(moved or 0)


#: A code without its own weight range takes these bounds (``qualcode code --weight``).
DEFAULT_WEIGHT_RANGE = (1.0, 10.0)


def weight_ranges(conn: Connection) -> dict[int, tuple[float, float]]:
    """Code id -> (min, max) weight it accepts, the default range where none is set."""
    C = schema.codes
    lo_default, hi_default = DEFAULT_WEIGHT_RANGE
    return {r.id: (lo_default if r.weight_min is None else float(r.weight_min),
                   hi_default if r.weight_max is None else float(r.weight_max))
            for r in conn.execute(select(C.c.id, C.c.weight_min, C.c.weight_max))}


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(schema.codes)).scalar_one()


def not_found(path: str) -> NotFoundError:
    return NotFoundError(f"no code {path!r} in the codebook; see 'qualcode codebook show'")
