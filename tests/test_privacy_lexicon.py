"""The privacy lexicon's cache file (issue 20, scale): the word facts are stored packed
(sorted words, three arrays) so that every command that looks names up loads them in a
fraction of the time; the facts found must be those of the table it was made from."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from qualcode.privacy import lexicon as lex

TABLE = {"Sarah": (2.93, -11.97, lex.GIVEN), "Hope": (-1.84, -10.07, lex.SURNAME),
         "London": (3.1, -9.5, lex.PLACE), "Oakfield": (10.0, -19.25, 0), "O'Neill": (4.5, -15.0, lex.SURNAME)}


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lex.lexicon.cache_clear()
    yield tmp_path / "qualcode"
    lex.lexicon.cache_clear()


def test_packed_table_finds_what_the_table_holds_and_nothing_else() -> None:
    packed = lex.PackedTable.from_stored(lex.PackedTable.from_table(TABLE).stored())
    assert packed is not None and len(packed) == len(TABLE)
    for word, facts in TABLE.items():
        assert packed.get(word) == facts and word in packed
    for absent in ("sarah", "Sara", "Sarahs", "", "Zz", "A"):
        assert packed.get(absent) is None and absent not in packed
    found = lex.Lexicon(packed)
    assert found.is_given_name("Sarah") and found.is_surname("Hope") and found.is_place("London")
    assert found.is_ordinary("Hope") and not found.is_ordinary("Sarah")
    assert found.lower_probability("Sarah") == pytest.approx(-11.97 - 2.93)


def test_an_earlier_cache_is_converted_without_reading_the_tables(cache_home: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cache_home.mkdir(parents=True)
    with (cache_home / "privacy-lexicon-v2.pickle").open("wb") as handle:
        pickle.dump(TABLE, handle)
    monkeypatch.setattr(lex, "_data_dir", lambda: pytest.fail("the word tables were read again"))
    found = lex.lexicon()
    assert found.facts("Sarah") == lex.WordFacts(2.93, -11.97, True, False)
    assert (cache_home / f"privacy-lexicon-v{lex.CACHE_VERSION}.pickle").exists()
    lex.lexicon.cache_clear()
    assert lex.lexicon().is_known("Oakfield")  # from the packed file this time


def test_a_damaged_cache_is_built_again(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_home.mkdir(parents=True)
    (cache_home / f"privacy-lexicon-v{lex.CACHE_VERSION}.pickle").write_bytes(b"\x80\x05not a pickle")
    monkeypatch.setattr(lex, "_data_dir", lambda: Path("/nowhere"))
    monkeypatch.setattr(lex, "build_table", lambda _: dict(TABLE))
    assert lex.lexicon().is_given_name("Sarah")
