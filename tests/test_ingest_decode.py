"""Decoding: every encoding a researcher's file may come in reads to the same text."""
from __future__ import annotations

import unicodedata

import pytest

from qualcode.errors import IngestError
from qualcode.ingest.decode import decode_bytes, normalise_text
from qualcode.ingest.registry import read_path

# Every character here exists in Windows-1252, so one text can be written in all encodings.
TEXT = "Interview notes\n\nThe café’s “drop-in” – naïve at first – costs €5.\nSecond line.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_same_text_in_every_encoding_reads_equal(tmp_path, encoding, newline):
    path = tmp_path / "notes.txt"
    path.write_bytes(TEXT.replace("\n", newline).encode(encoding))
    source = read_path(path).sources[0]
    assert source.text == TEXT
    assert "\r" not in source.text and not source.text.startswith("\ufeff")


def test_detected_encoding_is_reported():
    assert decode_bytes("café".encode("cp1252"))[1] == "cp1252"
    assert decode_bytes("café".encode("utf-8"))[1] == "utf-8"
    assert decode_bytes("café".encode("utf-16"))[1] in ("utf-16-le", "utf-16-be")
    assert decode_bytes("plain text".encode("utf-16-le"))[1] == "utf-16-le"  # no BOM: NUL pattern


def test_decomposed_accents_are_composed_nfc():
    decomposed = unicodedata.normalize("NFD", "naïve café")
    assert len(decomposed) == 12
    text, _ = decode_bytes(decomposed.encode("utf-8"))
    assert text == "naïve café" and len(text) == 10


def test_normalise_text_handles_unicode_line_separators():
    assert normalise_text("\ufeffa\r\nb\rc\u2028d") == "a\nb\nc\nd"


def test_undecodable_bytes_name_file_and_offset(tmp_path):
    path = tmp_path / "bad.txt"
    # 0x81 is undefined in cp1252 and invalid as a UTF-8 start byte: not text in any accepted encoding.
    path.write_bytes(b"Hello there\n" + b"\x81\x81 more")
    with pytest.raises(IngestError) as info:
        read_path(path)
    message = str(info.value)
    assert "bad.txt" in message and "offset 12" in message and "\n" not in message


def test_binary_file_with_nul_bytes_is_refused(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(IngestError, match=r"image\.txt.*offset"):
        read_path(path)


def test_control_characters_are_refused_with_byte_offset(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes("caf\u00e9 ok\x07bell".encode("utf-8"))
    with pytest.raises(IngestError, match=r"odd\.txt: control character U\+0007 at byte offset 8"):
        read_path(path)


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \r\n", "\ufeff".encode("utf-8"), " \n".encode("utf-16")])
def test_empty_or_blank_file_is_an_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=r"empty\.txt.*(empty|white space)"):
        read_path(path)
