"""Candidate identifiers in one text: names of people, organisations and places, and
e-mails, phone numbers, postcodes and web addresses.

No trained pipeline is needed. A name is found from its shape and from the shipped word
tables (:mod:`qualcode.privacy.lexicon`):

- a run of capitalised words ("Sarah Jones", "St Aidan's Hospice", "Friends of the Earth");
- mid-sentence, a capitalised word is a name unless English writes it in lower case far
  more often ("Board", "Chair"); "Hope" and "Bill" pass, because people write them
  capitalised often enough;
- at the start of a sentence capitals say nothing, so the word must be mostly written
  capitalised ("Sarah", "Priya") or be a given name the tables know ("Bill");
- a title before ("Ms Jones", "Cllr Patel") makes a person, a suffix after ("Oakfield
  Trust", "Riverside Carers") an organisation, a place word ("Harrowgate Road", "in
  Kelderby") a place.

The kind is a suggestion for the person who confirms; what matters most is that no name
is missed. When a trained spaCy pipeline is installed, its PERSON/ORG/GPE/LOC/FAC
entities are added (:func:`ner_mentions`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import regex
from dataclasses import dataclass

from qualcode.privacy import patterns as pt
from qualcode.privacy.lexicon import Lexicon, lexicon

KINDS = ("person", "organisation", "place", "email", "phone", "postcode", "url")

#: how far below its lower-case form a capitalised word may be and still count as a name
#: mid-sentence ("Hope" -1.8, "Trust" -1.7 pass; "Board" -3.0, "Chair" -3.3 do not)
MID_SENTENCE_RATIO = -2.5
#: at a sentence start the word must be written capitalised more often than not, by this much
START_RATIO = 0.5
#: a leading sentence-start word this common ("So", "When", "My") is never part of a name
FUNCTION_WORD_PROBABILITY = -9.6

#: the tokens a name is made of: a word starting with a capital, a connector, "&" (other
#: words only break a name, which the gap between two kept tokens shows)
_TOKEN = regex.compile(r"(?<![\w'’.-])(?:\p{Lu}(?:[\w'’.-]*[^\W_])?|(?:"
                       + "|".join(sorted(pt.CONNECTORS - {"&"}, key=len, reverse=True))
                       + r")(?![\w'’-])|&)")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$")
#: a name's run begins with a capital (``_TOKEN``'s ``\p{Lu}``): a text without one holds no name
_CAPITAL = regex.compile(r"\p{Lu}")
#: phone numbers and postcodes hold digits (the same ``\d`` as their patterns)
_DIGIT = re.compile(r"\d")


def _has_capital(text: str) -> bool:
    r"""Whether ``text`` holds a ``\p{Lu}`` letter (in ASCII, one that lower-casing changes)."""
    return text.lower() != text if text.isascii() else bool(_CAPITAL.search(text))


def _has_digit(text: str) -> bool:
    r"""Whether ``text`` holds a ``\d`` digit (in ASCII: 0-9, each found by a C substring search)."""
    return any(d in text for d in "0123456789") if text.isascii() else bool(_DIGIT.search(text))
_START_BEFORE = re.compile(r"(?:^|[.!?:;\n…]|\]\s*|\s[–—-])[\s\"'“‘(\[*_–—-]*$")
#: a mid-sentence word whose lower-case form is this common ("What", "Will") is not a name
COMMON_WORD_PROBABILITY = -8.0
#: at a sentence start, a word whose lower-case form is this common is not a name either
#: ("Thank", "Hello"), unless the tables know it as a given name ("Bill")
START_WORD_PROBABILITY = -13.5


@dataclass(frozen=True)
class Mention:
    """One candidate identifier in one text: ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    kind: str
    reason: str


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """The tokens a name can be made of: capitalised words, connectors, "&". Other words
    only break a name, which the gap between two kept tokens shows."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        end = m.end()
        while word and word[-1] in ".-'’" and not word.casefold().rstrip(".") in pt.TITLES:
            word, end = word[:-1], end - 1
        possessive = _POSSESSIVE.search(word) if len(word) > 3 else None
        if possessive and word[:1].isupper():
            word, end = word[: possessive.start()], end - len(possessive.group())
        if word:
            out.append((m.start(), end, word))
    return out


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _sentence_start(text: str, start: int) -> bool:
    return bool(_START_BEFORE.search(text[max(0, start - 12):start]))


def _adjacent(text: str, end: int, start: int, previous: str = "") -> bool:
    """Two tokens of one name: one space between them, or a full stop after a title or
    an initial ("Dr. Jones", "J. Smith")."""
    gap = text[end:start]
    if gap == " ":
        return True
    short = previous.casefold() in pt.TITLES or (len(previous) == 1 and previous.isupper())
    return short and gap in (". ", ".")


_URL_HINT = re.compile(r"https?://|www\.|\.(?:org|com|net|gov|nhs|ac|co|edu|io|info)\b", re.IGNORECASE)
#: ``_URL_HINT`` on a lower-cased ASCII text, in parts each starting with a literal
#: (``re`` then skips along in C; the one alternation stopped at every character)
_URL_HINT_PARTS = (re.compile(r"https?://"), re.compile(r"www\."),
                   re.compile(r"\.(?:org|com|net|gov|nhs|ac|co|edu|io|info)\b"))


def _has_url_hint(text: str) -> bool:
    """``_URL_HINT.search(text)``, faster on ASCII text (where ignoring case is lower-casing)."""
    if not text.isascii():
        return bool(_URL_HINT.search(text))
    lowered = text.lower()
    return any(part.search(lowered) for part in _URL_HINT_PARTS)


def _shaped(text: str) -> list[Mention]:
    found: list[Mention] = []
    shapes = [("phone", pt.PHONE), ("postcode", pt.POSTCODE)] if _has_digit(text) else []
    if _has_url_hint(text):  # the URL pattern is slow; most texts have no address at all
        shapes.insert(0, ("url", pt.URL))
    if "@" in text:
        shapes.insert(0, ("email", pt.EMAIL))
    for kind, pattern in shapes:
        for m in pattern.finditer(text):
            if kind == "phone" and not pt.phone_digits_ok(m.group()):
                continue
            if kind == "url" and "@" in text[max(0, m.start() - 1):m.start()]:
                continue
            found.append(Mention(m.start(), m.end(), m.group(), kind, kind))
    return _without_overlaps(found)


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep the earliest, then longest, of overlapping mentions."""
    kept: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def _is_proper(word: str, at_start: bool, lex: Lexicon) -> bool:
    low = word.casefold()
    if low in pt.NEVER_NAMES or len(word) < 2 or low in pt.CONNECTORS:
        return False
    if any(ch.isdigit() for ch in word):
        return False  # "CEO-07", "P12": identifiers, handled as case names
    if re.search(r"['’](?:re|d|ll|ve|m|t|s)$", low):
        return False  # "You're", "They'd"
    if word.isupper() and len(word) > 1:
        return low not in pt.COMMON_ACRONYMS and lex.probability(word) < -14.0
    if re.fullmatch(r"[A-Z]{2,}s", word):
        return False  # "CEOs", "KPIs"
    if at_start:
        if lex.is_given_name(word) or not lex.is_known(word):
            return True
        return lex.capital_ratio(word) >= START_RATIO and lex.lower_probability(word) < START_WORD_PROBABILITY
    return lex.capital_ratio(word) >= MID_SENTENCE_RATIO and lex.lower_probability(word) < COMMON_WORD_PROBABILITY


