"""The Markdown report: pipe tables that stay tables, images beside the file."""
from __future__ import annotations

import re

import pandas as pd
from matplotlib.figure import Figure

from qualcode.report.content import Headline, Report
from qualcode.report.markdown import anchor, md_escape, write_markdown


def _png(folder, name: str):
    folder.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(3, 2))
    fig.subplots().bar([0, 1], [3, 1])
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=50)
    return path


def _report(tmp_path) -> Report:
    report = Report("Advance impact study", headline=Headline(170, 1350, 124, 200))
    s = report.add_section("Code frequencies", "Counts of coded excerpts.")
    s.add_table(pd.DataFrame({"code": ["Impact/Confidence", "Ripple/Staff", "Issues/Governance"],
                              "excerpts": [1200, 7, 30], "pct_cases": [62.5, 5.0, 20.0]}),
                "Code frequencies", formats={"pct_cases": "percent"})
    s.add_figure(_png(tmp_path / "elsewhere", "freq"), "Excerpts per code")
    s2 = report.add_section("Excerpts")
    s2.add_table(pd.DataFrame({"case": ["CEO-01", "CEO-02"],
                               "text": ["a | pipe\nand a new line", "<script>alert(1)</script> *not bold*"]}),
                 "Coded excerpts")
    s2.add_quote("It changed how I see the board.", "— CEO, wave 2")
    return report


def _table_blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_pipe_tables_have_one_line_per_row(tmp_path):
    md = write_markdown(_report(tmp_path), tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    blocks = _table_blocks(md)
    assert [len(b) for b in blocks] == [2 + 3, 2 + 2]  # header + separator + rows
    for block in blocks:
        widths = {_unescaped_pipes(line) for line in block}
        assert len(widths) == 1, f"a cell broke the table: {block}"
    assert blocks[0][1] == "|:---|---:|---:|"  # numbers right-aligned
    assert blocks[0][2] == "| Impact/Confidence | 1,200 | 62.5% |"


def test_cell_text_is_escaped(tmp_path):
    md = write_markdown(_report(tmp_path), tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert r"a \| pipe and a new line" in md
    assert r"\*not bold\*" in md


def test_images_copied_next_to_the_file_and_linked(tmp_path):
    path = write_markdown(_report(tmp_path), tmp_path / "out" / "report.md")
    md = path.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links == ["figures/freq.png"]
    assert (path.parent / links[0]).read_bytes()[:4] == b"\x89PNG"


def test_png_already_beside_the_file_is_linked_in_place(tmp_path):
    report = Report("R")
    report.add_section("S").add_figure(_png(tmp_path / "out" / "img", "x"), "X")
    md = write_markdown(report, tmp_path / "out" / "r.md").read_text(encoding="utf-8")
    assert "](img/x.png)" in md
    assert not (tmp_path / "out" / "figures").exists()


def test_headline_contents_and_quotes(tmp_path):
    md = write_markdown(_report(tmp_path), tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "**170 sources, 1,350 coded excerpts, 124 questionnaire responses (62% response rate).**" in md
    assert "1. [Code frequencies](#1-code-frequencies)" in md
    assert "## 1. Code frequencies" in md
    assert "> It changed how I see the board.\n>\n> — CEO, wave 2" in md


def test_helpers():
    assert anchor("2. Co-occurrence (codes)") == "2-co-occurrence-codes"
    assert md_escape("x_y [a](b) <i>") == r"x\_y \[a\](b) &lt;i&gt;"
    assert md_escape("Q&A &amp;") == "Q&A &amp;amp;"
