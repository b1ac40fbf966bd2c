"""The rules engine on hand-made units, and the fast matcher against spaCy's PhraseMatcher."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qualcode.coding.rules.lemma_keys import build_key_table, key_table
from qualcode.coding.rules.engine import Rule, RuleSet, Task, plan
from qualcode.coding.rules.match import FastMatcher, Pattern, SpacyMatcher, phrase_keys
from qualcode.errors import CodebookError
from qualcode.nlp import get_nlp

REPO = Path(__file__).resolve().parents[1]


def units(*texts: str, speakers=None, roles=None, questions=None) -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame({
        "text": list(texts),
        "speaker": pd.array(speakers or [None] * n, dtype="string"),
        "role": pd.array(roles or [None] * n, dtype="string"),
        "question": pd.array(questions or [None] * n, dtype="string"),
    })


def run(rules: list[Rule], frame: pd.DataFrame, engine: str = "fast") -> set[tuple[int, str]]:
    tasks = [t for ts in plan(rules).values() for t in ts]
    hits = RuleSet.compile(tasks, engine=engine).apply(frame)
    return set(zip(hits["row"].tolist(), hits["code"].tolist()))


def rule(code: str, **block) -> Rule:
    return Rule.from_block(abs(hash(code)) % 10_000, code, block)


@pytest.mark.parametrize("engine", ["fast", "spacy"])
def test_keywords_match_lemmas_case_and_whole_tokens(engine):
    frame = units(
        "Mentors came.",            # 0 plural, capitalised
        "The BOARDS met.",          # 1 upper case plural
        "We execute plans.",        # 2 "cut" inside a word: no
        "Cuts hurt, cutting more.",  # 3 cut (twice; one distinct keyword)
        "mentoring matters",        # 4 "mentoring" -> mentor
        "the mentee",               # 5 different word
    )
    got = run([rule("M", keywords=["mentor"]), rule("B", keywords=["board"]), rule("C", keywords=["cut"])], frame, engine)
    assert got == {(0, "M"), (1, "B"), (3, "C"), (4, "M")}


@pytest.mark.parametrize("engine", ["fast", "spacy"])
def test_phrases_match_token_sequences_across_line_breaks(engine):
    frame = units(
        "the board meeting",            # 0
        "two Board Meetings today",     # 1 inflected: meetings -> meeting -> meet
        "the board\nmeeting",          # 2 white space does not matter
        "the board, meeting",           # 3 punctuation does
        "meeting the board",            # 4 wrong order
        "a self-belief moment",         # 5 hyphenated keyword: three tokens
        "self belief",                  # 6 not the same tokens
    )
    got = run([rule("BM", keywords=["board meeting"]), rule("SB", keywords=["self-belief"])], frame, engine)
    assert got == {(0, "BM"), (1, "BM"), (2, "BM"), (5, "SB")}


@pytest.mark.parametrize("engine", ["fast", "spacy"])
def test_exclusions_min_matches_regex_and_case_sensitivity(engine):
    frame = units(
        "I said in confidence I lack confidence.",   # 0 excluded
        "My confidence grew.",                       # 1
        "The trustees and the chair.",               # 2 two distinct
        "The chair, the chair, the chair.",          # 3 one distinct, three times
        "I felt an IMPOSTOR.",                       # 4 regex, case-insensitive
        "The ICB met; the icb did not.",             # 5
        "the icb only",                              # 6 case-sensitive keyword: no
    )
    rules = [
        rule("Conf", keywords=["confidence"], exclude=["in confidence"]),
        rule("Gov", keywords=["trustee", "chair", "board"], min_matches=2),
        rule("Imp", regex=[r"\bimpost[eo]r\b"]),
        rule("ICB", keywords=["ICB"], case_sensitive=True),
        rule("Lower", regex=["impostor"], case_sensitive=True),
    ]
    assert run(rules, frame, engine) == {(1, "Conf"), (2, "Gov"), (4, "Imp"), (5, "ICB")}


def test_confidence_grows_with_distinct_hits():
    frame = units("board", "board trustee", "board trustee chair board")
    hits = RuleSet.compile([Task(rule("G", keywords=["board", "trustee", "chair"]), "keywords")]).apply(frame)
    assert hits.sort_values("row")[["matches", "confidence"]].values.tolist() == [[1, 0.5], [2, 0.75], [3, 0.875]]


def test_speaker_rules_match_labels_leading_words_and_roles():
    frame = units("I learned a lot.", "I learned a lot.", "I learned a lot.", "I learned a lot.", "Nothing here.",
                  speakers=["Mentor-03", "CEO-07", None, "Jo", "Mentor-03"],
                  roles=[None, "CEO", "Mentor", "mentor", None])
    got = run([rule("Practice", keywords=["learn"], speakers=["Mentor"]), rule("Voice", speakers=["mentor-03"])], frame)
    # 0: leading word "Mentor"; 2: no speaker, the source's case is a mentor; 3: role
    assert got == {(0, "Practice"), (2, "Practice"), (3, "Practice"), (0, "Voice"), (4, "Voice")}


def test_question_rules_code_every_answer_that_says_something():
    frame = units("More time please.", "N/A", "-", "Shorter sessions; in confidence.", "Other question.",
                  questions=["open_improve", "open_improve", "OPEN_IMPROVE", "open_improve", "open_change"])
    rules = [rule("Improve", questions=["open_improve"], exclude=["in confidence"])]
    tasks = plan(rules, unit="sentence")
    assert list(tasks) == ["answer"]  # questions always code whole answers
    hits = RuleSet.compile(tasks["answer"]).apply(frame)
    assert hits["row"].tolist() == [0] and hits["confidence"].tolist() == [1.0]


def test_a_keyword_without_words_is_a_codebook_error():
    with pytest.raises(CodebookError, match="'Bad'"):
        RuleSet.compile([Task(Rule(1, "Bad", keywords=(" \t",)), "keywords")])


def test_key_table_follows_chains_and_cuts_cycles():
    table = build_key_table({"meetings": "meeting", "meeting": "meet", "Boards": "board", "a": "b", "b": "a"})
    assert table.key("meetings") == table.key("meeting") == table.key("meet") == "meet"
    assert table.key("boards") == "board"
    assert table.key("a") == table.key("b") == "a"
    assert table.forms("meet") == {"meet", "meeting", "meetings"}
    real = key_table()
    assert real.key("mentors") == "mentor" and real.key("found") == "find"


# ------------------------------------------------- fast matcher == spaCy matcher
TRICKY = ["don't", "Don't", "can't", "cannot", "gonna", "I'm", "it's", "board", "Board,", "boards.", "(board)",
          "self-belief", "e-mail", "U.K.", "e.g.", "10km", "3pm", "mentor's", "mentors'", "Mentor-03:", "co-op",
          "x_y", "www.example.org", "a.Then", "mentor.then", "—", "...", "“board”", "na", "not", "n't", "do",
          "meeting", "meetings", "met", "İstanbul", "café", "CAFÉ", "km", "'s", "’s", "?", "!", "can", "gon",
          "face", "to", "face-to-face", "in", "confidence", "mentee", "\x00", "#tag", "@board", "$10", "£5m"]
SPACES = [" ", " ", " ", "  ", "\n", "\t", "\u00a0", "\u2009", ""]
PHRASES = ["do", "not", "can", "na", "km", "board", "board meeting", "self - belief", "self-belief", "mentor",
           "'s", "face to face", "in confidence", "e.g.", "U.K.", "café", "meet", "10", "co-op", "x_y", "a.", "then"]


def both(patterns_text: list[str], texts: list[str]) -> tuple[set, set]:
    nlp = get_nlp()
    table = key_table()
    patterns = [Pattern(i, phrase_keys(nlp, table, p, exact), exact)
                for i, (p, exact) in enumerate((p, e) for p in patterns_text for e in (False, True))]
    patterns = [p for p in patterns if p.keys]
    fast = FastMatcher(patterns, nlp).hits(texts)
    slow = SpacyMatcher(patterns, nlp).hits(texts)
    return set(zip(*map(list, fast))), set(zip(*map(list, slow)))


@settings(max_examples=150, deadline=None)
@example([[("don't", " "), ("\x00", " "), ("don't", " ")]])  # a unit holding the batch marker
@given(st.lists(st.lists(st.tuples(st.sampled_from(TRICKY), st.sampled_from(SPACES)), max_size=12), min_size=1,
                max_size=6))
def test_fast_matcher_agrees_with_spacy_on_tricky_text(pieces):
    texts = ["".join(word + space for word, space in unit) for unit in pieces]
    fast, slow = both(PHRASES, texts)
    assert fast == slow


def test_fast_matcher_agrees_with_spacy_on_the_demo_interviews():
    folder = REPO / "corpora" / "advance-demo" / "interviews"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        pytest.skip("demo corpus not present")
    lines = [line for t in texts for line in t.split("\n\n") if line.strip()]
    words = sorted({w.strip(".,?!") for t in texts for w in t.split()} - {""})
    phrases = random.Random(3).sample(words, 300) + ["board meeting", "face to face", "in confidence", "don't know"]
    fast, slow = both(phrases, lines)
    assert fast == slow and len(fast) > 1000


def test_chunk_shortcut_gives_spacy_tokens():
    matcher = FastMatcher([], get_nlp())
    words = random.Random(5).sample(sorted(key_table().roots), 400) + ["D", "M", "Mr", "etc", "vs", "St", "Dr"]
    for word in words:
        for chunk in (word, word.capitalize(), word + ",", word + ".", word.title() + "'s", word + "?", word + ")"):
            assert matcher.split_chunk(chunk) == [t.text for t in get_nlp().tokenizer(chunk)], chunk


def test_new_chunks_tokenized_in_one_call_give_each_chunks_own_tokens():
    """The first pass tokenizes every unseen chunk in one spaCy call (chunks joined by
    spaces); each chunk must still get exactly the tokens spaCy gives it alone."""
    rng = random.Random(11)
    pieces = [t for t in TRICKY if t.strip()] + ["http://x.org/a?b=c", "10:30", "£5.50", "(e.g.", "U.S.A.)", "'"]
    chunks = ["".join(rng.sample(pieces, rng.randint(1, 3))) for _ in range(600)] + pieces
    chunks = [c for c in dict.fromkeys(chunks) if c.split() == [c]]
    matcher = FastMatcher([], get_nlp())
    alone = [[t.text for t in get_nlp().tokenizer(c)] for c in chunks]
    assert matcher._tokenize_many(chunks) == alone


# ---------------------------------- the fast matcher's chunks and tokens on awkward text
# Words and white space of real transcripts and exports: hyphens, curly and straight
# apostrophes, emoji (with a skin tone), URLs, numbers and money, a NUL, CRLF,
# no-break and thin spaces,
# the ideographic space, a line separator, the information separators that
# ``str.split()`` cuts at and the zero-width space that it does not, and chunks on both
# sides of the 15-byte limit of the matcher's byte table ("é" is two bytes).
AWKWARD = ["well-being", "co-operate", "don't", "I’m", "mentors'", "Mentor-03:", "😀", "👍🏽board", "board😀,",
           "https://example.org/mentoring?id=3&x=y", "www.board.org.uk", "10,000", "£5.50", "3.5%", "10:30am",
           "2024-05-01", "#mentoring", "@ceo", "e.g.", "U.K.", "\x00", "a\x00b", "İstanbul", "ﬁnance",
           "naïve", "Straße", "x" * 15, "y" * 16, "é" * 7, "é" * 8, "trustees’", "(board)", "“board”", "—", "...",
           "self-belief", "board", "Boards", "meeting"]
AWKWARD_SPACES = [" ", "  ", "\r\n", "\n\n", "\t", "\u00a0", "\u2009", "\u3000", "\u2028", "\u1680", "\x1c", "\x85", "\u200b",
                  ""]
awkward_units = st.lists(st.lists(st.tuples(st.sampled_from(AWKWARD), st.sampled_from(AWKWARD_SPACES)), max_size=10),
                         min_size=1, max_size=8).map(lambda units: ["".join(w + s for w, s in u) for u in units])


@settings(max_examples=200, deadline=None)
@example(["", " \r\n ", "a\x00b board", "😀" + "é" * 8 + "\u3000" + "x" * 15, ""])
@given(awkward_units)
def test_fast_matcher_chunks_are_str_split_of_each_unit(texts):
    """The batch is cut into chunks on its UTF-8 bytes; that must be ``str.split()`` of
    every unit, in order, whatever the characters (the second batch finds every chunk
    in the byte table or the dictionary, the first adds them)."""
    matcher = FastMatcher([], get_nlp())
    chunk_of = {}
    for _ in range(2):
        rows, units = matcher._chunks(texts)
        chunk_of = {row: chunk for chunk, row in matcher._chunk_row.items()}
        got = [[] for _ in texts]
        for row, unit in zip(rows.tolist(), units.tolist()):
            got[unit].append(chunk_of[row])
        assert got == [t.split() for t in texts]


@settings(max_examples=200, deadline=None)
@given(awkward_units)
def test_fast_matcher_tokens_are_spacys_tokens_on_awkward_text(texts):
    """Every unit's tokens, read back from the matcher's exact-word ids, are spaCy's
    tokenizer's tokens of the unit without the white-space tokens."""
    nlp = get_nlp()
    matcher = FastMatcher([Pattern(0, ("board",), exact=True)], nlp)  # an exact pattern: exact-word ids are kept
    word_of = {}
    for _ in range(2):  # new chunks, then the same chunks found in the tables
        unit, _, orths = matcher.tokens(texts)
        word_of = {i: key[1:] for key, i in matcher._ids.items() if key.startswith("=")}
        got = [[] for _ in texts]
        for u, o in zip(unit.tolist(), orths.tolist()):
            got[u].append(word_of[o])
        assert got == [[t.text for t in nlp.tokenizer(text) if not t.is_space] for text in texts]


