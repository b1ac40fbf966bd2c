"""Many literal alternatives as one fast regular expression: a trie.

``re`` tries the alternatives of ``a|b|c|...`` one after another at every position, so a
pattern of thousands of names or hundreds of special cases costs each character of a
text thousands of tries. Written as a trie (``(?:a(?:b|c)|d)``), each branch fails at
its first character and a text is scanned in one pass in C.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["trie_pattern", "literal_trie"]


def trie_pattern(alternatives: Iterable[Sequence[str]]) -> str:
    """A regular expression matching any of ``alternatives``, each a sequence of regex
    atoms (an escaped character, or a fragment such as ``" ?"``) matched one after the
    other. Same matches as the alternation of the joined atoms, up to which alternative
    wins at a position (callers ask only where a match starts or test each one)."""
    root: dict[str, Any] = {}
    for atoms in alternatives:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [atom + render(child) for atom, child in sorted(node.items()) if atom]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # an alternative ends here: what follows is optional
            return f"(?:{body})?"
        return body

    if not root:
        return "(?!)"
    return render(root)


def literal_trie(words: Iterable[str]) -> str:
    """:func:`trie_pattern` of plain strings, matched character for character."""
    return trie_pattern([re.escape(ch) for ch in word] for word in words)