def _runs(text: str, tokens: list[tuple[int, int, str]]) -> Iterable[list[int]]:
    """Index lists of capitalised runs (connectors allowed inside)."""
    i, n = 0, len(tokens)
    while i < n:
        if not _is_capitalised(tokens[i][2]):
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n and _adjacent(text, _raw_end(text, tokens[j - 1]), tokens[j][0], tokens[j - 1][2]):
            word = tokens[j][2]
            if _is_capitalised(word) or word == "&":
                possessive_break = tokens[j - 1][1] < _raw_end(text, tokens[j - 1])
                if possessive_break and word.casefold() not in pt.ORG_SUFFIXES | pt.PLACE_SUFFIXES:
                    break
                run.append(j)
                j += 1
            elif (word.casefold() in pt.CONNECTORS and j + 1 < n and _is_capitalised(tokens[j + 1][2])
                  and tokens[j - 1][1] == _raw_end(text, tokens[j - 1])
                  and _adjacent(text, tokens[j][1], tokens[j + 1][0])):
                run.append(j)
                j += 1
            else:
                break
        yield run
        i = j


def _raw_end(text: str, token: tuple[int, int, str]) -> int:
    """Where the token ended before its possessive was cut off."""
    m = re.match(r"(?:['’]s|['’])", text[token[1]:token[1] + 2])
    return token[1] + (m.end() if m else 0)


def _previous_word(text: str, start: int) -> str:
    m = re.search(r"([A-Za-z]+)\W*$", text[max(0, start - 20):start])
    return m.group(1).casefold() if m else ""


def name_mentions(text: str, lex: Lexicon | None = None, skip: list[tuple[int, int]] | None = None) -> list[Mention]:
    """Capitalised runs that look like names, with a suggested kind."""
    if not _has_capital(text):
        return []  # every run starts at a capitalised token (``_runs``); connectors alone make none
    lex = lex or lexicon()
    tokens = _tokens(text)
    if skip:
        tokens = [t for t in tokens if not any(a <= t[0] < b for a, b in skip)]
    found: list[Mention] = []
    for run in _runs(text, tokens):
        words = [tokens[k] for k in run]
        at_start = _sentence_start(text, words[0][0])
        while words:
            first = words[0][2]
            low = first.casefold()
            if low in pt.CONNECTORS or low in pt.NEVER_NAMES:
                words, at_start = words[1:], False
                continue
            if (at_start and len(words) > 1 and low.rstrip(".") not in pt.TITLES and not lex.is_given_name(first)
                    and lex.is_known(first) and lex.capital_ratio(first) < 0):
                words, at_start = words[1:], False  # "When Sarah", "So Oakfield Trust"
                continue
            break
        while words and words[-1][2].casefold() in pt.CONNECTORS:
            words = words[:-1]
        if not words:
            continue
        mention = _classify(text, words, at_start, lex)
        if mention is not None:
            found.append(mention)
    return found