def test_short_chunk_table_finds_exactly_what_was_added_through_growth_and_collisions():
    """The byte table starts at 4 slots, so adding 3,000 chunks in rounds makes it grow
    and probe past taken slots; every added chunk gets its own row back, and chunks never
    added (including ones that differ only in a byte past the 8th, in length, or that are
    too long for the table) get none."""
    from qualcode.coding.rules.match import _PAD, _ShortChunks, _short_keys

    rng = random.Random(4)
    alphabet = "abcdeé😀\x00-'"
    chunks = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))) for _ in range(5000)))
    fits = [c for c in chunks if len(c.encode("utf-8")) <= 15]
    added = fits[:3000]
    absent = fits[3000:] + [c for c in chunks if len(c.encode("utf-8")) > 15] + ["abcdefghX", "abcdefghY", "a" * 16]

    def keys(words):
        data = " ".join(words).encode("utf-8", "surrogatepass") + _PAD
        sizes = np.array([len(w.encode("utf-8")) for w in words], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes + 1)[:-1]]).astype(np.int64)
        return _short_keys(data, starts, sizes), sizes

    table = _ShortChunks(bits=2)
    for lo in range(0, len(added), 700):
        (first, second), _ = keys(added[lo : lo + 700])
        table.add(first, second, np.arange(lo, lo + len(first), dtype=np.int64))
    (first, second), _ = keys(added)
    assert table.find(first, second).tolist() == list(range(len(added)))
    table.add(*keys(["a" * 15])[0], np.array([5000]))
    (first, second), sizes = keys([c for c in absent if c != "a" * 15])
    assert (table.find(first, second) == -1).all()
    assert table.find(*keys(["a" * 15])[0]).tolist() == [5000]
    assert (sizes > 15).any()  # the 16-byte chunk was asked about and is never in the table


