"""The HTML report in a real browser (Debian's Chromium): nothing clipped on a wide
screen, a laptop, a tablet or a phone, nor on paper.

Issue 18 saw the report clip a q-value column and a figure caption. On screen a wide
table scrolls inside its own wrapper; on paper nothing scrolls, so tables must fit the
page (smaller type, cells that wrap, a landscape page for the widest), and a figure
taller than the page (a heat map of 30 codes) must shrink so its caption prints with it.
The report below carries what made the demo's print clip: an agreement table of 15
columns, a group-test table whose q-value column is the last, code paths, a long
caption without spaces to break at, and a tall heat map.
"""
from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from browser import NO_BROWSER, chromium
from qualcode.report.content import Headline, Report
from qualcode.report.html import write_html

pytestmark = pytest.mark.skipif(NO_BROWSER is not None, reason=NO_BROWSER or "")

#: A4 less the report's print margins (16 mm each side, 18 mm top and bottom) in CSS px (96 per inch).
PORTRAIT_WIDTH = round((210 - 32) / 25.4 * 96)
PORTRAIT_HEIGHT = round((297 - 36) / 25.4 * 96)
#: The landscape page the widest tables get (14 mm margins).
LANDSCAPE_WIDTH = round((297 - 28) / 25.4 * 96)

CODES = ["Impact/External relations/Commissioners", "Issues/Governance/Trustee recruitment",
         "Process/Logistics/Face-to-face meetings", "Issues/Sustainability/Income diversification"] * 6

#: Every element whose box passes the right edge of the text column without a wrapper
#: that scrolls it, every element that hides overflowing content, and a page that scrolls
#: sideways (on screen). ``scope``: "narrow" skips the tables printed on a landscape page, "wide"
#: looks only at them.
CLIPPED = r"""
const scope = arguments[0];
const out = [];
const main = document.querySelector('main');
const box = main.getBoundingClientRect();
const right = box.right - parseFloat(getComputedStyle(main).paddingRight) + 1;
if (scope === 'all' && document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)
  out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + document.documentElement.clientWidth);
const scroller = el => { for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if ((o === 'auto' || o === 'scroll') && p.scrollWidth > p.clientWidth) return p; }
  return null; };
for (const el of main.querySelectorAll('*')) {
  const wide = el.closest('.wide') !== null;
  if ((scope === 'narrow' && wide) || (scope === 'wide' && !wide)) continue;
  const r = el.getBoundingClientRect();
  if (!r.width) continue;
  const s = getComputedStyle(el);
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + el.textContent.trim().slice(0, 40) + '"';
  if ((s.overflowX === 'hidden' || s.overflowX === 'clip') && el.scrollWidth > el.clientWidth + 1)
    out.push('hides its overflow: ' + name);
  if (r.right > right && !scroller(el)) out.push('past the column (' + Math.round(r.right) + ' > ' + Math.round(right) + '): ' + name);
}
for (const t of main.querySelectorAll('table')) {
  const w = t.parentElement;
  if (t.getBoundingClientRect().width > w.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(w).overflowX)
      && !(scope === 'wide' || scope === 'narrow'))
    out.push('a table wider than its wrapper, which does not scroll: ' + t.id);
}
return out;
"""


def _png(path: Path, size: tuple[float, float]) -> Path:
    fig = Figure(figsize=size)
    ax = fig.subplots()
    ax.imshow(np.arange(len(CODES) * 3).reshape(len(CODES), 3), aspect="auto")
    ax.set_yticks(range(len(CODES)), CODES)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path