def _classify(text: str, words: list[tuple[int, int, str]], at_start: bool, lex: Lexicon) -> Mention | None:
    start, end = words[0][0], words[-1][1]
    surface = text[start:end]
    lows = [w[2].casefold() for w in words]
    last = lows[-1]
    if lows[0].rstrip(".") in pt.TITLES and len(words) >= 2 and _is_capitalised(words[1][2]):
        return Mention(start, end, surface, "person", "title")
    if last in pt.ORG_SUFFIXES and len(words) >= 2:
        return Mention(start, end, surface, "organisation", "organisation suffix")
    if last in pt.PLACE_SUFFIXES and len(words) >= 2:
        return Mention(start, end, surface, "place", "place word")
    proper = [_is_proper(w[2], at_start and k == 0, lex) for k, w in enumerate(words)]
    if not any(proper):
        return None
    if len(words) == 1 and words[0][2].isupper():
        return Mention(start, end, surface, "organisation", "acronym")
    # trim ordinary words at the ends ("Sarah Jones Thank" cannot happen; "Governance Sarah" can)
    while len(words) > 1 and not proper[-1]:
        words, proper = words[:-1], proper[:-1]
    while len(words) > 1 and not proper[0]:
        words, proper = words[1:], proper[1:]
    start, end = words[0][0], words[-1][1]
    surface = text[start:end]
    reason = "sentence start" if at_start else "capitalised mid-sentence"
    first, final = words[0][2], words[-1][2]
    if lex.is_given_name(first) or (lex.is_surname(final) and final.casefold() not in pt.PLACE_SUFFIXES):
        return Mention(start, end, surface, "person", "given name" if lex.is_given_name(first) else reason)
    if any(lex.is_place(w[2]) for w in words):
        return Mention(start, end, surface, "place", "place name")
    if _previous_word(text, start) in pt.PLACE_CUES or pt.looks_like_place(final):
        return Mention(start, end, surface, "place", reason)
    return Mention(start, end, surface, "person", reason)


def detect(text: str, lex: Lexicon | None = None) -> list[Mention]:
    """Every candidate identifier in ``text``, in order, without overlaps."""
    shaped = _shaped(text)
    names = name_mentions(text, lex, skip=[(m.start, m.end) for m in shaped])
    return sorted(shaped + names, key=lambda m: m.start)


NER_KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place",
             "NORP": None}


def ner_mentions(texts: list[str]) -> list[list[Mention]] | None:
    """Entities from a trained spaCy pipeline, when one is installed (None otherwise)."""
    from qualcode.nlp import get_nlp, trained_pipeline_name

    if trained_pipeline_name() is None:
        return None
    nlp = get_nlp(ner=True)
    if "ner" not in nlp.pipe_names:
        return None
    out = []
    for doc in nlp.pipe(texts, batch_size=32):
        mentions = []
        for ent in doc.ents:
            kind = NER_KINDS.get(ent.label_)
            if kind:
                mentions.append(Mention(ent.start_char, ent.end_char, ent.text, kind, f"ner {ent.label_}"))
        out.append(mentions)
    return out


def guess_kind(name: str, lex: Lexicon | None = None) -> str:
    """The kind of a name given without context (a line of the redaction list, a
    descriptor value): its shape, a title, a suffix, the word tables."""
    text = " ".join(str(name).split())
    for kind, pattern in (("email", pt.EMAIL), ("url", pt.URL), ("phone", pt.PHONE), ("postcode", pt.POSTCODE)):
        m = pattern.fullmatch(text)
        if m and (kind != "phone" or pt.phone_digits_ok(text)):
            return kind
    lex = lex or lexicon()
    words = [w.strip(".,") for w in text.split()]
    if not words:
        return "person"
    lows = [w.casefold() for w in words]
    if lows[0] in pt.TITLES and len(words) > 1:
        return "person"
    if lows[-1] in pt.ORG_SUFFIXES and len(words) > 1:
        return "organisation"
    if lows[-1] in pt.PLACE_SUFFIXES and len(words) > 1:
        return "place"
    if lex.is_given_name(re.sub(r"['’]s$", "", words[0])) or lex.is_surname(words[-1]):
        return "person"
    if any(lex.is_place(w) for w in words) or pt.looks_like_place(re.sub(r"['’]s$", "", words[-1])):
        return "place"
    return "person"


def match_case(name: str, lex: Lexicon | None = None) -> bool:
    """Whether a confirmed name must be matched only as capitalised: every word of it is
    also an ordinary lower-case word ("Hope", "Bill", "Green Lane")."""
    lex = lex or lexicon()
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", name)]
    return bool(words) and all(lex.is_also_a_word(w[:1].upper() + w[1:]) for w in words)