def test_phrase_pairs_by_binary_search_agree_with_the_dense_table(monkeypatch):
    """A codebook too large for the dense table of phrases' first-two-key pairs searches
    the sorted pairs instead; both find the same phrases as spaCy's PhraseMatcher."""
    rng = random.Random(8)
    texts = [" ".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 15))) for _ in range(400)]
    dense = both(PHRASES, texts)
    monkeypatch.setattr(FastMatcher, "DENSE_PAIR_CELLS", 0)
    searched = both(PHRASES, texts)
    assert dense[0] == searched[0] == dense[1] and any(len(p.split()) > 1 for p in PHRASES)


def test_chunks_grouped_by_key_digest_are_told_apart_when_their_bytes_differ():
    """New chunks are grouped by a digest of their byte key before becoming strings; two
    different keys with one digest (forged here) must still get their own rows."""
    from qualcode.coding.rules.match import _MIX_SECOND

    matcher = FastMatcher([], get_nlp())
    data = b" alpha beta alpha beta gamma " + b" " * 16
    starts = np.array([1, 7, 12, 18, 23], dtype=np.int64)
    ends = np.array([6, 11, 17, 22, 28], dtype=np.int64)
    second = np.array([5 << 56, 4 << 56, 5 << 56, 4 << 56, 5 << 56], dtype=np.uint64)
    first = np.array([11, 0, 11, 0, 12], dtype=np.uint64)
    mixed = second * _MIX_SECOND  # (array arithmetic wraps silently)
    first[[1, 3]] = np.uint64(11) ^ mixed[0] ^ mixed[1]  # beta's digest == alpha's
    rows = matcher._rows_by_text(data, starts, ends, first, second).tolist()
    chunk_of = {row: chunk for chunk, row in matcher._chunk_row.items()}
    assert [chunk_of[r] for r in rows] == ["alpha", "beta", "alpha", "beta", "gamma"]


def test_the_matchers_white_space_is_pythons():
    """The byte-level chunker cuts at the ASCII white space it reads from ``str.isspace``
    and at a fixed list of multi-byte characters: together they must be every character
    ``str.split()`` splits on."""
    from qualcode.coding.rules.match import _ASCII_SPACE_RUNS, MULTIBYTE_SPACES

    python = {c for c in map(chr, range(0x110000)) if c.isspace()}
    ours = {chr(first + k) for first, count in _ASCII_SPACE_RUNS for k in range(count)}
    ours |= {b.decode("utf-8") for b in MULTIBYTE_SPACES}
    assert ours == python and all(len(("a" + c + "b").split()) == 2 for c in python)
