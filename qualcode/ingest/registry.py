"""Which reader reads a file: by extension first, then by content.

``read_path`` is the one entry point the project calls per file. The extension decides
the family (text, Word, PDF, subtitles, email, spreadsheet); inside the text family the
content decides: a thread of header blocks is an email interview, text whose paragraphs
open with speaker labels is a transcript, anything else a document. ``kind`` overrides
the guess. A wave not given is taken from the file or folder name (``CEO-07 wave 2.docx``,
``w2/``), because that is how study teams file their material.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from qualcode.errors import IngestError, UsageError
from qualcode.ingest.decode import read_text_file
from qualcode.ingest.readers import mail, pdf, questionnaire, subtitles, text, word
from qualcode.ingest.records import ReadResult

TEXT_EXTENSIONS = (".txt", ".md", ".markdown", ".text")
SPREADSHEET_EXTENSIONS = (".csv", ".xlsx", ".xlsm")
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS + (".docx", ".pdf", ".vtt", ".srt", ".eml", ".mbox") + SPREADSHEET_EXTENSIONS
KINDS = ("auto", "transcript", "email", "document", "questionnaire", "subtitles")
_WAVE = re.compile(r"(?i)(?<![a-z0-9])(?:wave|w)[\s_-]*0*(\d{1,3})(?![a-z0-9])")


def infer_wave(path: str | Path) -> str | None:
    """``"CEO-07 wave 2.docx"`` / ``"ceo07_w2.txt"`` / ``"wave2/x.txt"`` -> ``"2"``; else None."""
    path = Path(path)
    for part in (path.stem, path.parent.name):
        match = _WAVE.search(part)
        if match:
            return match.group(1)
    return None


def _natural_key(path: Path) -> list[tuple[int, object]]:
    """Sort ``CEO-2`` before ``CEO-10``: digit runs compare as numbers."""
    key: list[tuple[int, object]] = []
    for piece in re.split(r"(\d+)", path.as_posix().casefold()):
        key.append((0, int(piece)) if piece.isdigit() else (1, piece))
    return key


def iter_files(directory: str | Path, only_supported: bool = True) -> Iterator[Path]:
    """Files under ``directory``, recursively, in natural order; hidden files and folders
    and Office lock files (``~$report.docx``) are skipped, and with ``only_supported`` so
    is any file no reader handles (a folder of interviews often holds audio too)."""
    root = Path(directory)
    if not root.is_dir():
        raise IngestError(f"{root}: no such folder")
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or path.name.startswith("~$"):
            continue
        if not path.is_file():
            continue
        if only_supported and path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            continue
        found.append(path)
    yield from sorted(found, key=lambda p: _natural_key(p.relative_to(root)))


def read_path(
    path: str | Path,
    kind: str = "auto",
    key_column: str | None = None,
    invited: int | None = None,
    name: str | None = None,
    wave: str | int | None = None,
    layout: str = "auto",
) -> ReadResult:
    """Read one file into sources (or a questionnaire), choosing the reader.

    ``name`` defaults to the file name without extension (questionnaire responses are
    named ``"<name> <key>"``); ``wave`` to what the file says, then its name.
    ``key_column`` and ``invited`` apply to questionnaires only; ``layout`` (``otter``,
    ``rev``, ``name-lines``…, see ``readers.text.LAYOUTS``) to transcripts in text, Word and PDF.
    """
    path = Path(path)
    if kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
    if layout not in text.LAYOUTS:
        raise UsageError(f"unknown transcript layout '{layout}'; use one of {', '.join(text.LAYOUTS)}")
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.is_dir():
        raise IngestError(f"{path}: is a folder, not a file; ingest the files in it (iter_files)")
    extension = path.suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise IngestError(
            f"{path}: unknown file type '{extension or '(none)'}'; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    if kind == "questionnaire" and extension not in SPREADSHEET_EXTENSIONS:
        raise UsageError(f"{path}: a questionnaire must be a .csv or .xlsx file")
    if kind == "subtitles" and extension not in (".vtt", ".srt"):
        raise UsageError(f"{path}: --kind subtitles needs a .vtt or .srt file; leave --kind out to read "
                         f"this {extension} file as a transcript or document")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty; there is nothing to ingest")
    source_name = name or path.stem
    given_wave = str(wave) if wave is not None else None

    result = _dispatch(path, extension, kind, source_name, given_wave, key_column, invited, layout)

    fallback = infer_wave(path)
    records = list(result.sources)
    if result.questionnaire is not None:
        records += result.questionnaire.responses
    for record in records:
        if record.wave is None:
            record.wave = fallback
    return result


def _dispatch(path: Path, extension: str, kind: str, name: str, wave: str | None,
              key_column: str | None, invited: int | None, layout: str = "auto") -> ReadResult:
    if extension in SPREADSHEET_EXTENSIONS:
        if kind not in ("auto", "questionnaire"):
            raise UsageError(f"{path}: a {extension} file is read as a questionnaire, not as {kind}")
        return questionnaire.read_questionnaire(path, name=name, key_column=key_column, invited=invited, wave=wave)
    if extension == ".docx":
        return word.read_docx(path, name=name, kind=kind, wave=wave, layout=layout)
    if extension == ".pdf":
        return pdf.read_pdf(path, name=name, kind=kind, wave=wave, layout=layout)
    if extension in (".vtt", ".srt"):
        return subtitles.read_subtitles(path, name=name, kind=kind, wave=wave)
    if extension == ".eml":
        return mail.read_eml(path, name=name, kind=kind, wave=wave)
    if extension == ".mbox":
        return mail.read_mbox(path, name=name, kind=kind, wave=wave)
    content, encoding = read_text_file(path)
    if kind == "email" or (kind == "auto" and mail.looks_like_thread(content)):
        preamble, messages = mail.parse_thread(content)
        source = mail.thread_source(messages, path=path, name=name, wave=wave, preamble=preamble)
    else:
        source = text.source_from_text(content, origin=str(path), name=name, kind=kind, wave=wave, layout=layout)
    source.meta.setdefault("encoding", encoding)
    return ReadResult(sources=[source])


def supported_extensions() -> tuple[str, ...]:
    """The file extensions ``read_path`` accepts, for help texts."""
    return SUPPORTED_EXTENSIONS
