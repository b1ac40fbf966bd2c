"""Position mapping raw tool text -> qualcode's normalised text (CRLF, BOM, NFC, UTF-16)."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.interop.refi_offsets import denormalise, normalise_text, normalise_with_map

TOKENS = ["a", "b", "e", " ", "\r\n", "\n", "\r", "\u2028", "\x85", "\u00e9", "e\u0301", "\U0001F600", "\u1100\u1161", "Z"]


def by_hand(raw: str) -> str:
    """The stored form, spelled out step by step."""
    text = raw[1:] if raw.startswith("\ufeff") else raw
    for line_end in ("\r\n", "\r", "\u2028", "\u2029", "\x85"):
        text = text.replace(line_end, "\n")
    return unicodedata.normalize("NFC", text)


def test_crlf_and_bom_positions_by_hand():
    raw = "\ufeffLine one\r\nCafe\u0301 time\r\nLast"
    text, mapping = normalise_with_map(raw)
    assert text == "Line one\nCafé time\nLast"
    # "Line" is raw [1, 5) because the BOM is character 0.
    assert mapping.span_to_norm(1, 5) == (0, 4)
    # "Café time" starts after "Line one\r\n" (1 + 8 + 2 = 11) and is 10 raw code points.
    assert raw[11:21] == "Cafe\u0301 time"
    assert mapping.span_to_norm(11, 21) == (9, 18)
    assert text[9:18] == "Café time"
    # "Last" is at the very end: raw [23, 27), normalised [19, 23).
    assert (len(raw), len(text)) == (27, 23)
    assert mapping.span_to_norm(23, 27) == (19, 23)


def test_position_inside_crlf_and_inside_a_character_rounds_outwards():
    raw = "ab\r\ncd e\u0301f"
    text, mapping = normalise_with_map(raw)
    # End between \r and \n: the selection ends with the line break.
    assert text[mapping.to_norm(0, "start"):mapping.to_norm(3, "end")] == "ab\n"
    assert mapping.snapped == 0  # inside CRLF is exact: "\r" alone also means "\n"
    # End between e and its accent: widened to the whole é, and counted.
    end = raw.index("\u0301")
    assert text[mapping.to_norm(0):mapping.to_norm(end, "end")] == "ab\ncd é"
    assert mapping.snapped == 1


def test_utf16_positions_count_emoji_twice():
    raw = "\U0001F600 ok\r\nyes"
    text, mapping = normalise_with_map(raw, positions="utf16")
    # In UTF-16 the emoji is 2 units: "ok" is [3, 5), "yes" is [7, 10).
    assert text[mapping.to_norm(3):mapping.to_norm(5, "end")] == "ok"
    assert text[mapping.to_norm(7):mapping.to_norm(10, "end")] == "yes"


def _boundaries(raw: str) -> list[int]:
    """Positions a tool could sensibly select at: not between a letter and its accent
    nor between Hangul jamo (NFC joins those)."""
    out = [0]
    for i in range(1, len(raw)):
        ch = raw[i]
        if unicodedata.combining(ch) == 0 and not ("\u1161" <= ch <= "\u1175"):
            out.append(i)
    out.append(len(raw))
    return out


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.lists(st.sampled_from(TOKENS), max_size=25), st.data())
def test_every_selection_text_equals_the_normalised_slice(bom, tokens, data):
    raw = ("\ufeff" if bom else "") + "".join(tokens)
    text, mapping = normalise_with_map(raw)
    assert text == normalise_text(raw) == by_hand(raw)
    bounds = _boundaries(raw)
    s = data.draw(st.sampled_from(bounds))
    e = data.draw(st.sampled_from([b for b in bounds if b >= s]))
    ms, me = mapping.span_to_norm(s, e)
    assert text[ms:me] == normalise_text(raw[s:e])
    assert mapping.snapped == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_written_positions_are_valid_in_the_written_text(tokens, newline, bom):
    text = normalise_text("".join(tokens))
    raw, mapping = denormalise(text, newline=newline, bom=bom)
    for q in range(len(text) + 1):
        for r in range(q, len(text) + 1):
            rs, re_ = mapping.to_raw(q, "start"), mapping.to_raw(r, "end")
            assert normalise_text(raw[rs:re_]) == text[q:r]


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.lists(st.sampled_from(TOKENS), max_size=25))
def test_same_stored_form_as_ingest(bom, tokens):
    """Imported text must equal what ingesting the same text gives (same content hash)."""
    from qualcode.ingest.decode import normalise_text as ingest_normalise

    raw = ("\ufeff" if bom else "") + "".join(tokens)
    assert normalise_text(raw) == ingest_normalise(raw)
