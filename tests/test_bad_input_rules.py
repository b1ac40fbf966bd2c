"""A codebook regex that backtracks catastrophically stops with an error naming the rule
(issue 20): before, ``autocode`` ran for ever on ``(a|a)+b`` over a line of a's."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli
from qualcode.coding.rules import engine as rules_engine
from qualcode.errors import CodebookError, UsageError
from unchanged import project_rows

CODEBOOK = """codebook: slow
codes:
  - name: Screams
    rules:
      regex: ['(a|a)+b']
      unit: paragraph
  - name: Funding
    rules:
      keywords: [funding]
"""


@pytest.fixture
def slow_rules(project: Project, tmp_path: Path, monkeypatch) -> Project:
    monkeypatch.setattr(rules_engine, "REGEX_SECONDS", 1.0)
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "CEO-07 wave 1.txt").write_text(
        "Interviewer: Anything to add?\n\nCEO-07: " + "a" * 60 + "\n\nFunding is the worry.\n", encoding="utf-8")
    project.ingest(folder, progress=False)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    project.import_codebook(tmp_path / "codebook.yaml")
    return project


def test_autocode_stops_a_catastrophic_regex_and_names_the_rule(slow_rules: Project) -> None:
    before = project_rows(slow_rules)
    started, cpu = time.perf_counter(), time.process_time()
    with pytest.raises(CodebookError) as error:
        slow_rules.autocode(apply=True)
    assert time.perf_counter() - started < 30  # 2**60 steps without the limit
    assert time.process_time() - cpu < 10  # the 1 s of the regex, plus loading the rules
    message = str(error.value)
    assert "\n" not in message and "'Screams'" in message and "(a|a)+b" in message and "rewrite" in message
    assert "1 s of CPU time" in message  # what the limit counts, said as it is
    assert slow_rules.summary()["applications"] == 0  # nothing written, not even Funding
    assert project_rows(slow_rules) == before  # no run recorded either


def test_search_with_a_catastrophic_regex_stops_too(slow_rules: Project) -> None:
    with pytest.raises((CodebookError, UsageError)) as error:
        slow_rules.search_text(regex="(a|a)+b", unit="paragraph")
    assert "(a|a)+b" in str(error.value)


def test_cli_autocode_prints_one_line(slow_rules: Project, tmp_path: Path) -> None:
    slow_rules.close()
    before = project_rows(tmp_path / "study.qcproj")
    result = CliRunner().invoke(cli, ["--project", str(tmp_path / "study.qcproj"), "autocode", "--apply"])
    assert result.exit_code == 1, result.output
    assert "Screams" in result.output and "Traceback" not in result.output and result.output.count("\n") == 1
    assert project_rows(tmp_path / "study.qcproj") == before


def test_time_waiting_for_the_cpu_does_not_count_against_a_regex() -> None:
    """The ``regex`` package counts ``timeout=`` in CPU time; the budget must too. Kept on
    the wall clock, a loaded machine (a quarter of a core each) stretched a 1 s limit to
    4-5 s of waiting while the message said 1 s, and a budget spread over many units ran
    out on time the rule never used."""
    import regex

    clock = rules_engine.RegexClock("Screams", "(a|a)+b", seconds=1.0)
    time.sleep(1.2)  # wall time passes, as while other processes have the CPU
    assert clock.timeout() > 0.5  # none of the CPU budget was used (other threads may use a little)
    cpu = time.process_time()
    with pytest.raises(TimeoutError):
        regex.search("(a|a)+b", "a" * 60, timeout=clock.timeout())
    assert 0.8 < time.process_time() - cpu < 3  # the search spent the budget as CPU time
    assert clock.timeout() == pytest.approx(0.001)  # and the clock saw it spent
