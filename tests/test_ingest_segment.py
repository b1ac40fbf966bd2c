"""Segmentation: paragraphs and spaCy sentences as code-point spans that never cross a unit."""
from __future__ import annotations

from pathlib import Path

from qualcode.ingest.registry import read_path
from qualcode.ingest.segment import paragraphs, sentences, sentences_by_unit, sentences_many

DATA = Path(__file__).parent / "data" / "ingest"


def texts(text, spans):
    return [text[s:e] for s, e in spans]


def test_paragraphs_split_on_blank_lines_and_trim():
    text = "\n  One line.\nTwo lines.  \n\n\t\nThird – naïve 😀 para.\n \n"
    assert texts(text, paragraphs(text)) == ["One line.\nTwo lines.", "Third – naïve 😀 para."]
    # Offsets are code points: 21 counted by hand, the emoji as one (UTF-16 would say 22).
    start, end = paragraphs(text)[1]
    assert end - start == 21
    assert len(text[start:end].encode("utf-16-le")) // 2 == 22


def test_sentences_inside_paragraphs_by_default():
    text = "It went well. We met twice!\nThe second time was better\n\nNo full stop here\n\nDid it help? Yes."
    assert texts(text, sentences(text)) == [
        "It went well.", "We met twice!", "The second time was better", "No full stop here", "Did it help?", "Yes.",
    ]


def test_sentences_never_cross_a_turn():
    source = read_path(DATA / "transcript.txt").sources[0]
    turns = [(s.start, s.end) for s in source.segments if s.kind == "turn"]
    per_turn = sentences_by_unit(source.text, turns)
    assert texts(source.text, per_turn[0]) == [
        "Thank you for making the time.",
        "Could you start by telling me how you came to join the mentoring programme?",
    ]
    assert texts(source.text, per_turn[1]) == [
        "Of course.", "Our chair suggested it after a difficult year with the board.",
        "I was not sure at first: I had never had a mentor.", "I think the first meeting changed my mind.",
    ]
    for (unit_start, unit_end), spans in zip(turns, per_turn):
        assert all(unit_start <= s and e <= unit_end for s, e in spans)


def test_speech_without_full_stops_is_cut_at_the_turn():
    text = "Anna: so we just carried on\nBen: and then what\nAnna: nothing much"
    units = [(6, 27), (33, 46), (53, 65)]
    assert texts(text, units) == ["so we just carried on", "and then what", "nothing much"]
    assert texts(text, sentences(text, units)) == ["so we just carried on", "and then what", "nothing much"]


def test_sentences_many_streams_in_order_with_mixed_units():
    items = ["First. Second.", "One\n\nTwo. Three.", "Skip this. Keep this."]
    within = [None, None, [(11, 21)]]
    result = list(sentences_many(items, within, batch_size=2))
    assert [texts(t, spans) for t, spans in zip(items, result)] == [
        ["First.", "Second."], ["One", "Two.", "Three."], ["Keep this."],
    ]


def test_sentences_of_empty_units():
    assert sentences("   ", []) == []
    assert sentences("") == []


def _spacy_sentencizer_spans(text):
    """The oracle: spaCy's own Sentencizer component, spans trimmed of white space."""
    from qualcode.nlp import get_nlp

    spans = []
    for sent in get_nlp()(text).sents:
        piece = text[sent.start_char:sent.end_char]
        if piece.strip():
            start = sent.start_char + len(piece) - len(piece.lstrip())
            spans.append((start, start + len(piece.strip())))
    return spans


def test_fast_sentence_rule_matches_spacys_sentencizer():
    import random

    pieces = [
        "We met.", "Did it help?", "Yes!", "Well...", 'He said "stop."', "(It was hard.)", "So?!", "3.5 million",
        "Dr. Smith came", "e.g. this", "the board", "—", "😀", "and then", "\n\n", "\n", "  ", "'quoted.'", "end.)",
        "U.K.", "!!", "?", ".", ",", "ok", "Über café", "[laughs]", "No. 5", "«Bien.»", "wait…", "done;",
    ]
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        assert sentences(text, [(0, len(text))]) == _spacy_sentencizer_spans(text), text


def _sentencizer_spans_in_units(text, units):
    """The oracle for units: spaCy's Sentencizer over the whole text in one Doc, each
    sentence's non-space tokens grouped by the unit their first character is in."""
    from bisect import bisect_right

    from qualcode.nlp import get_nlp

    ordered = sorted(units)
    starts = [u[0] for u in ordered]
    spans = []
    for sent in get_nlp()(text).sents:
        current = None
        for token in sent:
            if token.is_space:
                continue
            i = bisect_right(starts, token.idx) - 1
            if i < 0 or token.idx >= ordered[i][1]:
                current = None
                continue
            end = min(token.idx + len(token), ordered[i][1])
            if current is not None and current[2] == i:
                current[1] = end
            else:
                current = [token.idx, end, i]
                spans.append(current)
    return [(a, b) for a, b, _ in spans]


def test_sentences_tokenized_a_unit_at_a_time_equal_the_whole_text_in_one_doc(monkeypatch):
    """``sentences_many`` tokenizes a long transcript in pieces cut at turn starts (spaCy's
    cache works better on short Docs); the sentences must be the ones of the whole text in
    one Doc. Pieces as short as one turn here, so that every cut is tried."""
    import random

    import qualcode.ingest.segment as segment

    monkeypatch.setattr(segment, "PIECE_CHARS", 1)

    words = ["We met.", "Did it help?", "Yes!", "Well...", "Dr. Smith came", "e.g. this", "the board", "2pm",
             "don't", "U.K.", "3.5 million", "and then", "(It was hard.)", "😀", "wait…", "ok", "[laughs]", "so"]
    names = ["Priya Raman", "Tom", "INTERVIEWER", "P3"]
    gaps = ["\n", "\n\n", "\n \n", " \n", "\n\u00a0", "  "]
    rng = random.Random(17)
    for _ in range(200):
        parts, units, text = [], [], "Interview 4, wave 1\n\n"
        for _ in range(rng.randint(1, 8)):
            label = f"{rng.choice(names)}: "
            speech = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
            start = len(text) + len(label)
            text += label + speech
            units.append((start, start + len(speech)))
            text += rng.choice(gaps)
        assert sentences(text, units) == _sentencizer_spans_in_units(text, units), text
    for path in sorted((Path(__file__).parent / "data" / "transcripts").glob("*.*")):
        if path.suffix not in (".txt", ".vtt"):
            continue
        source = read_path(path).sources[0]
        units = [(s.start, s.end) for s in source.segments if s.kind in ("turn", "paragraph")]
        assert sentences(source.text, units) == _sentencizer_spans_in_units(source.text, units), path.name
