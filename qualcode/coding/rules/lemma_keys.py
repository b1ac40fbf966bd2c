"""Matching keys for codebook keywords: the lemma of the lower-cased word, followed to its root.

Why not ``token.lemma_.lower()``: the lookup lemmatizer looks the word up *as written*,
so "Mentors" at the start of a sentence keeps the lemma "Mentors" and would not match the
keyword "mentor". Here the word is lower-cased first. And the lookup table is a flat list
of pairs with chains in it ("meetings" -> "meeting", "meeting" -> "meet"), so one lookup
would give "board meetings" and "board meeting" different keys; the key follows the
table until the word no longer changes, so both become "board meet".

The table is the same ``lemma_lookup`` table that ``qualcode.nlp.get_nlp()``'s lemmatizer
uses (spacy-lookups-data); it is read as strings because the pipeline keeps only hashes,
and the rule scanner needs the reverse direction too: every surface form of a key.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.language import Language

from qualcode.nlp import lemma_lookup

@dataclass(frozen=True)
class KeyTable:
    """Lower-cased word -> key, and key -> every lower-cased word with that key."""

    roots: dict[str, str]
    inverse: dict[str, frozenset[str]] = field(default_factory=dict)

    def key(self, lower: str) -> str:
        """The key of an already lower-cased word (itself when the table does not know it)."""
        return self.roots.get(lower, lower)

    def forms(self, key: str) -> frozenset[str]:
        """Every lower-cased word whose key is ``key`` (``key`` itself included when it is its own key)."""
        found = self.inverse.get(key, frozenset())
        if self.roots.get(key, key) == key:
            found = found | {key}
        return found


def build_key_table(table: dict[str, str]) -> KeyTable:
    """Keys from a word -> lemma table (case folded; chains followed; cycles cut)."""
    lower: dict[str, str] = {}
    for word, lemma in table.items():
        folded = word.lower()
        if folded != word and folded in table:
            continue  # the lower-case entry wins ("Messrs" vs "messrs")
        lower[folded] = str(lemma).lower()
    roots: dict[str, str] = {}
    for word in lower:
        roots[word] = _root(word, lower)
    inverse: dict[str, set[str]] = defaultdict(set)
    for word, root in roots.items():
        inverse[root].add(word)
    return KeyTable(roots, {k: frozenset(v) for k, v in inverse.items()})


def _root(word: str, table: dict[str, str]) -> str:
    path = [word]
    while True:
        nxt = table.get(word, word)
        if nxt == word:
            return word
        if nxt in path:  # a cycle: every member gets the same key, the smallest member
            return min(path[path.index(nxt):])
        path.append(nxt)
        word = nxt


@lru_cache(maxsize=4)
def key_table(lang: str = "en") -> KeyTable:
    """The key table for a language's lookup lemmatizer (empty when none is installed)."""
    return build_key_table(lemma_lookup(lang))


def key_table_for(nlp: Language) -> KeyTable:
    """The key table matching ``nlp``'s language (lookup lemmas; see the module docstring)."""
    return key_table(nlp.lang)
