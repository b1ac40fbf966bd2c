"""Find many names in a text fast, exactly as one longest-first alternation would.

Used by the anonymiser (confirmed names and every case name) and by name detection
(every candidate looked for everywhere); both can hold thousands of names.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from qualcode.trie import literal_trie

_FIRST_WORD = re.compile(r"\w+")
_WORD_CHARACTER = re.compile(r"\w")
#: the one character that is not a word character but case-folds to one (U+0345 -> "ι");
#: every other single-character folding keeps a character's \w-ness (checked in the tests)
_FOLDS_INTO_A_WORD = "\u0345"


def _first_word(alternative: str) -> str | None:
    """The casefolded first run of word characters of the name an alternative spells,
    or None when the name starts with something else (a bracket, a "+")."""
    body = alternative[4:-1] if alternative.startswith("(?i:") else alternative
    plain = re.sub(r"\\(.)", r"\1", body.split(r"\s+")[0])
    found = _FIRST_WORD.match(plain)
    return found.group().casefold() if found else None


class NameScanner:
    """Every name, longest first, as one ``(?<!\\w)(?:a|b|...)(?!\\w)`` alternation would
    find them, without trying every name at every position.

    Why: a project's case names go into the list too, and one alternation of 10,000 names
    costs each character of each text 10,000 tries (20 minutes for the words of a
    30,000-source study). A name that starts with a word character can only match where a
    run of word characters starts, and that run must be the name's own first run (the
    name is followed by a non-word character or ends there), so only the names with that
    first run are tried there, in the same longest-first order. Names that start with
    another character keep the plain alternation, scanned for alongside the word runs.
    """

    def __init__(self, ordered: Sequence[str], *, not_preceded_by: str = r"\w", not_followed_by: str = r"\w") -> None:
        self._by_word: dict[str, list[str]] = {}
        others: list[str] = []
        for alternative in ordered:
            word = _first_word(alternative)
            if word is None:
                others.append(alternative)
            else:
                self._by_word.setdefault(word, []).append(alternative)
        self._compiled: dict[str, re.Pattern[str]] = {}
        self._before, self._after = f"(?<!{not_preceded_by})", f"(?!{not_followed_by})"
        scan = r"\w+"
        if others:
            scan = "(?P<other>" + self._before + "(?:" + "|".join(others) + ")" + self._after + ")|" + scan
        self._scan = re.compile(scan)
        self._has_others = bool(others)
        # the runs of word characters that begin a name, found in the case-folded text in
        # one pass in C: a text without one (most texts) costs no Python per word
        # (the trie comes first: ``re`` then skips to the characters that can begin a
        # name in C; with a look-behind first it would stop at every character)
        self._name_runs = (re.compile(literal_trie(self._by_word) + r"(?!\w)")
                           if self._by_word and not others else None)

    def _names_starting(self, word: str) -> re.Pattern[str] | None:
        compiled = self._compiled.get(word)
        if compiled is None:
            names = self._by_word.get(word)
            if names is None:
                return None
            compiled = self._compiled[word] = re.compile(
                self._before + "(?:" + "|".join(names) + ")" + self._after)
        return compiled

    def _may_hold_a_name(self, text: str) -> bool:
        """False when no word of ``text`` begins a name: most texts hold none, and one
        pass in C over the folded text is far cheaper than visiting each word in Python.
        A text whose folding changes its length (a "ß") is always scanned."""
        if self._has_others:
            return True
        folded = text.casefold()
        if len(folded) != len(text):
            return True
        return not self._by_word.keys().isdisjoint(_FIRST_WORD.findall(folded))

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self._name_runs is not None:
            folded = text.casefold()
            if len(folded) == len(text) and _FOLDS_INTO_A_WORD not in text:
                yield from self._finditer_folded(text, folded)
                return
        elif not self._may_hold_a_name(text):
            return
        yield from self._finditer_runs(text)

    def _finditer_folded(self, text: str, folded: str) -> Iterator[re.Match[str]]:
        """:meth:`_finditer_runs` visiting only the runs that begin a name. When folding
        keeps every character one character (and its \\w-ness, U+0345 aside), the folded
        text's runs are the text's own at the same offsets, each folded: those whose
        folding begins a name are where ``_name_runs`` matches after a non-word character."""
        assert self._name_runs is not None
        search, word_character = self._name_runs.search, _WORD_CHARACTER.match
        position = 0
        while True:
            run = search(folded, position)
            if run is None:
                return
            start = run.start()
            if start and word_character(folded, start - 1):
                position = start + 1  # inside a run: not where a name can begin
                continue
            names = self._names_starting(run.group())
            found = names.match(text, start) if names is not None else None
            if found is not None:
                yield found
                position = found.end()
            else:
                position = run.end()

    def _finditer_runs(self, text: str) -> Iterator[re.Match[str]]:
        """Every run of word characters (and name starting with another character) in
        turn: the names starting with the run are tried there, longest first."""
        position = 0
        while True:
            run = self._scan.search(text, position)
            if run is None:
                return
            start, end = run.span()
            if self._has_others and run.lastgroup == "other":
                yield run  # a name that starts with another character
                position = end if end > start else end + 1
                continue
            names = self._names_starting(run.group().casefold())
            found = names.match(text, start) if names is not None else None
            if found is not None:
                yield found
                position = found.end()
            else:
                position = end

    def sub(self, replacement: Any, text: str) -> str:
        pieces: list[str] = []
        position = 0
        for match in self.finditer(text):
            pieces.append(text[position:match.start()])
            pieces.append(replacement(match) if callable(replacement) else replacement)
            position = match.end()
        if not pieces:
            return text
        pieces.append(text[position:])
        return "".join(pieces)


