"""The report's text scans take shortcuts (issue 20); each must give what the plain,
slow way gives, on text chosen to be awkward: apostrophes and curly quotes, hyphenated
names, accents, letters whose case folding changes length ("ß") or word-ness (U+0345),
the Kelvin sign and long s, names at the very start and end of a text, names inside
longer words, contractions, "and/or", emoticons, e-mail and web addresses, and every
kind of white space.

The references here are written out the straightforward way (one alternation, spaCy
over the whole text, one call per row), not taken from the code under test.
"""
from __future__ import annotations

import random
import re
import sys

import numpy as np
import pandas as pd
import regex

from qualcode.analysis.words import _lemmatiser, tokens
from qualcode.privacy import detect as dt
from qualcode.privacy.anonymiser import Anonymiser
from qualcode.speech.marks import only_marks, strip_marks
from qualcode.speech.roles import SpeakerRoles

NAMES = ["Anna", "Anna Smith", "Mary-Jane", "O'Brien", "O’Neil", "José", "Élodie", "Strauß", "Straße",
         "ΣΟΦΊΑ", "Σοφία", "Ægir", "İlkay", "\u212aate", "ſam", "Jo", "Jo-Ann", "Bill", "P00042", "CEO-07",
         "Riverside Carers", "St. Mary's", "Dr. Patel", "Ng", "Ōtaki"]
PIECES = NAMES + ["anna", "ANNA", "annabel", "Annas", "smith", "jo's", "mary-jane's", "o'brien’s", "strasse",
                  "STRASSE", "ßo", "\u0345", "a\u0345b", "ς", "the", "and/or", "it's", "don't", "we're",
                  ":)", "(-:", "e.g.", "a.m.", "10a.m.", "x@y.org", "www.oak.org.uk", "http://a.b/c", "Mr.",
                  "CEO's", "0113 496 0000", "LS1 4AP", "[laughs]", "(inaudible)", "…", "—", "’", "“Hope”",
                  "co-op", "self-confidence", "Kate's", "KATE", "Ünal", "ǅemal", "ϒ", "Ⓐ", "ﬁne", "ŉ", "_x_"]
SPACES = [" ", " ", " ", "", "  ", "\n", "\t", "\u00a0", "\u2009", "\u3000", "\u2028", " \n ", ", ", ". ", "-",
          "'", "’s ", "(", ")"]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) + rng.choice(SPACES) for _ in range(rng.randint(0, 18)))


def test_u0345_is_the_only_letter_whose_folding_changes_word_ness() -> None:
    # the name scanner's fast path rests on this: it searches the case-folded text
    word = re.compile(r"\w")
    folding = [chr(cp) for cp in range(sys.maxunicode + 1) if chr(cp).casefold() != chr(cp)]
    odd = [ord(ch) for ch in folding
           if len(ch.casefold()) == 1 and bool(word.match(ch)) != bool(word.match(ch.casefold()))]
    assert odd == [0x345]


def test_the_anonymiser_blanks_what_one_alternation_blanks() -> None:
    rng = random.Random(20261207)
    for _ in range(300):
        names = rng.sample(NAMES, rng.randint(1, 10)) + [f"Case{rng.randrange(100):02d}" for _ in range(30)]
        anonymiser = Anonymiser([], names)
        alternatives = sorted({r"\s+".join(re.escape(w) for w in n.split()) for n in names}, key=len, reverse=True)
        reference = re.compile(r"(?<!\w)(?i:" + "|".join(alternatives) + r")(?!\w)")
        for _ in range(10):
            text = _random_text(rng)
            assert anonymiser.remove(text) == reference.sub(" ", text), text
            assert [m for m in anonymiser.found(text)] == reference.findall(text), text


def test_names_at_the_edges_of_a_text_and_inside_words() -> None:
    anonymiser = Anonymiser([], ["Anna", "Mary-Jane", "Strauß", "Case00042"] + [f"Case{i:05d}" for i in range(5000)])
    assert anonymiser.remove("Anna") == " "
    assert anonymiser.remove("anna's friend Mary-Jane") == " 's friend  "
    assert anonymiser.remove("Annabel and mary-janes; case00042.") == "Annabel and mary-janes;  ."
    assert anonymiser.remove("STRAUSS met STRAUß") == "STRAUSS met  "  # only the spelling given, any case
    # U+0345 is no word character (a name may end before it); its text takes the word-by-word path
    assert anonymiser.remove("x\u0345 Anna\u0345 Anna") == "x\u0345  \u0345  "


