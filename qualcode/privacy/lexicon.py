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
file (``$XDG_CACHE_HOME/qualcode``) after the first use.
"""
from __future__ import annotations

import gzip
import json
import os
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CACHE_VERSION = 2
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


class Lexicon:
    """Lookups over the compact table: ``facts("Sarah")``, ``is_ordinary("Trust")``..."""

    def __init__(self, table: dict[str, tuple[float, float, int]]) -> None:
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


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode" / f"privacy-lexicon-v{CACHE_VERSION}.pickle"


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


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The English lexicon (cached in memory and on disk); empty when the tables are missing."""
    cache = _cache_file()
    if cache.exists():
        try:
            with cache.open("rb") as handle:
                stored = pickle.load(handle)
            if isinstance(stored, dict):
                return Lexicon(stored)
        except (OSError, pickle.UnpicklingError, EOFError):
            pass  # a damaged cache is rebuilt below
    data_dir = _data_dir()
    if data_dir is None:
        return Lexicon({})
    table = build_table(data_dir)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(table, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
    except OSError:
        pass  # a read-only home: the table is rebuilt next time, nothing else is lost
    return Lexicon(table)
