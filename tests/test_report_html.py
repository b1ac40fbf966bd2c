"""The self-contained HTML report, parsed back with lxml."""
from __future__ import annotations

import base64

import lxml.html
import pandas as pd
import pytest
from matplotlib.figure import Figure

from qualcode.errors import QualcodeError
from qualcode.report.content import Headline, Report
from qualcode.report.html import write_html

SCRIPT = '<script>alert("x")</script> & <b onmouseover="steal()">bold</b>'


def _png(folder, name: str):
    fig = Figure(figsize=(3, 2))
    fig.subplots().bar([0, 1], [3, 1])
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=50)
    return path


def _report(tmp_path) -> Report:
    report = Report("Advance <impact> study", "Waves 1-2", Headline(170, 1350, 124, 200))
    s1 = report.add_section("How the codes were applied", "First paragraph.\n\nSecond <i>paragraph</i>.")
    s1.add_figure(_png(tmp_path, "cloud"), "Code cloud")
    s1.add_table(pd.DataFrame({"code": ["Impact/Confidence", "Ripple/Staff"], "excerpts": [1200, 7],
                               "pct_cases": [62.5, 5.0]}), "Code frequencies", formats={"pct_cases": "percent"})
    s2 = report.add_section("Excerpts")
    s2.add_table(pd.DataFrame({"case": ["CEO-01", "CEO-02"], "text": [SCRIPT, "fine"]}), "Coded excerpts")
    s2.add_figure(_png(tmp_path, "bars"), "Excerpts per code")
    s2.add_quote("It gave me " + SCRIPT, "— CEO, wave 2")
    codes = ["Impact/Confidence", "Ripple/Staff"]
    s2.add_table(pd.DataFrame([[0, 9], [9, 0]], index=codes, columns=codes), "Co-occurrence", heatmap=True)
    return report


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("html")
    path = write_html(_report(tmp_path), tmp_path / "out" / "report.html")
    return path, lxml.html.fromstring(path.read_bytes())


def test_headline_counts_at_the_top(page):
    _, doc = page
    header = doc.xpath("//header")[0].text_content()
    assert "170 sources, 1,350 coded excerpts, 124 questionnaire responses (62% response rate)" in header
    cards = [li.text_content() for li in doc.xpath("//ul[@class='headline']/li")]
    assert cards == ["170sources", "1,350coded excerpts", "124questionnaire responses", "62%response rate"]
    assert doc.xpath("//title")[0].text == "Advance <impact> study"


def test_tables_and_figures_with_numbered_captions(page):
    _, doc = page
    assert [c.text_content() for c in doc.xpath("//table/caption")] == [
        "Table 1. Code frequencies", "Table 2. Coded excerpts", "Table 3. Co-occurrence"]
    assert [c.text_content() for c in doc.xpath("//figure/figcaption")] == [
        "Figure 1. Code cloud", "Figure 2. Excerpts per code"]
    rows = doc.xpath("//table[@id='table-1']/tbody/tr")
    assert [[td.text_content() for td in tr] for tr in rows] == [
        ["Impact/Confidence", "1,200", "62.5%"], ["Ripple/Staff", "7", "5.0%"]]


def test_images_are_embedded_png_data(page):
    _, doc = page
    sources = doc.xpath("//img/@src")
    assert len(sources) == 2
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # self-contained: nothing fetched from elsewhere
    assert not doc.xpath("//link[@rel='stylesheet'] | //script")
    assert all(h.startswith("#") for h in doc.xpath("//a/@href"))


def test_excerpt_text_is_escaped_not_executed(page):
    path, doc = page
    assert not doc.xpath("//script"), "a <script> from excerpt text became an element"
    assert not doc.xpath("//*[@onmouseover]")
    assert not doc.xpath("//td//b | //p//i")
    cell = doc.xpath("//table[@id='table-2']/tbody/tr[1]/td[2]")[0]
    assert cell.text_content() == SCRIPT  # shown verbatim
    quote = doc.xpath("//blockquote/p")[0].text_content()
    assert quote == "It gave me " + SCRIPT
    assert "&lt;script&gt;" in path.read_text(encoding="utf-8")


def test_contents_links_resolve(page):
    _, doc = page
    ids = set(doc.xpath("//@id"))
    targets = [h[1:] for h in doc.xpath("//nav[@class='toc']//a/@href")]
    assert len(targets) == 2 + 2 + 3  # sections, figures, tables
    assert set(targets) <= ids


def test_heat_map_cells_are_shaded_by_value(page):
    _, doc = page
    cells = doc.xpath("//table[@id='table-3']/tbody/tr/td[contains(@class, 'num')]")
    styles = {c.text_content(): c.get("style") for c in cells}
    assert "background:#ffffff" in styles["0"]
    assert "background:#5b9bd5" in styles["9"]


def test_print_style_present(page):
    path, _ = page
    assert "@media print" in path.read_text(encoding="utf-8")


def test_long_tables_are_cut_with_a_note(tmp_path):
    report = Report("R")
    report.add_section("S").add_table(pd.DataFrame({"n": range(30)}), "Many rows")
    doc = lxml.html.fromstring(write_html(report, tmp_path / "r.html", max_rows=10).read_bytes())
    assert len(doc.xpath("//tbody/tr")) == 10
    assert "first 10 of 30 rows" in doc.xpath("//p[@class='note']")[0].text_content()


def test_missing_png_is_a_clear_error(tmp_path):
    report = Report("R")
    report.add_section("S").add_figure(tmp_path / "gone.png", "Gone")
    with pytest.raises(QualcodeError, match="gone.png"):
        write_html(report, tmp_path / "r.html")


def test_long_headers_may_wrap_at_underscores_short_ones_do_not(tmp_path):
    """Wide test tables fit the page because "highest_median" can break after its "_";
    the header still reads as the column name, and "p_value" stays whole."""
    report = Report("Tests")
    report.add_section("Groups").add_table(
        pd.DataFrame({"item": ["A"], "highest_median": [4.0], "p_value": [0.2]}), "Tests")
    html = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "highest_<wbr>median" in html and ">p_value</th>" in html
    headers = [th.text_content() for th in lxml.html.fromstring(html).iter("th")]
    assert headers == ["item", "highest_median", "p_value"]
