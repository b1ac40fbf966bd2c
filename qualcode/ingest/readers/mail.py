"""Email interviews: a thread of messages (.txt/.eml), a single message (.eml), a mailbox (.mbox).

In an email interview the researcher sends a question, the participant answers, and so
on. Each message becomes a ``message`` segment over its body, with the sender as speaker,
``meta`` sender/date/subject, and ``question`` = the question being answered: the subject
without ``Re:`` / ``Question 3 -`` when it carries one, otherwise the questions (``...?``)
of the previous message from someone else. The stored text keeps one short header line a
message, ``From: CEO-12 (2025-02-05): Re: Question 1 - Your role``, then the body.

Quoted lines (``> ...``) and the ``On ... wrote:`` line above them are left out of the
body: they repeat an earlier message, and counting a quotation as the participant's own
words would double code frequencies. Their questions are still used for ``question``
when nothing better is known.
"""
from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import mailbox
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest.decode import decode_bytes, normalise_text
from qualcode.ingest.records import ReadResult, SegmentRecord, SourceRecord
from qualcode.ingest.segment import paragraphs

_HEADER_LINE = re.compile(r"^(?P<name>From|To|Cc|Bcc|Date|Sent|Subject|Reply-To)[^\S\n]*:[^\S\n]*(?P<value>.*)$", re.I)
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|sv|antw)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_QUESTION_PREFIX = re.compile(r"^\s*(?:question|q)\s*\.?\s*\d+[a-z]?\s*(?:[-\u2013\u2014:.)]\s*)?", re.I)
_QUESTION_SENTENCE = re.compile(r"[^.?!\n]*\?")
_WROTE = re.compile(r"^\s*(?:On\s.*wrote:|-{2,}\s*Original Message\s*-{2,})\s*$", re.I)
MAX_PREAMBLE_LINES = 5
_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M", "%d %B %Y", "%d %b %Y", "%d %B %Y %H:%M", "%d %b %Y %H:%M",
    "%A, %d %B %Y", "%A, %d %B %Y %H:%M", "%A, %B %d, %Y %I:%M %p", "%d/%m/%Y", "%d/%m/%Y %H:%M",
)


@dataclass
class Message:
    sender: str
    date: str  # ISO 8601 when the header could be parsed, else as written
    subject: str
    body: str
    to: str = ""
    quoted_questions: list[str] = field(default_factory=list)


def parse_date(value: str) -> str:
    """A ``Date:`` header as ISO 8601 (date only when no time was given), else as written."""
    value = " ".join(value.split())
    if not value:
        return ""
    try:
        parsed = parsedate_to_datetime(value)
        return parsed.isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):  # year 9999+, offsets past a day
        pass
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat() if "%H" not in fmt and "%I" not in fmt else parsed.isoformat()
    return value


def sender_name(value: str) -> str:
    """``"CEO-12 <ceo12@example.org>"`` -> ``"CEO-12"``; a bare address stays an address."""
    try:
        name, address = parseaddr(value)
    except (IndexError, ValueError, TypeError):  # the stdlib's parser on ``x <r@`` and group syntax
        name, address = "", ""
    return (name or address or value).strip()


def _split_quotes(body: str) -> tuple[str, list[str]]:
    """Body without quoted lines (and their ``On ... wrote:`` line); questions quoted."""
    kept: list[str] = []
    quoted: list[str] = []
    for line in body.split("\n"):
        if line.lstrip().startswith(">"):
            quoted.append(line.lstrip().lstrip(">").strip())
            k = len(kept)
            while k and not kept[k - 1].strip():
                k -= 1
            if k and _WROTE.match(kept[k - 1]):
                del kept[k - 1:]
            continue
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and _WROTE.match(kept[-1]):
        kept.pop()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return text, _questions(" ".join(quoted))


def _questions(text: str) -> list[str]:
    return [" ".join(q.split()) for q in _QUESTION_SENTENCE.findall(text) if len(q.split()) >= 2]


