"""The Excel workbook, read back with openpyxl (and as raw XML for the formula check)."""
from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from qualcode.errors import QualcodeError
from qualcode.report.content import Headline, Report
from qualcode.report.excel import MAX_WIDTH, safe_sheet_names, write_excel

DANGEROUS = ['=HYPERLINK("http://evil.example","click me")', "+44 7700 900123", "-1+2", "@SUM(A1:A9)",
             "\t=1+1", "#N/A"]


def _png(folder, name: str):
    fig = Figure(figsize=(3, 2))
    fig.subplots().bar([0, 1], [3, 1])
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=50)
    return path


def _report(tmp_path) -> Report:
    report = Report("Advance impact study", "Waves 1-2", Headline(170, 1350, 124, 200))
    s1 = report.add_section("Code frequencies")
    s1.add_table(pd.DataFrame({"code": ["Impact/Confidence", "Issues/Governance", "Ripple/Staff"],
                               "excerpts": [1200, 35, 7], "pct_cases": [62.5, 30.0, 5.0],
                               "mean_weight": [3.456, 2.0, 1.5]}),
                 "Code frequencies", name="Frequencies", formats={"pct_cases": "percent"},
                 decimals={"mean_weight": 2})
    s1.add_figure(_png(tmp_path, "freq"), "Excerpts per code")
    s1.add_figure(_png(tmp_path, "cloud"), "Code cloud")
    s2 = report.add_section("Co-occurrence")
    codes = ["Impact/Confidence", "Issues/Governance"]
    s2.add_table(pd.DataFrame([[0, 4], [4, 0]], index=codes, columns=codes), "Co-occurrence", heatmap=True)
    s3 = report.add_section("Excerpts")
    long_text = "I walk into the council meetings now and I actually say what I think. " * 6
    s3.add_table(pd.DataFrame({"excerpt_id": range(1, len(DANGEROUS) + 2), "case": ["CEO-01"] * (len(DANGEROUS) + 1),
                               "text": DANGEROUS + [long_text]}), "Coded excerpts", name="Excerpts")
    s3.add_quote("=cmd|' /C calc'!A0", "— CEO, wave 2")
    return report


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("excel")
    path = write_excel(_report(tmp_path), tmp_path / "out" / "report.xlsx")
    return path, load_workbook(path)


def test_sheets_and_contents_links(workbook):
    _, wb = workbook
    assert wb.sheetnames == ["Contents", "Frequencies", "Co-occurrence", "Excerpts", "Quotes"]
    contents = wb["Contents"]
    assert contents["A1"].value == "Advance impact study"
    assert any(c.value == "170 sources, 1,350 coded excerpts, 124 questionnaire responses (62% response rate)"
               for c in contents["A"])
    targets = {c.hyperlink.location.split("!")[0].strip("'") for c in contents["A"] if c.hyperlink}
    assert targets == set(wb.sheetnames) - {"Contents"}
    for name in ("Frequencies", "Excerpts"):  # every table sheet links back
        assert wb[name]["A2"].hyperlink.location == "'Contents'!A1"


def test_table_sheet_layout_header_frozen_filtered(workbook):
    _, wb = workbook
    ws = wb["Frequencies"]
    assert ws["A1"].value == "Code frequencies"
    header = [c.value for c in ws[3]]
    assert header == ["code", "excerpts", "pct_cases", "mean_weight"]
    assert all(c.font.bold for c in ws[3])
    assert ws.freeze_panes == "B4"  # header row and the label column stay in view
    assert ws.auto_filter.ref == "A3:D6"


def test_numbers_in_first_column_freeze_only_the_header(tmp_path):
    report = Report("R")
    report.add_section("S").add_table(pd.DataFrame({"wave": [1, 2], "cases": [10, 12]}), "By wave")
    wb = load_workbook(write_excel(report, tmp_path / "r.xlsx"))
    assert wb["By wave"].freeze_panes == "A4"


def test_number_and_percent_formats(workbook):
    _, wb = workbook
    ws = wb["Frequencies"]
    assert ws["B4"].value == 1200 and ws["B4"].number_format == "#,##0"
    assert ws["C4"].value == pytest.approx(0.625) and ws["C4"].number_format == "0.0%"
    assert ws["D4"].value == pytest.approx(3.456) and ws["D4"].number_format == "#,##0.00"
    ids = wb["Excerpts"]
    assert ids["A4"].value == 1 and ids["A4"].number_format == "General"  # ids are not "1,201"


def test_formula_like_text_is_stored_as_text(workbook):
    path, wb = workbook
    ws = wb["Excerpts"]
    cells = [ws.cell(row=4 + i, column=3) for i in range(len(DANGEROUS))]
    for cell, text in zip(cells, DANGEROUS):
        assert cell.value == text
        assert cell.data_type == "s", f"{text!r} not stored as a string"
    assert all(c.quotePrefix for c in cells[:5])  # =, +, -, @, tab get Excel's quote prefix
    quote_cell = wb["Quotes"]["B4"]
    assert quote_cell.value == "=cmd|' /C calc'!A0" and quote_cell.data_type == "s"
    # independent of openpyxl's reader: no formula element anywhere in the package
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode("utf-8")
                assert not re.search(r"<(\w+:)?f[ >]", xml), f"formula in {name}"


