"""Analyses through the Project and the whole report, checked against hand counts, and
the anonymity promise: a redacted name appears in no exported file."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from qualcode import Project
from qualcode.cli import cli

CEO_08 = """Interviewer: What changed?

CEO-08: My mentor Margaret pushed me to rethink the board. I feel far more confident now.

Interviewer: And the funding?

CEO-08: Funding is still the worry, but Margaret helped me plan the reserves.
"""


@pytest.fixture
def coded(study: Project, tmp_path: Path) -> Project:
    """The tiny study plus a third interview, coded by hand:

    CEO-07 (CEO, online, wave 1): Confidence (w4) ; Board relations + Sustainability on one excerpt
    Mentor-03 (Mentor, face to face, wave 1): Governance ; Leadership
    CEO-08 (wave 2, a case whose role is missing): Confidence ; Sustainability
    """
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "CEO-08 wave 2.txt").write_text(CEO_08, encoding="utf-8")
    study.ingest(tmp_path / "more", progress=False)
    (tmp_path / "more.csv").write_text("participant,role\nCEO-08,\n", encoding="utf-8")
    study.import_descriptors(tmp_path / "more.csv", key="participant")  # a case with no role
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna", weight=4)
    study.code("CEO-07 wave 1", ["Issues/Governance/Board relations", "Issues/Sustainability"],
               quote="The board was difficult, and our chair and I argued about the budget.", coder="anna")
    study.code("Mentor-03 wave 1", "Issues/Governance", quote="The board relations improved a lot.", coder="ben")
    study.code("Mentor-03 wave 1", "Impact/Leadership", quote="She found her voice with the trustees.", coder="ben")
    study.code("CEO-08 wave 2", "Impact/Confidence", quote="I feel far more confident now.", coder="anna", weight=2)
    study.code("CEO-08 wave 2", "Issues/Sustainability",
               quote="Funding is still the worry, but Margaret helped me plan the reserves.", coder="anna")
    study.add_redaction_names(["Margaret"])
    return study


def test_frequencies_match_a_hand_count(coded: Project) -> None:
    f = coded.frequencies().set_index("code")
    assert f.loc["Impact/Confidence", ["excerpts", "sources", "cases"]].tolist() == [2, 2, 2]
    assert f.loc["Issues/Sustainability", "cases"] == 2
    # Issues: 3 excerpts carry an Issues code (the board/budget excerpt counts once)
    assert f.loc["Issues", "excerpts"] == 0 and f.loc["Issues", "excerpts_sum"] == 3
    assert f.loc["Issues", "cases_sum"] == 3
    assert f.loc["Impact/Confidence", "pct_cases"] == pytest.approx(100 * 2 / 3)


def test_crosstab_and_waves_match_a_hand_count(coded: Project) -> None:
    table = coded.crosstab("role", child_sum=True)
    cell = table[(table["code"] == "Issues/Governance") & (table["role"] == "CEO")].iloc[0]
    assert (cell["cases"], cell["group_cases"]) == (1, 1)  # CEO-08 has no role: not in a group
    change = coded.wave_change("1", "2").set_index("code")
    row = change.loc["Impact/Confidence"]
    assert (row["cases_first"], row["cases_second"], row["both"], row["only_first"], row["only_second"]) == (1, 1, 0, 1, 1)


def test_quotes_are_redacted_and_attributed_without_names(coded: Project) -> None:
    quotes = coded.quotes("Issues/Sustainability", n=5)
    assert len(quotes) == 2
    assert not quotes["quote"].str.contains("Margaret").any()
    assert quotes["quote"].str.contains(r"\[Person 1\]").any()  # Margaret, confirmed: a pseudonym
    assert not quotes["attribution"].str.contains("CEO-0").any()


def _all_text_of_xlsx(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))


def test_report_files_and_anonymity(coded: Project, tmp_path: Path) -> None:
    written = coded.report(tmp_path / "report")
    wb = openpyxl.load_workbook(written.xlsx)
    assert wb.sheetnames[0] == "Contents"
    frequencies_sheet = next(ws for ws in wb.worksheets if ws["A1"].value and "Code frequencies" in str(ws["A1"].value))
    header = [c.value for c in frequencies_sheet[3]]
    rows = {r[0]: dict(zip(header, r)) for r in frequencies_sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows["Impact/Confidence"]["cases"] == 2
    assert frequencies_sheet.freeze_panes is not None
    html = written.html.read_text(encoding="utf-8")
    assert "3 sources, 6 coded excerpts" in html
    assert html.count("data:image/png;base64,") == len(written.figures) >= 5
    for png in written.figures:
        with Image.open(png) as image:
            assert image.size[0] >= 600 and image.size[1] >= 300
        assert png.with_suffix(".svg").exists()
    # Margaret is on the redaction list: no exported file may contain her name
    exported = [html, written.markdown.read_text(encoding="utf-8"), _all_text_of_xlsx(written.xlsx)]
    exported += [p.read_text(encoding="utf-8-sig") for p in written.csv]
    exported += [p.with_suffix(".svg").read_text(encoding="utf-8") for p in written.figures]
    assert not any("Margaret" in text for text in exported)


def test_stats_commands(coded: Project, tmp_path: Path) -> None:
    target = coded.target
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--project", target, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    freq = pd.read_csv(io.StringIO(run("stats", "frequencies", "--format", "csv")))
    assert freq.set_index("code").loc["Issues/Sustainability", "cases"] == 2
    wide = pd.read_csv(io.StringIO(run("stats", "crosstab", "--by", "role", "--value", "cases", "--format", "csv")))
    assert wide.set_index("code").loc["Impact/Confidence", "CEO"] == 1
    pairs = json.loads(run("stats", "cooccurrence", "--pairs", "--format", "json"))
    assert {(p["code_a"], p["code_b"]) for p in pairs} == {("Issues/Governance/Board relations", "Issues/Sustainability")}
    assert "[Person 1]" in run("quotes", "Issues/Sustainability")
    words = pd.read_csv(io.StringIO(run("stats", "words", "--format", "csv")))
    assert "margaret" not in set(words["word"]) and "board" in set(words["word"])
    out = tmp_path / "cloud.png"
    run("wordcloud", "--codes", "--out", str(out))
    assert out.exists() and out.with_suffix(".svg").exists()
    run("report", "--out", str(tmp_path / "cli-report"))
    assert (tmp_path / "cli-report" / "report.html").exists()


def test_report_excerpts_table_capped_with_a_note(coded: Project, tmp_path: Path) -> None:
    """A very large project's workbook lists the first N excerpts in source order and says
    how many there are and where to get them all; the analyses still count every one."""
    from qualcode.reporting.study import ReportOptions, build_report

    every = coded.excerpts()
    capped = build_report(coded, tmp_path / "figs", ReportOptions(excerpt_rows=2))
    full = build_report(coded, tmp_path / "figs2", ReportOptions(excerpt_rows=0))
    table = {t.caption: t for _, t in capped.tables()}["Excerpts with codes and descriptors"]
    whole = {t.caption: t for _, t in full.tables()}["Excerpts with codes and descriptors"]
    assert len(every) > 2
    assert table.frame["excerpt_id"].tolist() == every["excerpt_id"].tolist()[:2]
    assert f"first 2 of {len(every)} excerpts" in table.note
    assert "qualcode excerpts --format csv" in table.note
    assert len(whole.frame) == len(every) and "first" not in whole.note
    assert capped.headline.excerpts == full.headline.excerpts


def test_stats_child_sum_option_counts_parents_by_hand(coded: Project) -> None:
    """Parents have no explicit codings here; with --child-sum they carry their children's
    (hand count from the fixture's docstring)."""
    runner = CliRunner()

    def csv(*args: str) -> pd.DataFrame:
        result = runner.invoke(cli, ["--project", coded.target, "stats", *args, "--format", "csv"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return pd.read_csv(io.StringIO(result.output))

    plain = csv("crosstab", "--by", "role", "--value", "cases").set_index("code")
    summed = csv("crosstab", "--by", "role", "--value", "cases", "--child-sum").set_index("code")
    assert plain.loc["Issues", ["CEO", "Mentor"]].tolist() == [0, 0]
    assert summed.loc["Issues", ["CEO", "Mentor"]].tolist() == [1, 1]  # CEO-07 and Mentor-03
    waves = csv("waves", "--child-sum").set_index("code")
    # Impact in wave 1: CEO-07 (Confidence), Mentor-03 (Leadership); wave 2: CEO-08 (Confidence)
    assert waves.loc["Impact", ["cases_first", "cases_second", "both"]].tolist() == [2, 1, 0]
    presence = csv("presence", "--by", "case", "--child-sum").set_index("code")
    assert presence.loc["Issues", ["CEO-07", "CEO-08", "Mentor-03"]].tolist() == [1, 1, 1]
    matrix = csv("cooccurrence", "--child-sum").set_index(csv("cooccurrence", "--child-sum").columns[0])
    assert matrix.loc["Issues", "Issues/Sustainability"] == 2  # both Sustainability excerpts carry Issues


def test_group_and_wave_figures_name_each_base(coded: Project, tmp_path: Path) -> None:
    """A percentage of one person must say so on the figure itself, not only in the text:
    by hand, CEO-07 is the one CEO and Mentor-03 the one mentor (CEO-08 has no role);
    wave 1 has CEO-07 and Mentor-03, wave 2 only CEO-08."""
    written = coded.report(tmp_path / "report")
    svg = {p.stem: p.with_suffix(".svg").read_text(encoding="utf-8") for p in written.figures}
    assert "CEO (n=1)" in svg["codes-by-role"] and "Mentor (n=1)" in svg["codes-by-role"]
    assert "Wave 1 (n=2)" in svg["waves"] and "Wave 2 (n=1)" in svg["waves"]