def _header_blocks(lines: list[str]) -> list[tuple[int, int, dict[str, str]]]:
    """``(first line, line after the block, headers)`` of each header block with a From."""
    blocks = []
    i = 0
    n = len(lines)
    while i < n:
        at_block_start = i == 0 or not lines[i - 1].strip() or _WROTE.match(lines[i - 1])
        if not (at_block_start and _HEADER_LINE.match(lines[i])):
            i += 1
            continue
        headers: dict[str, str] = {}
        j = i
        while j < n:
            match = _HEADER_LINE.match(lines[j])
            if match:
                headers.setdefault(match["name"].lower(), match["value"].strip())
            elif lines[j][:1] in (" ", "\t") and lines[j].strip() and headers:
                last = list(headers)[-1]
                headers[last] += " " + lines[j].strip()  # folded header line
            else:
                break
            j += 1
        if "from" in headers and len(headers) >= 2 and (j == n or not lines[j].strip()):
            blocks.append((i, j, headers))
            i = j
        else:
            i += 1
    return blocks


def looks_like_thread(text: str) -> bool:
    """A header block (``From:`` plus ``To:``/``Date:``/``Subject:``) opens the text, or
    follows a short preamble such as a title line."""
    lines = text.lstrip().split("\n", 40)[:40]
    blocks = _header_blocks(lines)
    return bool(blocks) and blocks[0][0] <= MAX_PREAMBLE_LINES


def parse_thread(text: str) -> tuple[str, list[Message]]:
    """``(preamble, messages)`` of a thread written as header blocks each followed by a
    body; the preamble is whatever precedes the first header block (often a title)."""
    lines = text.split("\n")
    blocks = _header_blocks(lines)
    messages = []
    for index, (_, body_start, headers) in enumerate(blocks):
        body_end = blocks[index + 1][0] if index + 1 < len(blocks) else len(lines)
        body, quoted = _split_quotes("\n".join(lines[body_start:body_end]))
        messages.append(Message(
            sender=sender_name(headers.get("from", "")),
            date=parse_date(headers.get("date") or headers.get("sent") or ""),
            subject=" ".join(headers.get("subject", "").split()),
            body=body, to=headers.get("to", ""), quoted_questions=quoted,
        ))
    preamble = "\n".join(lines[: blocks[0][0]]).strip() if blocks else ""
    return preamble, messages


# What the standard library's email package raises on malformed headers and MIME parts
# (``From: x <r@``, group syntax, an unknown charset, dates past year 9999).
_EMAIL_PARSE_ERRORS = (LookupError, ValueError, TypeError, AttributeError, OverflowError,
                       UnicodeError, email.errors.MessageError)


def _raw_header(message: EmailMessage, name: str) -> str:
    """A header as written (RFC 2047 words decoded when possible), never parsed further:
    the structured parsers of ``email.policy.default`` raise on malformed addresses."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            value = " ".join(str(value).split())
            try:
                return str(email.header.make_header(email.header.decode_header(value)))
            except _EMAIL_PARSE_ERRORS:
                return value
    return ""


def message_from_email(message: EmailMessage, mbox: bool = False) -> Message:
    """A ``Message`` from a parsed RFC 5322 message: plain body preferred, else HTML text.

    In a mailbox, body lines starting ``From `` are stored as ``>From `` (mboxrd); they are
    restored so they are not mistaken for quotations. Raises the email package's own
    errors for a body it cannot decode (see ``_read_message``)."""
    part = message.get_body(preferencelist=("plain", "html"))
    content = ""
    if part is not None:
        content = part.get_content()
        if part.get_content_type() == "text/html":
            import lxml.html  # only HTML bodies need it

            content = lxml.html.fromstring(content).text_content() if content.strip() else ""
    content = normalise_text(content)
    if mbox:
        content = re.sub(r"(?m)^>(>*From )", r"\1", content)
    body, quoted = _split_quotes(content)
    return Message(
        sender=sender_name(_raw_header(message, "From")),
        date=parse_date(_raw_header(message, "Date")),
        subject=" ".join(_raw_header(message, "Subject").split()),
        body=body, to=_raw_header(message, "To"), quoted_questions=quoted,
    )


def _read_message(message: EmailMessage, path: Path, number: int, mbox: bool = False) -> Message:
    """``message_from_email`` with the email package's failures as one line naming the message."""
    try:
        return message_from_email(message, mbox=mbox)
    except LookupError as error:  # get_content() on a charset Python does not know
        raise IngestError(f"{path}: message {number} declares a character set Python does not know ({error}); "
                          "save the message again as UTF-8") from None
    except _EMAIL_PARSE_ERRORS as error:
        raise IngestError(f"{path}: message {number} cannot be decoded ({type(error).__name__}: {error}); "
                          "export it again from the mail program") from None