def test_long_text_wraps_and_widths_fit(workbook):
    _, wb = workbook
    ws = wb["Excerpts"]
    assert ws.column_dimensions["C"].width == MAX_WIDTH
    assert ws.cell(row=4 + len(DANGEROUS), column=3).alignment.wrap_text
    freq = wb["Frequencies"]
    assert freq.column_dimensions["A"].width >= len("Impact/Confidence")
    assert freq.column_dimensions["A"].width < MAX_WIDTH


def test_heat_map_table_gets_a_colour_scale_only_there(workbook):
    _, wb = workbook
    rules = [(str(cf.sqref), r.type) for cf in wb["Co-occurrence"].conditional_formatting for r in cf.rules]
    assert rules == [("B4:C5", "colorScale")]
    assert not list(wb["Frequencies"].conditional_formatting)


def test_figures_sit_beside_their_sections_first_table(workbook):
    """Both figures of "Code frequencies" go to the right of its table (4 columns, so from
    column F), stacked; the Contents sheet links to each one's cell."""
    _, wb = workbook
    assert "Figures" not in wb.sheetnames
    ws = wb["Frequencies"]
    assert len(ws._images) == 2
    anchors = sorted((img.anchor._from.row, img.anchor._from.col) for img in ws._images)
    assert [col for _, col in anchors] == [5, 5]  # 0-based: column F
    assert anchors[0][0] == 2 and anchors[1][0] - anchors[0][0] >= 5  # from the header row, not overlapping
    links = {c.offset(column=1).value: c.hyperlink.location for c in wb["Contents"]["A"] if c.hyperlink}
    assert links["Figure 1. Excerpts per code"] == "'Frequencies'!F3"
    assert links["Figure 2. Code cloud"].startswith("'Frequencies'!F")


def test_figures_of_a_section_without_a_table_go_to_the_figures_sheet(tmp_path):
    report = Report("Only pictures")
    report.add_section("Clouds").add_figure(_png(tmp_path, "cloud"), "Code cloud")
    report.add_section("Numbers").add_table(pd.DataFrame({"code": ["A"], "n": [1]}), "Counts")
    wb = load_workbook(write_excel(report, tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["Contents", "Counts", "Figures"]
    ws = wb["Figures"]
    assert len(ws._images) == 1 and not wb["Counts"]._images
    captions = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Figure")]
    assert captions == ["Figure 1. Code cloud"]


def test_sheet_names_valid_unique_and_short():
    names = safe_sheet_names(["Codes: by role / wave?", "A" * 40, "A" * 40, "contents", "'quoted'", "History"],
                             taken=["Contents"])
    assert all(len(n) <= 31 for n in names)
    assert not any(set(n) & set("[]:*?/\\") for n in names)
    assert len({n.lower() for n in names} | {"contents"}) == len(names) + 1
    assert names[0] == "Codes by role wave"
    assert names[4] == "quoted" and names[5] != "History"


def test_too_many_rows_is_a_clear_error(tmp_path, monkeypatch):
    import qualcode.report.excel as excel

    monkeypatch.setattr(excel, "MAX_ROWS", 10)
    report = Report("R")
    report.add_section("S").add_table(pd.DataFrame({"a": range(20)}), "Big")
    with pytest.raises(QualcodeError, match="CSV"):
        write_excel(report, tmp_path / "r.xlsx")


def test_missing_png_is_a_clear_error(tmp_path):
    report = Report("R")
    report.add_section("S").add_figure(tmp_path / "nowhere.png", "Lost")
    with pytest.raises(QualcodeError, match="nowhere.png"):
        write_excel(report, tmp_path / "r.xlsx")


def test_p_values_stay_numbers_and_read_below_one_in_a_thousand(tmp_path):
    """A p of 0.00005 is a number Excel can sort and filter, shown as "<0.001"; the
    HTML and Markdown show the same text."""
    from qualcode.report.html import write_html
    from qualcode.report.markdown import write_markdown

    report = Report("Tests")
    report.add_section("Groups").add_table(
        pd.DataFrame({"code": ["A", "B"], "p_value": [0.00005, 0.0423]}), "Exact tests",
        formats={"p_value": "pvalue"})
    wb = load_workbook(write_excel(report, tmp_path / "r.xlsx"))
    ws = wb[wb.sheetnames[1]]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(4, 6)}
    assert cells["A"].value == pytest.approx(0.00005) and cells["B"].value == pytest.approx(0.0423)
    assert cells["A"].number_format == '[<0.001]"<0.001";0.000'
    html = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "&lt;0.001" in html and "0.042" in html and "0.000" not in html
    markdown = write_markdown(report, tmp_path / "r.md").read_text(encoding="utf-8")
    assert "0.042" in markdown and "0.001" in markdown and "0.000" not in markdown
