"""What the word tables we already ship say about a capitalised word.

spacy-lookups-data (a core dependency) carries two English tables built from a large
web corpus: ``lexeme_prob`` (log probability of each *cased* form) and
``lexeme_cluster`` (Brown clusters). Together they answer the questions detection asks:

- **Is it an ordinary English word?** Compare the capitalised form's probability with
  the lower-case form's: "Sarah" is 2.9 (log units) more common than "sarah", "Hope" 1.8
  *less* common than "hope", "Oakfield" has no lower-case form worth the name.
- **Is it a given name?** Brown clusters group words used alike; two clusters hold
  English given names (Paul, Sarah, Margaret, Bill...; John, David, Colin...).
- **Is it a place?** Two clusters hold cities and regions (London, Paris; Florida, Seattle).

Reading the two 1-million-entry tables takes about 6 seconds and 350 MB, so the few
facts needed (one number and a flag per capitalised word) are kept in a small cache
file (``$XDG_CACHE_HOME/qualcode``) after the first use. The file holds the 380,000
words sorted, as one string, and their numbers as three packed arrays: reading it makes
no Python object per word's facts (a pickled dict of tuples took half a second to load
in every command that looks names up, the demo's and every report's included), and a
word is found by binary search.
"""
from __future__ import annotations

import gzip
import json
import os
import pickle
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CACHE_VERSION = 3
#: Brown clusters of the English tables whose members are mostly given names / places
GIVEN_NAME_CLUSTERS = frozenset({1014, 502})
PLACE_CLUSTERS = frozenset({166, 678})
#: a cluster of surnames and names that are also words (Smith, Graham, Hope, Rose, Grace)
SURNAME_CLUSTERS = frozenset({86})
#: log probability given to a form the table does not list (below its rarest entry)
UNSEEN = -25.0

GIVEN, PLACE, SURNAME = 1, 2, 4


@dataclass(frozen=True)
class WordFacts:
    """What is known of one capitalised form."""

    capital_ratio: float  # log P("Word") - log P("word"): > 0 when mostly written capitalised
    probability: float  # log P("Word")
    given_name: bool
    place: bool


class PackedTable:
    """The compact table (word -> capital ratio, probability, flags) as a sorted list of
    words and three arrays in the same order: what the cache file stores."""

    def __init__(self, words: list[str], ratio: array, prob: array, flags: array) -> None:
        self._words, self._ratio, self._prob, self._flags = words, ratio, prob, flags

    @classmethod
    def from_table(cls, table: Mapping[str, tuple[float, float, int]]) -> "PackedTable":
        words = sorted(table)
        return cls(words, array("d", (table[w][0] for w in words)), array("d", (table[w][1] for w in words)),
                   array("B", (table[w][2] for w in words)))

    def stored(self) -> tuple[str, str, bytes, bytes, bytes]:
        """What the cache file holds (see :meth:`from_stored`)."""
        return "packed", "\n".join(self._words), self._ratio.tobytes(), self._prob.tobytes(), self._flags.tobytes()

    @classmethod
    def from_stored(cls, stored: object) -> "PackedTable | None":
        """The table of :meth:`stored`'s tuple, or None if it is something else."""
        if not (isinstance(stored, tuple) and len(stored) == 5 and stored[0] == "packed"):
            return None
        _, joined, ratio_bytes, prob_bytes, flag_bytes = stored
        words = joined.split("\n") if joined else []
        ratio, prob, flags = array("d"), array("d"), array("B")
        ratio.frombytes(ratio_bytes)
        prob.frombytes(prob_bytes)
        flags.frombytes(flag_bytes)
        if not len(words) == len(ratio) == len(prob) == len(flags):
            return None
        return cls(words, ratio, prob, flags)

    def get(self, word: str) -> tuple[float, float, int] | None:
        at = bisect_left(self._words, word)
        if at < len(self._words) and self._words[at] == word:
            return self._ratio[at], self._prob[at], self._flags[at]
        return None

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __len__(self) -> int:
        return len(self._words)


