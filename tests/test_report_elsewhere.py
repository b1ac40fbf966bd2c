"""The study report computes its middle sections in a forked process (issue 20, scale):
the report must be the one a single process builds, section for section and file for
file, and a failure there must surface as its own error."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from qualcode import Project
from qualcode.report.content import Report
from qualcode.report.figures import message_figure, saving_in_background
from qualcode.reporting.elsewhere import sections_elsewhere
from qualcode.reporting.study import ReportOptions, build_report

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"),
                                reason="sections are computed in a forked process on Linux only")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The demo study, coded by hand and by its rules: every section of the report has material."""
    from qualcode.demo import add_machine_suggestions, build_demo_project

    project = build_demo_project(tmp_path_factory.mktemp("demo"), progress=False)
    add_machine_suggestions(project, progress=False)
    yield project
    project.close()


def _options(processes: int) -> ReportOptions:
    from qualcode.demo import demo_paths

    root = demo_paths().codebook.parent
    return ReportOptions(impact_models=[root / "advance-impact-model.yaml", root / "advance-logic-model.yaml"],
                         agreement_coders=["anna", "ben"], section_processes=processes, figure_processes=processes)


def _content(report: Report) -> list[tuple]:
    return [(s.title, s.text, [(t.caption, t.name, t.note, t.frame) for t in s.tables],
             [(f.png.name, f.svg.name if f.svg else None, f.caption) for f in s.figures],
             [(q.text, q.attribution) for q in s.quotes]) for s in report.sections]


def test_the_report_is_the_one_a_single_process_builds(demo: Project, tmp_path: Path) -> None:
    here = build_report(demo, tmp_path / "here", _options(0))
    there = build_report(demo, tmp_path / "there", _options(1))
    a, b = _content(here), _content(there)
    assert [s[0] for s in a] == [s[0] for s in b]  # the same sections in the same order
    titles = [s[0] for s in b]
    assert {"Words participants used", "In their own words", "Machine coding", "Questionnaire"} <= set(titles)
    assert titles.index("Codes that occur together") < titles.index("Words participants used")
    agreement = next(i for i, t in enumerate(titles) if t.startswith("Agreement between coders"))
    assert titles.index("Questionnaire") < agreement  # the parent's later sections follow the child's
    for (title, text, tables, figures, quotes), (_, text2, tables2, figures2, quotes2) in zip(a, b):
        assert text == text2, title
        assert figures == figures2, title
        assert quotes == quotes2, title
        assert len(tables) == len(tables2), title
        for (caption, name, note, frame), (caption2, name2, note2, frame2) in zip(tables, tables2):
            assert (caption, name, note) == (caption2, name2, note2)
            pd.testing.assert_frame_equal(frame, frame2)
    for section in there.sections:
        assert section.report is there  # a section taken from the child belongs to this report
    written_here = sorted(p.name for p in (tmp_path / "here").iterdir())
    written_there = sorted(p.name for p in (tmp_path / "there").iterdir())
    assert written_there == written_here  # no hidden file left behind
    for name in written_here:
        assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes(), name


def _add(title: str, folder: Path, name: str | None = None, fail: bool = False):  # noqa: ANN202 - a test helper
    def work(report: Report) -> None:
        if fail:
            raise ValueError(f"{title} cannot be computed")
        section = report.add_section(title, f"about {title}")
        if name:
            section.add_figure(message_figure(title), title, folder, name)
    return work


