"""Several coders writing to one project at the same moment, each in its own process.

Used by ``test_team_writes.py`` (small numbers, in CI) and ``benchmarks/bench_team.py``
(10 coders x 200 codings). Each coder, started together behind a barrier:

* codes ``shared`` spans that every coder codes too, as themself and as the common
  coder ``team`` (the same excerpt x code x coder from every process: it must end up
  present once, not be refused and not be doubled);
* codes ``own`` spans nobody else touches;
* on ``contested`` spans, coders with an even number apply ``Impact/Leadership`` and keep
  it, while coders with an odd number apply ``Issues/Sustainability`` and remove it at
  once: removing the last coding of a span deletes the span's excerpt, which must never
  take another coder's fresh coding with it.

Every call's exception is counted, never swallowed silently: the caller asserts none.
"""
from __future__ import annotations

import multiprocessing
import time
import traceback
from dataclasses import dataclass

KEEP, TEMPORARY, MAIN = "Impact/Leadership", "Issues/Sustainability", "Impact/Confidence"


@dataclass(frozen=True)
class Plan:
    target: str
    source: str
    coders: int
    shared: list[tuple[int, int]]
    own: dict[int, list[tuple[int, int]]]
    contested: list[tuple[int, int]]


def make_plan(target: str, source: str, text_length: int, coders: int, per_coder: int) -> Plan:
    """Spans for each coder: half of their codings on spans everyone codes."""
    width = 10
    n_shared = per_coder // 4          # x2 codings each (as themself and as 'team')
    n_contested = max(2, per_coder // 10)
    n_own = per_coder - 2 * n_shared - n_contested
    spans = [(i * width, i * width + width - 1) for i in range(text_length // width)]
    needed = n_shared + n_contested + coders * n_own
    if needed > len(spans):
        raise ValueError(f"the text is too short for {needed} spans")
    shared, contested = spans[:n_shared], spans[n_shared:n_shared + n_contested]
    rest = spans[n_shared + n_contested:]
    own = {c: rest[c * n_own:(c + 1) * n_own] for c in range(coders)}
    return Plan(target, source, coders, shared, own, contested)


def coder_name(number: int) -> str:
    return f"coder{number:02d}"


def work(plan: Plan, number: int, barrier: object, results: object) -> None:
    """One coder's session (runs in its own process)."""
    from qualcode import Project

    errors: list[str] = []
    calls = 0
    timings: list[float] = []
    me = coder_name(number)
    project = Project.open(plan.target)

    def call(fn: object, *args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)  # type: ignore[operator]
        except Exception:  # noqa: BLE001 - every failure is reported to the test, not hidden
            errors.append(traceback.format_exc(limit=3))
            return None
        finally:
            timings.append(time.perf_counter() - began)

    barrier.wait()  # type: ignore[attr-defined]
    for i, (start, end) in enumerate(plan.shared):
        # every other coder takes the shared spans in reverse, so that they meet head on
        span = plan.shared[-1 - i] if number % 2 else (start, end)
        call(project.code, plan.source, MAIN, start=span[0], end=span[1], coder=me)
        call(project.code, plan.source, MAIN, start=span[0], end=span[1], coder="team")
    for start, end in plan.contested:
        if number % 2 == 0:
            call(project.code, plan.source, KEEP, start=start, end=end, coder=me)
        else:
            excerpt = call(project.code, plan.source, TEMPORARY, start=start, end=end, coder=me)
            if excerpt is not None:
                call(project.uncode, excerpt, TEMPORARY, coder=me)
    for start, end in plan.own[number]:
        call(project.code, plan.source, MAIN, start=start, end=end, coder=me)
    project.close()
    results.put((number, calls, errors, timings))  # type: ignore[attr-defined]


def run(plan: Plan, timeout: float = 600) -> list[tuple[int, int, list[str], list[float]]]:
    """Start every coder at once; their (number, calls, errors, timings), by number."""
    # fork: the children share the parent's imported modules (importing pandas and
    # spaCy four times over costs more than the test itself); the parent holds no open
    # connection at this point (its projects are closed)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(plan.coders)
    results = context.Queue()
    processes = [context.Process(target=work, args=(plan, n, barrier, results)) for n in range(plan.coders)]
    for p in processes:
        p.start()
    out = [results.get(timeout=timeout) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    return sorted(out, key=lambda r: r[0])


def expected_codings(plan: Plan) -> set[tuple[int, int, str, str]]:
    """(start, end, code, coder) of every coding that must be in the project afterwards."""
    want = set()
    for start, end in plan.shared:
        want.add((start, end, MAIN, "team"))
        want.update((start, end, MAIN, coder_name(n)) for n in range(plan.coders))
    for start, end in plan.contested:
        want.update((start, end, KEEP, coder_name(n)) for n in range(0, plan.coders, 2))
    for n, spans in plan.own.items():
        want.update((start, end, MAIN, coder_name(n)) for start, end in spans)
    return want
