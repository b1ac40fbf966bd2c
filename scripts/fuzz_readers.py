"""Fuzz every reader and importer for longer than CI does, and tally what breaks.

    python scripts/fuzz_readers.py                 # 300 mutated inputs per reader
    python scripts/fuzz_readers.py -n 5000 docx pdf
    python scripts/fuzz_readers.py -n 100000 --seconds 30 --keep /tmp/fuzz   # 30 s per reader
    python scripts/fuzz_readers.py --hypothesis -n 2000   # the CI harness with more examples

Each input is a seed file (tests/fuzz_targets.py) with 1-4 random mutations; the
reader must return a result or raise a ``QualcodeError``. Anything else is counted by
exception type and the first input of each kind is kept under ``--keep`` so it can
become a test. An input that takes longer than ``--slow`` seconds is reported too, and
one still running after ``--hang`` seconds is stopped and counted as a hang.
``--seconds`` bounds the time spent on each reader (whichever of ``-n`` and it comes first).
``--hypothesis`` instead runs tests/test_fuzz_readers.py with
``QUALCODE_FUZZ_EXAMPLES`` examples per reader (hypothesis shrinks what it finds).
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def random_ops(rng: random.Random) -> list[tuple[str, int, int, int]]:
    from fuzz_targets import OPS

    return [(rng.choice(OPS), rng.randrange(1 << 20), rng.randrange(64), rng.randrange(1 << 8))
            for _ in range(rng.randint(1, 4))]


class Hang(BaseException):
    """Raised by the alarm in an input that runs past ``--hang`` (not an ``Exception``,
    so no reader's ``except Exception`` can swallow it)."""


def _alarm(signum, frame):  # noqa: ANN001 - signal handler signature
    raise Hang()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="reader names (default: all)")
    parser.add_argument("-n", type=int, default=300, help="inputs per reader")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow", type=float, default=10.0, help="report inputs slower than this (s)")
    parser.add_argument("--hang", type=float, default=120.0, help="stop an input after this long and count a hang (s)")
    parser.add_argument("--seconds", type=float, default=None, help="time budget per reader (s)")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the first input of each failure")
    parser.add_argument("--hypothesis", action="store_true", help="run the pytest harness with -n examples")
    args = parser.parse_args()
    if args.hypothesis:
        env = dict(os.environ, QUALCODE_FUZZ_EXAMPLES=str(args.n), PYTHONPATH=str(ROOT))
        selection = ["-k", " or ".join(args.targets)] if args.targets else []
        return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                str(ROOT / "tests" / "test_fuzz_readers.py"), *selection], env=env)

    from fuzz_targets import TARGETS, make_input

    from qualcode.errors import QualcodeError

    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets or t.name.split()[0] in args.targets]
    rng = random.Random(args.seed)
    bad_total = 0
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for target in chosen:
            seed = target.seed(scratch)
            tally: collections.Counter[str] = collections.Counter()
            first: dict[str, str] = {}
            slow = 0
            started = time.perf_counter()
            done = 0
            for i in range(args.n):
                if args.seconds is not None and time.perf_counter() - started > args.seconds:
                    break
                done += 1
                ops = random_ops(rng)
                inner = (target.zipped or target.sqlite) and rng.random() < 0.7
                edits = [(rng.randrange(100), rng.randrange(10), rng.randrange(100)) for _ in range(rng.randint(1, 3))]
                folder = scratch / f"{target.name.replace(' ', '_')}-{i}"
                path = make_input(target, seed, folder, ops, inner, rng.randrange(16), edits if target.sqlite else [])
                t0 = time.perf_counter()
                key = None
                signal.setitimer(signal.ITIMER_REAL, args.hang)
                try:
                    target.call(path, scratch)
                    tally["ok"] += 1
                except QualcodeError as exc:
                    tally["QualcodeError"] += 1
                    if "\n" in str(exc) or not str(exc):
                        key, message = "QualcodeError not on one line", repr(str(exc))
                except Hang:
                    key, message = f"hang (over {args.hang:g} s)", ""
                except Exception as exc:  # noqa: BLE001 - the point is to count them
                    where = traceback.extract_tb(exc.__traceback__)[-1]
                    key, message = f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}", f"{exc}"[:200]
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if key is not None:
                    tally[key] += 1
                    if key not in first:
                        first[key] = message
                        if args.keep:
                            args.keep.mkdir(parents=True, exist_ok=True)
                            keep = args.keep / f"{target.name.replace(' ', '_')}-{i}{path.suffix or '.qda'}"
                            (shutil.copytree if path.is_dir() else shutil.copyfile)(path, keep)
                if time.perf_counter() - t0 > args.slow:
                    slow += 1
                shutil.rmtree(folder, ignore_errors=True)
            bad = sum(n for k, n in tally.items() if k not in ("ok", "QualcodeError"))
            bad_total += bad
            print(f"{target.name}: {done} inputs in {time.perf_counter() - started:.1f} s: "
                  f"{tally['ok']} read, {tally['QualcodeError']} refused, {bad} other exceptions, {slow} slow")
            for key, n in tally.most_common():
                if key not in ("ok", "QualcodeError"):
                    print(f"    {n:5d}  {key}: {first[key]}")
            sys.stdout.flush()
    return 1 if bad_total else 0


if __name__ == "__main__":
    sys.exit(main())
