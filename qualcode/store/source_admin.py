"""Changing sources after ingest: rename, case and wave, removal with what hangs on them.

Callers pass the connection of their one transaction; nothing here commits."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, or_, and_, select, update

from qualcode.store import schema

S, E, A, M, G, C = (schema.sources, schema.excerpts, schema.applications, schema.memos, schema.segments,
                    schema.coded_sources)


def all_sources(conn: Connection) -> list[Any]:
    """id, name, case_id (and the case's name, or None) of every source, by name."""
    K = schema.cases
    return list(conn.execute(
        select(S.c.id, S.c.name, S.c.case_id, K.c.name.label("case"))
        .select_from(S.outerjoin(K, K.c.id == S.c.case_id)).order_by(S.c.name)
    ))


def set_fields(conn: Connection, source_id: int, values: dict[str, Any]) -> None:
    """Update ``name``, ``case_id`` or ``wave`` of one source."""
    conn.execute(update(S).where(S.c.id == source_id).values(**values))


def set_cases(conn: Connection, case_by_source: dict[int, int]) -> None:
    for source_id, case_id in case_by_source.items():
        conn.execute(update(S).where(S.c.id == source_id).values(case_id=case_id))


def _excerpt_ids(source_ids: list[int]) -> Any:
    return select(E.c.id).where(E.c.source_id.in_(source_ids))


def _memo_filter(source_ids: list[int]) -> Any:
    return or_(and_(M.c.target == "source", M.c.target_id.in_(source_ids)),
               and_(M.c.target == "excerpt", M.c.target_id.in_(_excerpt_ids(source_ids))))


def removal_counts(conn: Connection, source_ids: list[int]) -> dict[str, int]:
    """What removing these sources takes with it: codings (applied, suggested and rejected
    separately), excerpts, memos, marks of coders who read them, segments."""
    def count(stmt: Any) -> int:
        return int(conn.execute(stmt).scalar_one())

    by_status = dict(conn.execute(
        select(A.c.status, func.count()).where(A.c.excerpt_id.in_(_excerpt_ids(source_ids))).group_by(A.c.status)
    ).all())
    return {
        "codings": int(by_status.get("applied", 0)),
        "suggestions": int(by_status.get("suggested", 0)),
        "rejected": int(by_status.get("rejected", 0)),
        "excerpts": count(select(func.count()).select_from(E).where(E.c.source_id.in_(source_ids))),
        "memos": count(select(func.count()).select_from(M).where(_memo_filter(source_ids))),
        "marks": count(select(func.count()).select_from(C).where(C.c.source_id.in_(source_ids))),
        "segments": count(select(func.count()).select_from(G).where(G.c.source_id.in_(source_ids))),
    }


def delete_sources(conn: Connection, source_ids: list[int]) -> None:
    """Delete the sources with their memos; the database cascades excerpts, codings,
    segments, marks and questionnaire answers."""
    conn.execute(delete(M).where(_memo_filter(source_ids)))
    conn.execute(delete(A).where(A.c.excerpt_id.in_(_excerpt_ids(source_ids))))
    conn.execute(delete(E).where(E.c.source_id.in_(source_ids)))
    conn.execute(delete(S).where(S.c.id.in_(source_ids)))


def unowned_names(conn: Connection) -> list[str]:
    """Names of sources that belong to no case."""
    return [r.name for r in conn.execute(select(S.c.name).where(S.c.case_id.is_(None)).order_by(S.c.name))]