def test_chunked_tokenising_gives_spacys_tokens_of_the_whole_text() -> None:
    rng = random.Random(7)
    texts = [_random_text(rng) for _ in range(3000)]
    texts += ["", " ", "\n\n", "and /or it 's :) e.g . 10a.m . (-: ", "Anna—who’d said “no”—left… at 10a.m.",
              "we work with Mary-Jane's co-op and/or the council's self-confidence programme"]
    nlp, lemmas = _lemmatiser((), 3)
    whole = [list(lemmas(nlp.tokenizer(strip_marks(text).lower()))) for text in texts]  # marks out first, as ever
    assert tokens(texts) == whole


def test_detection_shortcuts_are_the_patterns_they_stand_for() -> None:
    rng = random.Random(11)
    samples = [_random_text(rng) for _ in range(3000)] + ["", "www.x.org", "WWW.X.ORG", "https\u017f://x",
                                                          "\u212a", "x.\u212aom", "٣", "no digits here", "ok 7"]
    for text in samples:
        assert dt._has_capital(text) == bool(dt._CAPITAL.search(text)), text
        assert dt._has_digit(text) == bool(dt._DIGIT.search(text)), text
        assert dt._has_url_hint(text) == bool(dt._URL_HINT.search(text)), text


def test_a_text_without_a_capital_has_no_run_that_could_be_a_name() -> None:
    rng = random.Random(13)
    for _ in range(2000):
        text = _random_text(rng)
        if dt._CAPITAL.search(text):
            continue
        # what name_mentions would see without its shortcut
        assert list(dt._runs(text, dt._tokens(text))) == [], text
        assert dt.detect(text) == sorted(dt._shaped(text), key=lambda m: m.start)


def test_detection_still_finds_names_emails_and_phones() -> None:
    found = {(m.surface, m.kind) for m in dt.detect("Sarah Jones rang 0113 496 0000 from Oakfield Trust; "
                                                    "mail sarah@oak.org.uk or see www.oak.org.uk")}
    assert {("Sarah Jones", "person"), ("0113 496 0000", "phone"), ("Oakfield Trust", "organisation"),
            ("sarah@oak.org.uk", "email"), ("www.oak.org.uk", "url")} <= found
    assert dt.detect("no capitals, no digits, nothing to find") == []


def test_interviewer_flags_are_judged_per_speaker_as_one_by_one() -> None:
    roles = SpeakerRoles({"Sarah Jones": "interviewer", "Q": "participant"})
    rng = random.Random(3)
    labels = ["Interviewer", "Interviewer 2", "INT", "Q", "q", "Moderator (Anna)", "sarah  jones", "Sarah Jones",
              "Mentor-03", "", "  ", None, np.nan, pd.NA, 7, "Researcher"]
    speakers = [rng.choice(labels) for _ in range(5000)]
    expected = [roles.is_interviewer(s if isinstance(s, str) else None) for s in speakers]
    assert roles.interviewer_mask(speakers) == expected
    assert roles.interviewer_mask(pd.Series(speakers, dtype=object)) == expected
    assert roles.interviewer_mask([]) == []


def test_quotable_keeps_and_cleans_what_the_row_by_row_rule_did() -> None:
    from qualcode.project.analysis import quotable

    rng = random.Random(5)
    texts = ["[laughs]", "(inaudible 00:12:03)", "[crosstalk] [laughs]", "Well [laughs] I think , yes",
             "(see below) the board", "plain words", "[the board] agreed", "", "  ", "[?]", "(laughs) ...", "x"]
    frame = pd.DataFrame({"excerpt_id": range(2000),
                          "text": [rng.choice(texts) for _ in range(2000)],
                          "speaker": [rng.choice(["Interviewer", "Anna", None]) for _ in range(2000)]})
    roles = SpeakerRoles()
    keep = [not roles.is_interviewer(s) and not only_marks(t) for s, t in zip(frame["speaker"], frame["text"])]
    expected = frame[keep].copy()
    expected["text"] = [strip_marks(t) for t in expected["text"]]
    pd.testing.assert_frame_equal(quotable(frame, roles), expected)
    assert regex.search(r"\[laughs\]", " ".join(quotable(frame, roles)["text"])) is None
