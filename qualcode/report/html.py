"""A report as one self-contained HTML file: open it, print it, mail it, paste from it.

Images are embedded as base64 data URIs and the style sheet is inline, so the file works
offline and survives being moved. Every piece of text (titles, captions, excerpt text,
table cells) goes through ``html.escape``: an excerpt that contains ``<script>`` shows as
text and never runs.
"""
from __future__ import annotations

import base64
import html
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_hex

from qualcode.version import __version__
from qualcode.report.content import NUMERIC_FORMATS, FigureRef, Report, Section, Table, is_missing
from qualcode.report.figures import ReportError, text_colour_on

NUM_CLASS = ' class="num"'

#: Rows of one table shown in HTML/Markdown; the workbook and CSV files hold the rest.
MAX_ROWS = 500
#: From this many columns a table prints in smaller type (it scrolls in its wrapper on screen).
WIDE_COLUMNS = 12

_HEAT = LinearSegmentedColormap.from_list("qualcode_html_heat", ["#FFFFFF", "#5B9BD5"])

CSS = """
:root { --ink: #222; --muted: #666; --rule: #d0d7de; --accent: #0072B2; --head: #DDEBF7; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; line-height: 1.2; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem; border-bottom: 2px solid var(--accent); }
.subtitle { color: var(--muted); margin: 0 0 1rem; font-size: 1.05rem; }
.headline { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1.25rem 0 .5rem; padding: 0; list-style: none; }
.headline li { flex: 1 1 9rem; border: 1px solid var(--rule); border-left: 4px solid var(--accent);
               border-radius: 4px; padding: .5rem .75rem; }
.headline .n { display: block; font-size: 1.6rem; font-weight: 700; line-height: 1.2; }
.headline .what { color: var(--muted); font-size: .9rem; }
.headline-text { color: var(--muted); margin: .25rem 0 1.5rem; }
nav.toc { background: #f6f8fa; border: 1px solid var(--rule); border-radius: 4px; padding: .75rem 1.25rem;
          overflow-wrap: anywhere; }
nav.toc h2 { border: 0; margin: 0 0 .25rem; font-size: 1.1rem; }
nav.toc ol { margin: .25rem 0; padding-left: 1.4rem; }
nav.toc ol ol { font-size: .9rem; color: var(--muted); }
a { color: var(--accent); }
figure { margin: 1.5rem 0; page-break-inside: avoid; break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption, caption { font-weight: 600; text-align: left; padding: .4rem 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: 1.5rem 0; }
table { border-collapse: collapse; font-size: .85rem; min-width: 50%; }
caption { caption-side: top; font-size: .95rem; }
th, td { border: 1px solid var(--rule); padding: .25rem .5rem; vertical-align: top; text-align: left; }
thead th { background: var(--head); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tbody tr:nth-child(even) td:not(.heat) { background: #fafbfc; }
td.long { min-width: 22rem; }
td.short, th.short { white-space: nowrap; }
.note { color: var(--muted); font-size: .85rem; margin: .3rem 0 0; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 4px solid #E69F00; background: #fffaf0;
             page-break-inside: avoid; break-inside: avoid; }
blockquote p { margin: 0; font-style: italic; }
blockquote footer { color: var(--muted); margin-top: .25rem; font-size: .9rem; }
footer.generated { color: var(--muted); font-size: .8rem; margin-top: 3rem; border-top: 1px solid var(--rule); padding-top: .5rem; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { page-break-after: always; break-after: page; background: none; }
  h2 { page-break-after: avoid; break-after: avoid; }
  /* No scrolling on paper: a table must fit the page's width. Smaller type, cells that
     wrap (long text anywhere, short labels at spaces), and smaller still for the widest
     tables; numbers stay on one line. */
  .table-wrap { overflow: visible; }
  table { font-size: 7.5pt; min-width: 0; }
  /* the widest tables (agreement per code, excerpts) get a landscape page of their own */
  @page wide { size: A4 landscape; margin: 14mm 14mm; }
  .table-wrap.wide { page: wide; }
  .table-wrap.wide table { font-size: 7pt; }
  th, td { padding: 1px 3px; }
  td.long { min-width: 0; overflow-wrap: anywhere; }
  td.short, th.short { white-space: normal; }
  /* A figure taller than the page is cut at the page's foot, caption and all: keep
     image and caption on one page. */
  figure img { max-height: 200mm; width: auto; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr, td, th { page-break-inside: avoid; break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(text: object) -> str:
    """Escape any text for HTML element content and attribute values."""
    return html.escape("" if is_missing(text) else str(text), quote=True)


def _data_uri(png: Path) -> str:
    if not png.is_file():
        raise ReportError(f"figure {png}: PNG does not exist; save the figure before writing the report")
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _numbered(report: Report) -> tuple[dict[int, int], dict[int, int]]:
    """Running numbers of figures and tables across the report (by object id)."""
    figs: dict[int, int] = {}
    tabs: dict[int, int] = {}
    for section in report.sections:
        for fig in section.figures:
            figs[id(fig)] = len(figs) + 1
        for table in section.tables:
            tabs[id(table)] = len(tabs) + 1
    return figs, tabs


def _headline(report: Report) -> Iterator[str]:
    h = report.headline
    if h is None:
        return
    cards = h.tiles()
    yield '<ul class="headline">'
    for number, what in cards:
        yield f'<li><span class="n">{esc(number)}</span><span class="what">{esc(what)}</span></li>'
    yield "</ul>"
    yield f'<p class="headline-text">{esc(h.text())}.</p>'


def _toc(report: Report, figs: dict[int, int], tabs: dict[int, int]) -> Iterator[str]:
    yield '<nav class="toc"><h2>Contents</h2><ol>'
    for i, section in enumerate(report.sections, 1):
        yield f'<li><a href="#section-{i}">{esc(section.title)}</a>'
        items = [f'<li><a href="#figure-{figs[id(f)]}">Figure {figs[id(f)]}. {esc(f.caption)}</a></li>'
                 for f in section.figures]
        items += [f'<li><a href="#table-{tabs[id(t)]}">Table {tabs[id(t)]}. {esc(t.caption)}</a></li>'
                  for t in section.tables]
        if items:
            yield "<ol>" + "".join(items) + "</ol>"
        yield "</li>"
    yield "</ol></nav>"


def _figure(fig: FigureRef, number: int) -> str:
    caption = f"Figure {number}. {fig.caption}"
    return (f'<figure id="figure-{number}"><img src="{_data_uri(fig.png)}" alt="{esc(fig.caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def _header_text(name: str) -> str:
    """A long header may break after "_" (``highest_<wbr>median``): unbroken, such names widen
    numeric columns past the page. Short ones (``p_value``) stay on one line."""
    return esc(name).replace("_", "_<wbr>") if len(name) > 10 else esc(name)


def _breakable(text: object) -> str:
    """Cell text that may break after "/" (``Impact/External relations/Commissioners``): a
    code path unbroken widens its column past a printed page."""
    return esc(text).replace("/", "/<wbr>")


def _table(table: Table, number: int, max_rows: int) -> Iterator[str]:
    data = table.data()
    shown = data.iloc[:max_rows]
    texts = Table(shown, table.caption, table.name, table.formats, table.decimals, index=False).formatted()
    formats = [table.column_format(c, data.iloc[:, i]) for i, c in enumerate(data.columns)]
    numeric = [f in NUMERIC_FORMATS for f in formats]
    lengths = [int(texts.iloc[:, i].str.len().max()) if len(texts) else 0 for i in range(len(numeric))]
    long_text = [not num and n > 80 for num, n in zip(numeric, lengths)]
    short_text = [not num and n <= 24 for num, n in zip(numeric, lengths)]
    colours: np.ndarray | None = None
    if table.heatmap and any(numeric) and len(shown):
        block = shown.iloc[:, [i for i, n in enumerate(numeric) if n]].apply(pd.to_numeric, errors="coerce")
        values = block.to_numpy(dtype=float, na_value=np.nan)
        top = np.nanmax(values) if np.isfinite(values).any() else 0.0
        colours = values / top if top > 0 else np.zeros_like(values)
    wide = " wide" if len(data.columns) >= WIDE_COLUMNS else ""
    yield f'<div class="table-wrap{wide}"><table id="table-{number}">'
    yield f"<caption>{esc(f'Table {number}. {table.caption}')}</caption>"
    head = "".join(f'<th{NUM_CLASS if num else ""} scope="col">{_header_text(str(c))}</th>'
                   for c, num in zip(data.columns, numeric))
    yield f"<thead><tr>{head}</tr></thead><tbody>"
    for r in range(len(shown)):
        cells = []
        heat_j = 0
        for j, num in enumerate(numeric):
            text = esc(texts.iat[r, j]) if num else _breakable(texts.iat[r, j])
            classes = ["num"] if num else ["long"] if long_text[j] else ["short"] if short_text[j] else []
            style = ""
            if colours is not None and num:
                v = colours[r, heat_j]
                heat_j += 1
                if np.isfinite(v):
                    rgba = _HEAT(float(v))
                    style = f' style="background:{to_hex(rgba)};color:{text_colour_on(rgba)}"'
                    classes.append("heat")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            tag = "th" if j == 0 and not num and len(numeric) > 1 and table.heatmap else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cells.append(f"<{tag}{cls}{scope}{style}>{text}</{tag}>")
        yield "<tr>" + "".join(cells) + "</tr>"
    yield "</tbody></table>"
    notes = [table.note] if table.note else []
    if len(data) > max_rows:
        notes.append(f"Showing the first {max_rows:,} of {len(data):,} rows; the Excel workbook and "
                     "CSV files hold the full table.")
    for note in notes:
        yield f'<p class="note">{esc(note)}</p>'
    yield "</div>"


def _section(section: Section, i: int, figs: dict[int, int], tabs: dict[int, int],
             max_rows: int) -> Iterator[str]:
    yield f'<section id="section-{i}"><h2>{i}. {esc(section.title)}</h2>'
    for para in section.paragraphs():
        yield f"<p>{esc(para)}</p>"
    for fig in section.figures:
        yield _figure(fig, figs[id(fig)])
    for table in section.tables:
        yield from _table(table, tabs[id(table)], max_rows)
    for quote in section.quotes:
        attribution = f"<footer>{esc(quote.attribution)}</footer>" if quote.attribution else ""
        yield f"<blockquote><p>{esc(quote.text)}</p>{attribution}</blockquote>"
    yield "</section>"


def render_html(report: Report, *, max_rows: int = MAX_ROWS) -> str:
    """The whole report as one HTML document (a string)."""
    figs, tabs = _numbered(report)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f'<meta name="generator" content="qualcode {esc(__version__)}">',
             f"<title>{esc(report.title)}</title><style>{CSS}</style></head><body><main>",
             f"<header><h1>{esc(report.title)}</h1>"]
    if report.subtitle:
        parts.append(f'<p class="subtitle">{esc(report.subtitle)}</p>')
    parts.extend(_headline(report))
    parts.append("</header>")
    if report.sections:
        parts.extend(_toc(report, figs, tabs))
    for i, section in enumerate(report.sections, 1):
        parts.extend(_section(section, i, figs, tabs, max_rows))
    parts.append(f'<footer class="generated">Made with qualcode {esc(__version__)}.</footer>')
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_html(report: Report, path: str | Path, *, max_rows: int = MAX_ROWS) -> Path:
    """Write ``report`` as one self-contained HTML file at ``path``; returns the path.

    Tables longer than ``max_rows`` show their first rows and say so; the workbook and
    CSV files carry the full tables.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, max_rows=max_rows), encoding="utf-8")
    return path
