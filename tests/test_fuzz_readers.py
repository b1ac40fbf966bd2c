"""Property: every reader and importer, given a mutated file, returns a result or raises a
``QualcodeError`` with a one-line message -- never another exception (issue 20).

Seeds and mutations are in ``fuzz_targets.py``. CI runs ``QUALCODE_FUZZ_EXAMPLES``
examples per reader (default 25, a few seconds each); ``scripts/fuzz_readers.py``
runs many more. Hypothesis shrinks a failure to the few mutations that cause it and
prints them, so it can be turned into a named test below.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_targets import OPS, QUALCODER_CELLS, SQL_VALUES, TARGETS, TOKENS, make_input
from qualcode.errors import QualcodeError

EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "25"))
#: Seconds one mutated input may take before it counts as a hang (a real read of these
#: small seeds takes well under a second; the bound keeps CI from waiting for ever).
HANG_SECONDS = int(os.environ.get("QUALCODE_FUZZ_HANG_SECONDS", "60"))


class ReaderHung(BaseException):
    """Raised in the reader by the alarm; a BaseException, so no ``except Exception``
    inside a reader can swallow it."""


@contextlib.contextmanager
def hang_alarm(name: str) -> Iterator[None]:
    """Fail (rather than wait) when one input keeps a reader busy past ``HANG_SECONDS``."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def ring(signum, frame):  # noqa: ANN001 - a signal handler's signature
        raise ReaderHung(f"{name}: one input took more than {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

operations = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 1 << 20), st.integers(0, 64), st.integers(0, len(TOKENS) - 1)),
    min_size=1, max_size=4,
)
edits = st.lists(st.tuples(st.integers(0, len(QUALCODER_CELLS) - 1), st.integers(0, 9), st.integers(0, len(SQL_VALUES) - 1)),
                 min_size=1, max_size=3)

_SEEDS: dict[str, bytes] = {}


def _seed(target) -> bytes:
    if target.name not in _SEEDS:
        with tempfile.TemporaryDirectory() as tmp:
            _SEEDS[target.name] = target.seed(Path(tmp))
    return _SEEDS[target.name]


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=operations, inner=st.booleans(), member=st.integers(0, 15), cells=edits)
def test_mutated_input_gives_a_result_or_a_one_line_error(target, ops, inner, member, cells) -> None:
    seed = _seed(target)
    scratch = Path(tempfile.mkdtemp(prefix="qc-fuzz-"))
    try:
        path = make_input(target, seed, scratch / "in", ops, inner, member, cells)
        try:
            with hang_alarm(target.name):
                target.call(path, scratch)
        except QualcodeError as error:
            message = str(error)
            assert message and "\n" not in message, f"{target.name}: error is not one line: {message!r}"
        except ReaderHung as hung:
            pytest.fail(str(hung))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_the_unmutated_seed_is_read(target, tmp_path: Path) -> None:
    """The harness would prove nothing if its seeds were already refused."""
    unchanged = [("delete", 0, 0, 0)]  # deletes nothing: the seed as written
    path = make_input(target, _seed(target), tmp_path / "in", unchanged, False, 0, [])
    assert target.call(path, tmp_path) is not None


# ------------------------------------------------------------ what the fuzzing found
#
# Inputs that once made a reader raise something other than a QualcodeError (or a
# QualcodeError on more than one line), kept as files: ``<target>__<what>.<suffix>``,
# the target's name with ``_`` for spaces. ``scripts/fuzz_readers.py --keep DIR`` writes
# the first input of each new failure; copy it here under a name that says what it was.

FOUND = Path(__file__).resolve().parent / "data" / "fuzz_found"
FOUND_FILES = sorted(p for p in FOUND.iterdir() if "__" in p.name) if FOUND.is_dir() else []


@pytest.mark.parametrize("path", FOUND_FILES, ids=[p.name for p in FOUND_FILES])
def test_an_input_the_fuzzing_found_gives_a_result_or_a_one_line_error(path: Path, tmp_path: Path) -> None:
    from fuzz_targets import BY_NAME

    target = BY_NAME[path.name.split("__")[0].replace("_", " ")]
    if target.sqlite:  # a QualCoder project is a folder holding data.qda
        folder = tmp_path / "study.qda"
        folder.mkdir()
        shutil.copyfile(path, folder / "data.qda")
        given_path = folder
    else:
        given_path = tmp_path / f"input{target.suffix}"
        shutil.copyfile(path, given_path)
    try:
        target.call(given_path, tmp_path)
    except QualcodeError as error:
        message = str(error)
        assert message and "\n" not in message, message
        assert given_path.name in message or given_path.parent.name in message, message  # names the file


def test_ci_runs_this_harness_through_the_readmes_test_command() -> None:
    """Issue 20's "the fuzz harness runs in CI": .ci/run ends with the README's test
    command, and that command (plain ``python -m pytest``) collects this file."""
    import configparser

    root = Path(__file__).resolve().parents[1]
    readme_command = next(line.strip() for line in (root / "README.md").read_text(encoding="utf-8").splitlines()
                          if "python -m pytest" in line and line.strip().startswith("pip install"))
    ci_lines = [line.strip() for line in (root / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert ci_lines[-1] == readme_command
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    options = config["tool:pytest"]
    assert options["testpaths"].split() == ["tests"] and Path(__file__).parent == root / "tests"
    addopts = options.get("addopts", "")
    assert not any(flag in addopts for flag in ("--ignore", "--deselect", " -k", " -m")), addopts
    assert EXAMPLES >= 1