class Lexicon:
    """Lookups over the compact table: ``facts("Sarah")``, ``is_ordinary("Trust")``..."""

    def __init__(self, table: "Mapping[str, tuple[float, float, int]] | PackedTable") -> None:
        self._table = table

    def facts(self, word: str) -> WordFacts | None:
        """Facts of a capitalised or upper-case form, or None if the tables never saw it."""
        entry = self._table.get(word)
        if entry is None:
            return None
        ratio, prob, flags = entry
        return WordFacts(ratio, prob, bool(flags & GIVEN), bool(flags & PLACE))

    def is_known(self, word: str) -> bool:
        return word in self._table

    def capital_ratio(self, word: str) -> float:
        """How much more often the form is written capitalised than lower-case (log units);
        a form never seen counts as always capitalised."""
        entry = self._table.get(word)
        return 10.0 if entry is None else entry[0]

    def is_ordinary(self, word: str, margin: float = 0.0) -> bool:
        """True when the lower-case form is the usual one ("Trust", "Hope", "When")."""
        entry = self._table.get(word)
        return entry is not None and entry[0] < -margin

    def is_given_name(self, word: str) -> bool:
        entry = self._table.get(word)
        return entry is not None and bool(entry[2] & GIVEN)

    def is_surname(self, word: str) -> bool:
        entry = self._table.get(word)
        return entry is not None and bool(entry[2] & SURNAME)

    def is_place(self, word: str) -> bool:
        entry = self._table.get(word)
        return entry is not None and bool(entry[2] & PLACE)

    def lower_probability(self, word: str) -> float:
        """log P of the lower-case form ("rose" for "Rose")."""
        entry = self._table.get(word)
        return UNSEEN if entry is None else entry[1] - entry[0]

    def is_also_a_word(self, word: str, threshold: float = -13.5) -> bool:
        """True when the lower-case form is a word people use ("hope", "bill", "rose",
        "mark"): a name like that is matched only when written with a capital."""
        return self.lower_probability(word) > threshold

    def probability(self, word: str) -> float:
        entry = self._table.get(word)
        return UNSEEN if entry is None else entry[1]


def _data_dir() -> Path | None:
    try:
        import spacy_lookups_data
    except ImportError:
        return None
    folder = Path(spacy_lookups_data.__file__).parent / "data"
    return folder if (folder / "en_lexeme_prob.json.gz").exists() else None


def _cache_file(version: int = CACHE_VERSION) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode" / f"privacy-lexicon-v{version}.pickle"


def build_table(data_dir: Path) -> dict[str, tuple[float, float, int]]:
    """The compact table from the two shipped tables: capitalised and upper-case
    alphabetic forms only."""
    with gzip.open(data_dir / "en_lexeme_prob.json.gz", "rt", encoding="utf-8") as handle:
        prob: dict[str, float] = json.load(handle)
    clusters: dict[str, int] = {}
    cluster_file = data_dir / "en_lexeme_cluster.json.gz"
    if cluster_file.exists():
        with gzip.open(cluster_file, "rt", encoding="utf-8") as handle:
            clusters = json.load(handle)
    table: dict[str, tuple[float, float, int]] = {}
    for word, p in prob.items():
        if not word[:1].isupper() or not word.replace("'", "").replace("-", "").isalpha():
            continue
        lower = prob.get(word.lower(), UNSEEN)
        cluster = clusters.get(word, 0)
        flags = ((GIVEN if cluster in GIVEN_NAME_CLUSTERS else 0) | (PLACE if cluster in PLACE_CLUSTERS else 0)
                 | (SURNAME if cluster in SURNAME_CLUSTERS else 0))
        table[word] = (round(p - lower, 2), round(p, 2), flags)
    return table


def _read_cache(path: Path) -> object:
    """What a cache file holds, or None when it is missing or damaged."""
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return None  # a damaged cache is rebuilt


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The English lexicon (cached in memory and on disk); empty when the tables are missing."""
    cache = _cache_file()
    packed = PackedTable.from_stored(_read_cache(cache))
    if packed is not None:
        return Lexicon(packed)
    earlier = _read_cache(_cache_file(2))  # the same facts as a dict: no need to read the tables again
    if isinstance(earlier, dict) and earlier:
        table = earlier
    else:
        data_dir = _data_dir()
        if data_dir is None:
            return Lexicon({})
        table = build_table(data_dir)
    packed = PackedTable.from_table(table)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(packed.stored(), handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
    except OSError:
        pass  # a read-only home: the table is rebuilt next time, nothing else is lost
    return Lexicon(packed)