def test_sections_go_where_the_block_marks_them(study: Project, tmp_path: Path) -> None:
    report, tmp_path = Report("r"), tmp_path / "figures"
    with saving_in_background(1):
        with sections_elsewhere(study, report, _add("middle", tmp_path, "middle"), 1) as middle:
            report.add_section("first")
            middle.here()
            report.add_section("last")
    assert [s.title for s in report.sections] == ["first", "middle", "last"]
    assert report.sections[1].figures[0].png == tmp_path / "middle.png"
    assert (tmp_path / "middle.png").exists() and (tmp_path / "middle.svg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failure_in_the_child_raises_its_own_error_here(study: Project, tmp_path: Path) -> None:
    report = Report("r")
    with pytest.raises(ValueError, match="middle cannot be computed"):
        with sections_elsewhere(study, report, _add("middle", tmp_path, fail=True), 1):
            report.add_section("first")


def test_a_figure_name_taken_meanwhile_is_computed_again_here(study: Project, tmp_path: Path) -> None:
    """The child cannot see the names this process's figures take after the fork: on a clash
    its files are dropped and its sections computed here, where the name is made unique."""
    report, tmp_path = Report("r"), tmp_path / "figures"
    with sections_elsewhere(study, report, _add("child", tmp_path, "chart"), 1):
        mine = report.add_section("mine")
        mine.add_figure(message_figure("mine"), "mine", tmp_path, "chart")
    assert [s.title for s in report.sections] == ["mine", "child"]
    assert report.sections[1].figures[0].png == tmp_path / "chart-2.png"
    pngs = sorted(p.name for p in tmp_path.iterdir())
    assert pngs == ["chart-2.png", "chart-2.svg", "chart.png", "chart.svg"]
    assert b"mine" in (tmp_path / "chart.svg").read_bytes() and b"child" in (tmp_path / "chart-2.svg").read_bytes()


def test_work_done_meanwhile_is_done_by_the_end_of_the_block(tmp_path: Path) -> None:
    from qualcode.reporting.elsewhere import meanwhile

    target = tmp_path / "made.txt"
    with meanwhile(lambda: target.write_text("from the child", encoding="utf-8"), 1):
        mine = os.getpid()
    assert target.read_text(encoding="utf-8") == "from the child" and os.getpid() == mine


def test_work_that_fails_meanwhile_raises_its_own_error_here(tmp_path: Path) -> None:
    from qualcode.reporting.elsewhere import meanwhile

    calls = []

    def work() -> None:
        calls.append(os.getpid())  # the child's append is not seen here
        raise OSError(f"cannot write {tmp_path / 'x.xlsx'}")

    with pytest.raises(OSError, match="cannot write"):
        with meanwhile(work, 1):
            pass
    assert calls == [os.getpid()]  # run again here, once, after the child failed


@pytest.mark.parametrize("processes", [1, 0])
def test_a_machine_run_done_first_gives_the_report_of_a_project_coded_before(
        demo: Project, tmp_path: Path, processes: int) -> None:
    """``ReportOptions.machine_run`` (what ``qualcode demo`` does): the rules' suggestions
    are made while the report computes, in the process that computes the machine-coding
    section; the report and the project are those of autocoding first."""
    from qualcode.demo import add_machine_suggestions, build_demo_project

    before = build_report(demo, tmp_path / "before", _options(0))
    fresh = build_demo_project(tmp_path / "fresh", progress=False)
    try:
        assert fresh.applications(status="suggested").empty
        options = _options(processes)
        options.machine_run = lambda p: add_machine_suggestions(p, progress=False)
        during = build_report(fresh, tmp_path / "during", options)
        a, b = _content(before), _content(during)
        assert [s[0] for s in a] == [s[0] for s in b]
        assert "Machine coding" in [s[0] for s in b]
        for (title, text, tables, figures, quotes), (_, text2, tables2, figures2, quotes2) in zip(a, b):
            assert (text, figures, quotes) == (text2, figures2, quotes2), title
            for (caption, _, note, frame), (caption2, _, note2, frame2) in zip(tables, tables2):
                assert (caption, note) == (caption2, note2)
                pd.testing.assert_frame_equal(frame, frame2)
        # the suggestions are in the project, once: as many as autocoding before made
        assert len(fresh.applications(status="suggested")) == len(demo.applications(status="suggested")) > 0
        assert len(fresh.runs()) == 1
    finally:
        fresh.close()


def test_a_first_step_is_done_once_when_the_child_fails_after_it(study: Project, tmp_path: Path) -> None:
    """The child did ``first`` (a write) and then failed: its sections are computed again
    here, where their error is raised, but ``first`` is not done a second time."""
    done = tmp_path / "first.log"

    def first() -> None:
        with done.open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")

    report = Report("r")
    with pytest.raises(ValueError, match="middle cannot be computed"):
        with sections_elsewhere(study, report, _add("middle", tmp_path, fail=True), 1, first=first):
            report.add_section("mine")
    lines = done.read_text(encoding="utf-8").split()
    assert len(lines) == 1 and lines[0] != str(os.getpid())  # once, in the child


def test_a_first_step_that_fails_in_the_child_is_done_here_and_raises(study: Project, tmp_path: Path) -> None:
    calls = []

    def first() -> None:
        calls.append(os.getpid())  # the child's append is not seen here
        raise OSError("the rules cannot run")

    report = Report("r")
    with pytest.raises(OSError, match="the rules cannot run"):
        with sections_elsewhere(study, report, _add("middle", tmp_path), 1, first=first):
            report.add_section("mine")
    assert calls == [os.getpid()]
    assert [s.title for s in report.sections] == ["mine"]  # no section without its first step


def test_the_demo_reports_its_project_whole_with_the_rules_run_beside_the_report(tmp_path: Path) -> None:
    """``run_demo`` (``qualcode demo``): the rules' suggestions are made while the report
    computes (``ReportOptions.machine_run``); the folder holds the project, coded by hand
    and by the rules once, and the whole report."""
    import sqlite3

    from qualcode.demo import run_demo

    project, written = run_demo(tmp_path / "demo", progress=False)
    try:
        assert project.summary()["coded_excerpts"] > 0
    finally:
        project.close()
    with sqlite3.connect(tmp_path / "demo" / "advance-demo.qcproj") as db:  # read apart from qualcode
        statuses = dict(db.execute("SELECT status, count(*) FROM applications GROUP BY status").fetchall())
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert statuses.get("applied", 0) > 0 and statuses.get("suggested", 0) > 0 and runs == 1
    assert written.xlsx.exists() and written.html.exists() and written.markdown.exists()
    assert len(written.figures) == 12 and all(p.exists() and p.with_suffix(".svg").exists() for p in written.figures)
    text = written.markdown.read_text(encoding="utf-8")
    assert ". Machine coding" in text and f"proposed {statuses['suggested']:,} codings" in text
    assert not [p.name for p in (tmp_path / "demo").rglob(".qualcode-*")]  # nothing staged left behind
