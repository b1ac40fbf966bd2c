"""Bytes -> the one normalised text form every source is stored in.

Offsets of excerpts are code points into the stored text, so the text must be fixed once,
at ingest: decoded, ``\\n`` line ends, Unicode NFC, no byte-order mark. Researchers' files
come from Word, Notepad, Excel exports and transcription services, so the decoder accepts
UTF-8 (with or without BOM), UTF-16/32 (by BOM, or UTF-16 by its NUL-byte pattern) and, as a
last resort, Windows-1252 -- but only when the bytes decode *and* look like text and hold
no valid UTF-8 sequence (a file mixing UTF-8 with stray bytes is refused). Anything
else is refused with the file and byte offset, never guessed at: a wrong guess would store
mojibake that every later excerpt inherits.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from qualcode.errors import IngestError

# Control characters that never occur in text files (tab, LF, VT, FF, CR are allowed).
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n?|\u2028|\u2029|\x85")
# A well-formed UTF-8 multi-byte sequence. Windows-1252 text almost never contains one
# (it would read as "Ã©", "â€™"), so its presence beside invalid bytes means mixed encodings.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same 2 bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def normalise_text(text: str) -> str:
    """``\\r\\n``/``\\r`` (and Unicode line separators) -> ``\\n``, NFC, no BOM.

    Used for text that arrives already decoded (docx, pdf, spreadsheet cells, email
    bodies) so that every source obeys the same rules as a decoded file.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text or "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = _NEWLINES.sub("\n", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def decode_bytes(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode ``data`` and normalise it; return ``(text, encoding)``.

    Raises ``IngestError`` naming ``path`` and the byte offset of the first byte that
    cannot be text, and for an empty or whitespace-only file.
    """
    if not data:
        raise IngestError(f"{path}: the file is empty; there is nothing to ingest")
    text, encoding, bom_length = _decode(data, path)
    bad = _BAD_CONTROL.search(text)
    if bad is not None:
        offset = bom_length + len(text[: bad.start()].encode(encoding))
        raise IngestError(
            f"{path}: control character U+{ord(bad.group()):04X} at byte offset {offset} "
            f"(read as {encoding}); this looks like a binary file, not text"
        )
    text = normalise_text(text)
    if not text or text.isspace():
        raise IngestError(f"{path}: the file holds only white space; there is nothing to ingest")
    return text, encoding


def read_text_file(path: str | Path) -> tuple[str, str]:
    """Read and decode a text file: ``(normalised text, encoding name)``."""
    return decode_bytes(Path(path).read_bytes(), path)


def _decode(data: bytes, path: str | Path) -> tuple[str, str, int]:
    """``(raw decoded text, codec, length of the BOM skipped)``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], encoding, path, len(bom)), encoding, len(bom)
    utf16 = _utf16_by_nuls(data)
    if utf16 is not None:
        return _strict(data, utf16, path, 0), utf16, 0
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            f"{path}: NUL byte at byte offset {nul}; this is a binary file, not text "
            "(save it as plain text, .docx or .pdf)"
        )
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError as utf8_error:
        mixed = _UTF8_SEQUENCE.search(data)
        if mixed is not None:  # UTF-8 with stray bytes: cp1252 would turn every é into Ã©
            raise IngestError(
                f"{path}: byte 0x{data[utf8_error.start]:02x} at byte offset {utf8_error.start} is not valid UTF-8, "
                f"but the file holds UTF-8 text elsewhere (byte offset {mixed.start()}); it mixes encodings, "
                "so no single one reads it right: fix or remove that byte and save the file as UTF-8"
            ) from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = None
        if text is not None and _looks_like_text(text):
            return text, "cp1252", 0
        raise IngestError(
            f"{path}: byte 0x{data[utf8_error.start]:02x} at byte offset {utf8_error.start} is not "
            "valid UTF-8 and the file is not UTF-16 or Windows-1252 text; save it as UTF-8"
        ) from None


def _strict(data: bytes, encoding: str, path: str | Path, skipped: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise IngestError(
            f"{path}: bytes at byte offset {error.start + skipped} are not valid {encoding}; "
            "save the file as UTF-8"
        ) from None


def _utf16_by_nuls(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII-range text has a NUL in every other byte.

    Looks at the first 4 KiB; at least 40% of the even (BE) or odd (LE) bytes must be NUL
    and almost none of the other half, which plain binary data rarely shows.
    """
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    half = len(head) // 2
    even_nul, odd_nul = even.count(0), odd.count(0)
    if odd_nul >= 0.4 * half and even_nul <= 0.05 * half:
        return "utf-16-le"
    if even_nul >= 0.4 * half and odd_nul <= 0.05 * half:
        return "utf-16-be"
    return None


def _looks_like_text(text: str) -> bool:
    """cp1252 decodes almost any byte string; accept it only for text-like content:
    no C0 controls but white space, and mostly letters, digits, punctuation and spaces."""
    if _BAD_CONTROL.search(text):
        return False
    sample = text[:65536]
    printable = sum(1 for ch in sample if ch.isprintable() or ch in "\t\n\r")
    return printable >= 0.97 * len(sample)
