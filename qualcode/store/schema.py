"""The project schema: SQLAlchemy Core tables, the same for SQLite and PostgreSQL.

Why Core and not the ORM: analyses read whole tables into pandas, and bulk loads of 10^6
codings go through ``executemany``; an identity map would only cost memory. Every
foreign key cascades so that removing a source or a code never leaves orphans, and
unique constraints make duplicate applications impossible rather than merely unlikely.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: key/value facts about the project itself: ``app``, ``schema_version``, ``namespace``
#: (a UUID that makes exported GUIDs stable), ``created_at``, ``title``.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("origin_path", Text, nullable=False, default=""),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("length", Integer, nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    Column("wave", String(64), nullable=True),
    Column("questionnaire_id", Integer, ForeignKey("questionnaires.id", ondelete="CASCADE"), nullable=True),
    Column("meta", JSON, nullable=True),
    Column("created_at", DateTime, nullable=False),
)
Index("ix_sources_case", sources.c.case_id)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("speaker", String(255), nullable=True),
    Column("time_start", Float, nullable=True),
    Column("time_end", Float, nullable=True),
    Column("question", Text, nullable=True),
    Column("meta", JSON, nullable=True),
    CheckConstraint('"end" >= start', name="ck_segments_span"),
)
Index("ix_segments_source", segments.c.source_id, segments.c.start)

descriptor_fields = Table(
    "descriptor_fields",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("type", String(16), nullable=False),  # category, number, date, text, boolean
    Column("levels", JSON, nullable=True),  # ordered categories (e.g. a Likert scale)
    Column("position", Integer, nullable=False, default=0),
)

descriptor_values = Table(
    "descriptor_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("field_id", Integer, ForeignKey("descriptor_fields.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("value", Text, nullable=True),  # canonical text: ISO dates, repr of floats, true/false
    UniqueConstraint("field_id", "case_id", name="uq_descriptor_value"),
)

questionnaires = Table(
    "questionnaires",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("origin_path", Text, nullable=False, default=""),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("key_column", String(255), nullable=False),
    Column("invited", Integer, nullable=True),
    Column("invited_by_group", JSON, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("questionnaire_id", Integer, ForeignKey("questionnaires.id", ondelete="CASCADE"), nullable=False),
    Column("column", String(255), nullable=False),
    Column("type", String(16), nullable=False),
    Column("question", Text, nullable=False),
    Column("battery", String(255), nullable=False, default=""),
    Column("levels", JSON, nullable=True),
    Column("position", Integer, nullable=False, default=0),
    UniqueConstraint("questionnaire_id", "column", name="uq_question_column"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
    Column("value", Text, nullable=True),
    UniqueConstraint("source_id", "question_id", name="uq_answer"),
)

codes = Table(
    "codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("codes.id", ondelete="CASCADE"), nullable=True),
    Column("name", String(255), nullable=False),
    # The full path ("Issues/Governance") is stored so that lookups and uniqueness need no
    # recursive query; renames and moves rewrite the paths of the subtree in one statement.
    Column("path", String(2000), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("inclusion", Text, nullable=False, default=""),
    Column("exclusion", Text, nullable=False, default=""),
    Column("examples", JSON, nullable=True),
    Column("colour", String(16), nullable=False, default=""),
    Column("weight_min", Integer, nullable=True),
    Column("weight_max", Integer, nullable=True),
    Column("rules", JSON, nullable=True),
    Column("position", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
)
Index("ix_codes_parent", codes.c.parent_id)

coders = Table(
    "coders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("kind", String(16), nullable=False, default="person"),  # person, rule, model
)

excerpts = Table(
    "excerpts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # One excerpt per span: coders who mark the same span share it, and their codes are
    # told apart by the application's coder. Overlapping spans are separate excerpts.
    UniqueConstraint("source_id", "start", "end", name="uq_excerpt_span"),
    CheckConstraint('"end" > start', name="ck_excerpt_span"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),  # autocode, suggest, import
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), nullable=True),
    Column("params", JSON, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("excerpt_id", Integer, ForeignKey("excerpts.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", Integer, ForeignKey("codes.id", ondelete="CASCADE"), nullable=False),
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), nullable=False),
    Column("weight", Float, nullable=True),
    Column("origin", String(16), nullable=False, default="manual"),  # manual, rule, model, import
    Column("status", String(16), nullable=False, default="applied"),  # applied, suggested, rejected
    Column("confidence", Float, nullable=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    Column("final", Boolean, nullable=False, default=False),  # part of the consensus coding
    Column("created_at", DateTime, nullable=False),
    Column("decided_by", String(255), nullable=True),
    Column("decided_at", DateTime, nullable=True),
    UniqueConstraint("excerpt_id", "code_id", "coder_id", name="uq_application"),
    CheckConstraint("origin IN ('manual','rule','model','import')", name="ck_application_origin"),
    CheckConstraint("status IN ('applied','suggested','rejected')", name="ck_application_status"),
)
Index("ix_applications_code", applications.c.code_id)
Index("ix_applications_run", applications.c.run_id)

#: Sources a coder has read and coded, whether or not they found anything to code in them.
#: Applications show where a coder applied codes; only this shows a source they read and
#: left uncoded, which inter-coder agreement must count as "no code here" for them.
coded_sources = Table(
    "coded_sources",
    metadata,
    Column("coder_id", Integer, ForeignKey("coders.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("marked_at", DateTime, nullable=False),
)

memos = Table(
    "memos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target", String(16), nullable=False),  # project, source, excerpt, code, case
    Column("target_id", Integer, nullable=True),
    Column("text", Text, nullable=False),
    Column("author", String(255), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)

code_sets = Table(
    "code_sets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
)

code_set_members = Table(
    "code_set_members",
    metadata,
    Column("set_id", Integer, ForeignKey("code_sets.id", ondelete="CASCADE"), primary_key=True),
    Column("code_id", Integer, ForeignKey("codes.id", ondelete="CASCADE"), primary_key=True),
)

#: Speaker roles of the project: who is the interviewer. ``key`` is the speaker's name as
#: compared (``qualcode.speech.roles.speaker_key``); ``origin`` says whether a person set
#: the role (``user``) or ingest guessed it (``guess``, shown for confirmation). Speakers
#: without a row take their role from their label (``Interviewer:`` / ``Q:``).
speaker_roles = Table(
    "speaker_roles",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint("role IN ('interviewer','participant')", name="ck_speaker_role"),
    CheckConstraint("origin IN ('user','guess')", name="ck_speaker_role_origin"),
)
#: People, organisations and places a person has confirmed (``accepted``: replaced by a
#: pseudonym in every export) or ruled out (``rejected``: not a name, never asked again).
#: ``number`` gives the stable pseudonym ("[Person 4]") and is never reused within a kind;
#: ``label`` is the user's own pseudonym when they set one.
redaction_entities = Table(
    "redaction_entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("number", Integer, nullable=False),
    Column("label", String(255), nullable=True),
    Column("status", String(16), nullable=False),
    Column("decided_by", String(255), nullable=True),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("kind", "number", name="uq_redaction_entity_number"),
    CheckConstraint("status IN ('accepted','rejected')", name="ck_redaction_entity_status"),
)

#: Every way an entity is written ("Sarah", "Sarah Jones", "Ms Jones"). ``key`` is the
#: normalised form (case-folded, one space, no possessive): one decision per key.
#: ``match_case``: the name is also an ordinary word ("Hope"), matched only capitalised.
redaction_variants = Table(
    "redaction_variants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_id", Integer, ForeignKey("redaction_entities.id", ondelete="CASCADE"), nullable=False),
    Column("text", String(255), nullable=False),
    Column("key", String(255), nullable=False, unique=True),
    Column("match_case", Boolean, nullable=False, default=False),
)
Index("ix_redaction_variants_entity", redaction_variants.c.entity_id)