def _report(folder: Path) -> Report:
    report = Report("Layout study", "Analysis report made with qualcode",
                    Headline(23, 582, 88, 140, cases=109, base=20))
    groups = report.add_section("Codes by role")
    groups.add_figure(_png(folder / "heat.png", (6, 14)),
                      "Codes by role (% of participants; * the groups differ, q below .05 by an exact test). "
                      "Base: the 20 participants whose material carries a code (23 coded sources).")
    tests = pd.DataFrame({"code": CODES, "highest": "Trustee", "highest_pct": 100.0, "lowest": "Mentor",
                          "lowest_pct": 0.0, "gap": 100.0, "test": "exact chi-square",
                          "p_value": np.linspace(0.0004, 0.9, len(CODES)),
                          "q_value": np.linspace(0.001, 0.95, len(CODES))})
    groups.add_table(tests, "Do the role groups differ? Exact tests per code",
                     formats={"highest_pct": "percent", "lowest_pct": "percent", "p_value": "pvalue", "q_value": "pvalue"})
    ratings = report.add_section("Questionnaire")
    ratings.add_figure(_png(folder / "ratings.png", (6, 3)),
                       "Ratings per objective. Out of ten, how far has Advance met its aim of … "
                       "https://example.org/a/very/long/address/without/any/space/to/break/at/questionnaire-2024-wave-2")
    agreement = report.add_section("Agreement between coders (anna, ben)")
    columns = ["n_units", "n_applied", "percent_agreement", "percent_all_applied", "both", "only_anna",
               "only_ben", "neither", "kappa", "kappa_label", "alpha", "alpha_label", "weight_r"]
    table = pd.DataFrame({"code": CODES[:8], **{c: [103.0, 7.0, 97.09, 57.14, 4, 2, 1, 96, 0.71, 0, 0.71, 0, 0.94][i]
                                                  for i, c in enumerate(columns)}})
    table["kappa_label"], table["alpha_label"] = "almost perfect", "unacceptable"
    table["explanation"] = "weight r undefined: fewer than 2 units weighted by both coders"
    agreement.add_table(table, "Agreement per code (excerpt level)")
    return report


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layout")
    return write_html(_report(folder), folder / "report.html")


@pytest.fixture(scope="module")
def browser():
    driver = chromium(1280, 900)
    yield driver
    driver.quit()


def _viewport(driver, width: int, height: int = 900, *, media: str = "screen") -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})


@pytest.mark.parametrize("width", [1280, 1024, 800, 390])
def test_nothing_is_clipped_on_screen(browser, report_html: Path, width: int) -> None:
    browser.get(report_html.as_uri())
    _viewport(browser, width)
    assert browser.execute_script(CLIPPED, "all") == []
    # the q-value column is there to read: inside the table's own scrolling wrapper
    visible = browser.execute_script(
        "const t = document.querySelector('#table-1'); const w = t.parentElement;"
        "const last = t.querySelector('thead th:last-child');"
        "w.scrollLeft = w.scrollWidth;"
        "const r = last.getBoundingClientRect(), b = w.getBoundingClientRect();"
        "return [last.textContent, r.right <= b.right + 1, r.left >= b.left - 1];")
    assert visible == ["q_value", True, True]


def test_nothing_is_clipped_on_paper(browser, report_html: Path) -> None:
    """Print layout at the width of A4 portrait: every table but the widest fits; the
    widest fit the landscape page they print on; every figure with its caption fits the
    page's height."""
    browser.get(report_html.as_uri())
    _viewport(browser, PORTRAIT_WIDTH, PORTRAIT_HEIGHT, media="print")
    assert browser.execute_script(CLIPPED, "narrow") == []
    figures = browser.execute_script(
        "return [...document.querySelectorAll('figure')].map(f => [f.id, f.getBoundingClientRect().height])")
    assert figures and all(height <= PORTRAIT_HEIGHT for _, height in figures), figures
    wide = browser.execute_script("return [...document.querySelectorAll('.wide table')].map(t => t.id)")
    assert wide == ["table-2"]  # the agreement table, 15 columns
    _viewport(browser, LANDSCAPE_WIDTH, PORTRAIT_WIDTH, media="print")
    assert browser.execute_script(CLIPPED, "wide") == []


def test_the_printed_pdf_keeps_the_last_columns(browser, report_html: Path, tmp_path: Path) -> None:
    """Chromium's own PDF: the q-value column and the agreement table's last column are
    in it, and the agreement table's page is landscape."""
    from pypdf import PdfReader

    browser.get(report_html.as_uri())
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
    path = tmp_path / "report.pdf"
    path.write_bytes(base64.b64decode(pdf["data"]))
    pages = PdfReader(path).pages
    text = [" ".join(page.extract_text().split()) for page in pages]
    assert any("q_value" in t for t in text)
    agreement = max(i for i, t in enumerate(text) if "Table 2. Agreement per code" in t)  # not the contents
    box = pages[agreement].mediabox
    assert box.width > box.height
    assert "explanation" in text[agreement] and "fewer than 2 units weighted by both coders" in text[agreement]
    assert "without/any/space/to/break/at/questionnaire-2024-wave-2" in " ".join(text).replace("/ ", "/")
