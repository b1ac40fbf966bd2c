"""The command line answers at once: ``--help``, ``--version`` and a TAB of completion load
no heavy library, and neither does ``import qualcode`` or ``from qualcode import Project``
(the analyses, the suggester, the charts and the readers load them when first used).

Each check runs in a fresh interpreter and reads ``sys.modules`` there: what was
imported, not how long it took (timings live in benchmarks/bench_startup.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Never needed to print help, the version or completions.
CLI_HEAVY = ["pandas", "numpy", "sqlalchemy", "spacy", "scipy", "sklearn", "matplotlib", "openpyxl", "wordcloud"]
#: Never needed to open a project and read its frames.
API_HEAVY = ["spacy", "scipy.stats", "sklearn", "matplotlib", "wordcloud", "openpyxl"]
#: Nor to open one and print its headline numbers (``status``): the counts load scipy.sparse
#: when they run, and the headline numbers are SQL counts (issue 20).
STATUS_HEAVY = [*API_HEAVY, "scipy"]


def loaded_after(code: str, env: dict[str, str] | None = None, cwd: Path | None = None,
                 printed: list[str] | None = None) -> list[str]:
    """Run ``code`` in a new interpreter and return the top modules it left in sys.modules
    (read at exit: a ``stats`` command ends its process as soon as it is done, running the
    ``atexit`` functions only). What it printed is added to ``printed`` when given."""
    probe = (
        "import sys, json, atexit\n"
        "atexit.register(lambda: print('\\nMODULES=' + json.dumps(sorted(sys.modules)), file=sys.__stdout__,"
        " flush=True))\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except SystemExit:\n    pass\n"
    )
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=full_env,
                          cwd=cwd or REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stdout.splitlines() if x.startswith("MODULES=")][-1]
    if printed is not None:
        printed.append(done.stdout)
    return json.loads(line[len("MODULES="):])


def heavy_in(modules: list[str], heavy: list[str]) -> list[str]:
    return [h for h in heavy if h in modules]


CLI = "from qualcode.cli import main\nmain({argv!r})"


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["code", "--help"], ["report", "--help"]])
def test_help_and_version_load_no_heavy_library(argv: list[str]) -> None:
    modules = loaded_after(CLI.format(argv=argv))
    assert "qualcode.cli.cmd_autocode" in modules  # every command was registered
    assert heavy_in(modules, CLI_HEAVY) == []


def test_tab_completion_loads_no_heavy_library() -> None:
    env = {"_QUALCODE_COMPLETE": "bash_complete", "COMP_WORDS": "qualcode sta", "COMP_CWORD": "1"}
    modules = loaded_after(CLI.format(argv=[]), env=env)
    assert heavy_in(modules, CLI_HEAVY) == []


def test_completion_still_answers() -> None:
    """The lazy imports must not cost the completions themselves."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "_QUALCODE_COMPLETE": "bash_complete",
           "COMP_WORDS": "qualcode sta", "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-m", "qualcode"], capture_output=True, text=True, env=env, timeout=300)
    assert "plain,stats" in done.stdout and "plain,status" in done.stdout


def test_import_qualcode_loads_no_heavy_library() -> None:
    assert heavy_in(loaded_after("import qualcode"), CLI_HEAVY) == []


def test_errors_alone_do_not_load_the_project() -> None:
    modules = loaded_after("from qualcode.errors import UsageError")
    assert "qualcode.project" not in modules and "pandas" not in modules


def test_project_api_loads_no_nlp_statistics_or_charts() -> None:
    modules = loaded_after("from qualcode import Project")
    assert "qualcode.project" in modules
    assert heavy_in(modules, STATUS_HEAVY) == []


def test_status_on_a_project_loads_no_nlp_statistics_or_charts(tmp_path: Path) -> None:
    """``qualcode status`` reads counts: no spaCy, scipy (not even scipy.sparse), scikit-learn,
    matplotlib."""
    study = tmp_path / "study.qcproj"
    (tmp_path / "CEO-01 wave 1.txt").write_text(
        "Interviewer: How did the mentoring go?\nCEO-01: It changed how I run board meetings.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["init", str(study)], ["--project", str(study), "ingest", str(tmp_path / "CEO-01 wave 1.txt")]):
        subprocess.run([sys.executable, "-m", "qualcode", *args], check=True, capture_output=True, env=env, timeout=300)
    modules = loaded_after(CLI.format(argv=["--project", str(study), "status"]))
    assert "qualcode.project" in modules
    assert heavy_in(modules, STATUS_HEAVY) == []


def test_a_function_that_needs_spacy_still_gets_it() -> None:
    """Lazy is not missing: cutting sentences loads spaCy when asked."""
    modules = loaded_after("from qualcode.ingest.segment import sentences\nassert sentences('One. Two.') == [(0, 4), (5, 9)]")
    assert "spacy" in modules


STATS_COMMANDS = [["frequencies"], ["presence"], ["cooccurrence"], ["crosstab", "--by", "role"],
                  ["crosstab", "--by", "role", "--by", "wave", "--long"], ["waves"], ["priorities"],
                  ["weights", "--by", "role"]]


def test_stats_commands_load_no_scipy(tmp_path: Path) -> None:
    """The counting commands count with numpy (``analysis._matrix.Cells``): importing
    scipy.sparse would cost about a quarter of a second of each (issue 20). Each runs in
    a fresh interpreter, cold (no kept ids) and prints its table."""
    from test_stats_counting_frames import _build  # tests/ is on sys.path under pytest

    project = _build(tmp_path)[0]
    project.close()
    study = tmp_path / "study.qcproj"
    for args in STATS_COMMANDS:
        cache = tmp_path / ("cache-" + "-".join(args))
        printed: list[str] = []
        code = CLI.format(argv=["--project", str(study), "stats", *args])
        modules = loaded_after(code, env={"QUALCODE_CACHE_DIR": str(cache)}, printed=printed)
        assert "Impact" in printed[0], printed[0]
        assert "qualcode.analysis._matrix" in modules or args[0] in ("weights",), args
        assert heavy_in(modules, STATUS_HEAVY) == [], args
