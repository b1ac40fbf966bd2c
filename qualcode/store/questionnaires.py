"""Questionnaires as stored: the questionnaire, its questions, and each response's
closed answers (the responses themselves are sources, see :mod:`qualcode.store.sources`)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from qualcode.store import schema
from qualcode.store.migrations import utcnow


def id_by_hash(conn: Connection, content_hash: str) -> int | None:
    """The questionnaire already stored with these answers, if any."""
    found = conn.execute(select(schema.questionnaires.c.id).where(schema.questionnaires.c.content_hash == content_hash)).scalar()
    return None if found is None else int(found)


def id_by_name(conn: Connection, name: str) -> int | None:
    found = conn.execute(select(schema.questionnaires.c.id).where(schema.questionnaires.c.name == name)).scalar()
    return None if found is None else int(found)


def insert_questionnaire(conn: Connection, *, name: str, origin_path: str, content_hash: str, key_column: str | None,
                         invited: int | None, invited_by_group: dict[str, Any] | None) -> int:
    """A new questionnaire row; returns its id."""
    result = conn.execute(
        schema.questionnaires.insert().values(
            name=name,
            origin_path=origin_path,
            content_hash=content_hash,
            key_column=key_column,
            invited=invited,
            invited_by_group=invited_by_group or None,
            created_at=utcnow(),
        )
    )
    return int(result.inserted_primary_key[0])


def insert_question(conn: Connection, questionnaire_id: int, *, column: str, type_: str, question: str,
                    battery: str | None, levels: list[str] | None, position: int) -> int:
    """One question (a column of the questionnaire); returns its id."""
    result = conn.execute(
        schema.questions.insert().values(
            questionnaire_id=questionnaire_id,
            column=column,
            type=type_,
            question=question,
            battery=battery,
            levels=levels or None,
            position=position,
        )
    )
    return int(result.inserted_primary_key[0])


def insert_answers(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Closed answers: dicts of ``source_id``, ``question_id``, ``value`` (text)."""
    if rows:
        conn.execute(schema.answers.insert(), rows)
