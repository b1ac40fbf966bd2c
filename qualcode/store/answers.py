"""Open answers of a questionnaire as spans: where each respondent's answer to one
question sits in their response source (for coding answers brought in from elsewhere)."""
from __future__ import annotations

from sqlalchemy import Connection, select

from qualcode.store import schema


def questionnaire_id(conn: Connection, name: str) -> int | None:
    Q = schema.questionnaires
    found = conn.execute(select(Q.c.id).where(Q.c.name == name)).scalar()
    return int(found) if found is not None else None


def answer_spans(conn: Connection, questionnaire: int, column: str) -> dict[str, tuple[int, int, int, str]]:
    """Case name -> (source id, start, end, answer text) of each answer to ``column``."""
    S, G, C = schema.sources, schema.segments, schema.cases
    rows = conn.execute(
        select(C.c.name, S.c.id, G.c.start, G.c.end, S.c.text)
        .select_from(S.join(G, G.c.source_id == S.c.id).join(C, C.c.id == S.c.case_id))
        .where(S.c.questionnaire_id == questionnaire, G.c.kind == "answer", G.c.question == column)
    ).all()
    return {r.name: (int(r.id), int(r.start), int(r.end), r.text[r.start:r.end]) for r in rows}
