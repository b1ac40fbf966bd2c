"""Names are found exactly where one longest-first alternation finds them, however many.

The reference is the plain ``re`` alternation the anonymiser and name detection used
before (correct, but 10,000 case names made it try every name at every character); the
scanner must give the same matches on random text with awkward names: possessives,
apostrophes, brackets, "+44", accents, the Kelvin sign and long s that case-insensitive
matching folds, names that are prefixes of other names, case-sensitive variants.
"""
from __future__ import annotations

import random
import re

import pytest

from qualcode.privacy.anonymiser import Anonymiser
from qualcode.privacy.name_scan import NameScanner

WORDS = ["Anna", "anna", "ANNA", "Smith", "O'Brien", "Hope", "hope", "Street", "Riverside", "Carers",
         "Centre", "St.", "Mary's", "Jo", "José", "straße", "Strasse", "[Org]", "+44", "-x", "_y",
         "Bill", "Sarah's", "the", "x1", "Élodie", "ÉLODIE", "\u212a", "ſam", "Sam", "@jo", "jo.uk"]
SEPARATORS = [" ", "  ", "\n", ", ", ". ", "'s ", "-", "(", ")", "\t", "@", "."]


def _alternative(name: str, ignore_case: bool) -> str:
    body = r"\s+".join(re.escape(w) for w in name.split())
    return f"(?i:{body})" if ignore_case else body


@pytest.mark.parametrize("before, after", [(r"\w", r"\w"), (r"[\w@.]", r"[\w@]|\.\w")])
def test_the_scanner_finds_what_one_alternation_finds(before: str, after: str) -> None:
    rng = random.Random(20261207)
    for _ in range(600):
        names = {_alternative(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))), rng.random() < 0.6)
                 for _ in range(rng.randint(1, 8))}
        ordered = sorted(names, key=lambda a: len(a.replace("(?i:", "")), reverse=True)
        reference = re.compile(f"(?<!{before})(?:" + "|".join(ordered) + f")(?!{after})")
        scanner = NameScanner(ordered, not_preceded_by=before, not_followed_by=after)
        for _ in range(5):
            text = "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 30)))
            assert [m.span() for m in scanner.finditer(text)] == [m.span() for m in reference.finditer(text)], text


def test_ten_thousand_case_names_are_blanked_like_a_few() -> None:
    names = [f"Case{i:05d} Person" for i in range(10_000)] + ["Anna Smith"]
    anonymiser = Anonymiser([], names)
    text = "Anna Smith met case00042 person and Case10000 Person; Case00042 Personal stays."
    assert anonymiser.remove(text) == "  met   and Case10000 Person; Case00042 Personal stays."
    assert anonymiser.text(text).count("[name]") == 2