def question_of(subject: str) -> tuple[str, bool]:
    """Subject without ``Re:``/``Fwd:`` and ``Question 2 -``; True when it names a question."""
    stripped = _REPLY_PREFIX.sub("", subject)
    numbered = _QUESTION_PREFIX.match(stripped)
    if numbered and numbered.end() > 0:
        return stripped[numbered.end():].strip(), True
    stripped = stripped.strip()
    return stripped, stripped.endswith("?")


def thread_source(messages: list[Message], *, path: Path, name: str, wave: str | None,
                  preamble: str = "") -> SourceRecord:
    """Lay the messages out as text and make one ``message`` segment per non-empty body
    (and ``paragraph`` segments for a preamble before the first message)."""
    if not messages:
        raise IngestError(f"{path}: no email messages found (each needs a From: header block)")
    parts: list[str] = []
    segments: list[SegmentRecord] = []
    offset = 0
    if preamble:
        parts.append(preamble)
        segments += [SegmentRecord("paragraph", s, e) for s, e in paragraphs(preamble)]
        offset = len(preamble) + 2
    earlier: list[tuple[str, list[str]]] = []  # (sender, questions asked) of each message so far
    for message in messages:
        day = message.date[:10] if re.match(r"\d{4}-\d{2}-\d{2}", message.date) else message.date
        header = f"From: {message.sender}" + (f" ({day})" if day else "")
        header += f": {message.subject}" if message.subject else ""
        block = header + ("\n" + message.body if message.body else "")
        subject_question, named = question_of(message.subject)
        question: str | None = subject_question if named and subject_question else None
        if question is None:
            asked = next((q for s, q in reversed(earlier) if s != message.sender), [])
            asked = asked or message.quoted_questions
            question = " ".join(asked) if asked else (subject_question or None)
        if message.body:
            start = offset + len(header) + 1
            segments.append(SegmentRecord(
                "message", start, start + len(message.body), speaker=message.sender or None,
                question=question,
                meta={"sender": message.sender, "date": message.date, "subject": message.subject,
                      "to": message.to},
            ))
        parts.append(block)
        offset += len(block) + 2
        earlier.append((message.sender, _questions(message.body)))
    text = "\n\n".join(parts)
    return SourceRecord(name=name, kind="email", text=text, origin_path=str(path), segments=segments,
                        wave=wave, meta={"messages": len(messages)})


def read_eml(path: Path, *, name: str, kind: str = "auto", wave: str | None = None) -> ReadResult:
    """A .eml: a thread in header-block form, or one RFC 5322 message (MIME decoded)."""
    data = path.read_bytes()
    text, _ = decode_bytes(data, path)
    preamble, thread = parse_thread(text)
    if len(thread) < 2:
        preamble = ""
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        if not isinstance(parsed, EmailMessage) or not _raw_header(parsed, "From"):
            raise IngestError(f"{path}: not an email message (no From: header); export it again as .eml")
        thread = [_read_message(parsed, path, 1)]
    return ReadResult(sources=[thread_source(thread, path=path, name=name, wave=wave, preamble=preamble)])


def read_mbox(path: Path, *, name: str, kind: str = "auto", wave: str | None = None) -> ReadResult:
    """A Unix mailbox: its messages in file order, as one email-interview source."""
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty; there is nothing to ingest")
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default),
                       create=False)
    try:
        messages = [_read_message(m, path, n, mbox=True) for n, m in enumerate(box, 1)]
    finally:
        box.close()
    if not messages:
        raise IngestError(f"{path}: no messages found; an .mbox must start with a 'From ' line")
    return ReadResult(sources=[thread_source(messages, path=path, name=name, wave=wave)])
