"""Coding workspace benchmarks (issue 19), end to end as a user runs them.

    python benchmarks/bench_web.py [--repeats 5] [--coders 10] [--per-coder 200] [--pg URL]

1. ``qualcode serve`` is started as a command; Debian's Chromium opens it; a 20,000-word
   transcript carrying 500 codings is clicked in the sources list, and the page's own
   Performance API measure ``qc-open-source`` (click handler -> text, turns, 500 stripes
   and codebook counts drawn) is read, plus the time to the next painted frame. Target
   <= 1 s. Repeated, switching to another source in between.
2. Applying a code at the server: ``POST /api/apply`` timed from the client (HTTP round
   trip included), interleaved with the baseline a user had before, ``qualcode code
   SOURCE CODE --start --end`` as a command. Target <= 100 ms.
3. A team: ``--coders`` processes x ``--per-coder`` codings, half on spans every coder
   codes, on SQLite and (with ``--pg`` or QUALCODE_TEST_PG_URL) PostgreSQL: errors, lost
   codings, doubled codings (targets: 0, 0, 0), wall time, median call.

Prints a Markdown block for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import browser  # noqa: E402  (tests/browser.py: Chromium and a free port)
import team_coding  # noqa: E402
from qualcode import Project  # noqa: E402

SENTENCES = [
    "The board asked for a reserves policy and I had no idea where to start.",
    "My mentor made me write down the three things only I could do, and hand the rest over.",
    "We lost the council contract in the spring and had to let two people go.",
    "I stopped lying awake at night going over every decision.",
    "The trustees are lovely but they were never challenging me on the strategy.",
    "Working with the other carers' centres on a joint bid was new for us.",
    "Honestly the funding picture is worse than it was a year ago.",
    "I feel much more confident speaking to commissioners now.",
    "Our chair and I meet every fortnight, which we never did before.",
    "Staff turnover is still a worry, especially on the helpline.",
    "The away day was the first time we talked about a three-year plan.",
    "She helped me see that delegating is not the same as dumping things on people.",
]


def long_transcript(words: int, seed: int = 7) -> str:
    """An interview of about ``words`` words, Interviewer/CEO turns."""
    rng = random.Random(seed)
    parts, count, turn = ["Interview with CEO-90, wave 1, by video call\n"], 0, 0
    while count < words:
        if turn % 2 == 0:
            said = rng.choice(["Can you say more about that?", "What changed after that?",
                               "How did the board respond?", "And how are you now?"])
            parts.append(f"Interviewer: {said}\n")
        else:
            said = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(3, 9)))
            parts.append(f"CEO-90: {said}\n")
        count += len(said.split())
        turn += 1
    return "\n".join(parts)


def build_project(folder: Path, n_words: int, n_codings: int) -> tuple[str, str]:
    """The demo codebook, the long transcript with ``n_codings`` codings by three coders,
    and one short source to switch to. Returns the project path and the long source."""
    target = str(folder / "bench.qcproj")
    (folder / "CEO-90 wave 1.txt").write_text(long_transcript(n_words), encoding="utf-8")
    (folder / "CEO-91 wave 1.txt").write_text("Interviewer: Hello?\n\nCEO-91: Hello, yes.\n", encoding="utf-8")
    project = Project.create(target, title="Workspace benchmark")
    project.ingest(folder / "CEO-90 wave 1.txt", folder / "CEO-91 wave 1.txt", progress=False)
    project.import_codebook(REPO / "codebooks" / "mentoring-impact.yaml")
    text = project.source_text("CEO-90 wave 1")
    codes = project.codes()["path"].tolist()
    rng = random.Random(3)
    sentence_starts = [i for i in range(len(text)) if i == 0 or text[i - 2:i] == ". "]
    made = 0
    while made < n_codings:
        start = rng.choice(sentence_starts)
        end = text.find(".", start + 10) + 1
        if end <= start:
            continue
        project.code("CEO-90 wave 1", rng.choice(codes), start=start, end=end, coder=rng.choice(["anna", "ben", "cara"]))
        made = len(project.applications())
    words = len(text.split())
    project.close()
    print(f"transcript: {words} words, {len(text)} characters, {n_codings} codings", file=sys.stderr)
    return target, "CEO-90 wave 1"


def start_server(target: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "qualcode", "serve", "-p", target, "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    import httpx

    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("qualcode serve did not answer")


def open_times(url: str, source: str, repeats: int, n_codings: int) -> list[tuple[float, float, float]]:
    """(Performance API measure, click -> next painted frame, of which the server's answer)
    in ms, per repeat."""
    driver = browser.chromium()
    out = []
    try:
        driver.get(url)
        driver.execute_script("localStorage.setItem('qualcode.coder', 'bench')")
        driver.get(url)
        for i in range(repeats + 1):
            other = "CEO-91 wave 1"
            browser_wait(driver, f"return document.querySelector(\".qc-source[data-source='{other}']\")")
            driver.find_element("css selector", f".qc-source[data-source='{other}']").click()
            browser_wait(driver, f"return document.querySelector('.qc-doc-title').textContent === '{other}'")
            driver.execute_script("performance.clearMeasures(); window.__painted = null;"
                                  "document.addEventListener('click', () => { window.__clicked = performance.now(); },"
                                  " {capture: true, once: true});")
            driver.find_element("css selector", f".qc-source[data-source='{source}']").click()
            measure = browser_wait(driver, """
                const m = performance.getEntriesByName('qc-open-source');
                if (!m.length || document.querySelectorAll('.qc-stripe').length < N_CODINGS) return null;
                if (window.__painted === null) {
                  window.__painted = 0;
                  requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now(); }, 0));
                }
                const f = performance.getEntriesByName('qc-open-source-fetch');
                return window.__painted ? [m[m.length - 1].duration, window.__painted - window.__clicked,
                                           f[f.length - 1].duration] : null;
                """.replace("N_CODINGS", str(n_codings)))
            if i:  # the first open warms the server's caches and the browser's JIT
                out.append((float(measure[0]), float(measure[1]), float(measure[2])))
        stripes = driver.execute_script("return document.querySelectorAll('.qc-stripe').length")
        print(f"stripes on the page: {stripes}", file=sys.stderr)
    finally:
        driver.quit()
    return out


def browser_wait(driver, script: str, timeout: float = 30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"timed out: {script}")


def apply_times(url: str, target: str, source: str, repeats: int) -> tuple[list[float], list[float]]:
    """POST /api/apply round trips (ms) and, interleaved, 'qualcode code' commands (ms)."""
    import httpx

    client = httpx.Client(base_url=url)
    client.get("/")
    token = client.cookies.get("qualcode_csrf")
    headers = {"x-csrf-token": token, "content-type": "application/json"}
    with Project.open(target) as project:
        length = len(project.source_text(source))
    web, cli = [], []
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for i in range(repeats * 10):
        start = 5 + i * 3
        began = time.perf_counter()
        answer = client.post("/api/apply", headers=headers, json={"coder": "bench", "payload": {
            "source": source, "start": start, "end": start + 40, "codes": ["Impact/Confidence"]}})
        web.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, answer.text
        if i % 10 == 0:
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "qualcode", "--project", target, "code", source, "Impact/Leadership",
                            "--start", str(length - 60 - i), "--end", str(length - 20 - i), "--coder", "bench"],
                           env=env, check=True, capture_output=True)
            cli.append((time.perf_counter() - began) * 1000)
    return web, cli


def team(target_maker, label: str, folder: Path, coders: int, per_coder: int) -> str:
    target = target_maker()
    source_file = folder / f"team-{label}.txt"
    source_file.write_text(long_transcript(12_000, seed=11), encoding="utf-8")
    project = Project.create(target)
    project.ingest(source_file, progress=False)
    project.import_codebook(REPO / "codebooks" / "mentoring-impact.yaml")
    source = project.sources()["source"].iloc[0]
    length = len(project.source_text(source))
    project.close()
    plan = team_coding.make_plan(target, source, length, coders, per_coder)
    began = time.perf_counter()
    results = team_coding.run(plan, timeout=1800)
    wall = time.perf_counter() - began
    errors = sum(len(e) for _, _, e, _ in results)
    calls = sum(c for _, c, _, _ in results)
    timings = [t * 1000 for _, _, _, ts in results for t in ts]
    with Project.open(target) as project:
        apps = project.applications(status=None)
    found = Counter(zip(apps["start"], apps["end"], apps["code"], apps["coder"]))
    want = team_coding.expected_codings(plan)
    lost = len(want - set(found))
    extra = len(set(found) - want)
    doubled = sum(1 for n in found.values() if n > 1)
    return (f"| {label} | {coders} x {per_coder} | {calls} | {errors} | {lost} | {doubled} | {extra} | {wall:.1f} s | "
            f"{statistics.median(timings):.1f} ms | {max(timings):.0f} ms |")


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms, min {min(values):.0f} ms, max {max(values):.0f} ms (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--codings", type=int, default=500)
    parser.add_argument("--coders", type=int, default=10)
    parser.add_argument("--per-coder", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("QUALCODE_TEST_PG_URL"))
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-team", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qc-bench-web-"))
    lines = []

    if not args.skip_browser:
        target, source = build_project(folder, args.words, args.codings)
        port = browser.free_port()
        server = start_server(target, port)
        try:
            opened = open_times(f"http://127.0.0.1:{port}/", source, args.repeats, args.codings)
            web, cli = apply_times(f"http://127.0.0.1:{port}", target, source, args.repeats)
        finally:
            server.terminate()
            server.wait(timeout=20)
        lines += [
            f"- open a {args.words:,}-word transcript with {args.codings} codings, click -> drawn "
            f"(Performance API 'qc-open-source'): {ms([m for m, _, _ in opened])}",
            f"- of which waiting for the server's answer ('qc-open-source-fetch'): {ms([f for _, _, f in opened])}",
            f"- click -> next painted frame: {ms([p for _, p, _ in opened])}",
            f"- apply a code, POST /api/apply round trip at the server: {ms(web)}",
            f"- baseline, the same as a command (`qualcode code … --start --end`): {ms(cli)}",
        ]

    if args.skip_team:
        print("\n".join(lines))
        return
    lines += ["", "| backend | coders x codings | calls | errors | lost | doubled | left over | wall | median call | slowest call |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    lines.append(team(lambda: str(folder / "team.qcproj"), "SQLite", folder, args.coders, args.per_coder))
    if args.pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"qc_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            lines.append(team(lambda: make_url(args.pg).set(database=name).render_as_string(hide_password=False),
                              "PostgreSQL", folder, args.coders, args.per_coder))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
