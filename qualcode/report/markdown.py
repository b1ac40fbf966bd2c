"""A report as Markdown: pipe tables and image links, for wikis, GitHub and pandoc.

The PNGs are copied into a ``figures/`` folder next to the Markdown file (unless they
already live under it) and linked relatively, so the folder can be zipped or committed as
it is. Text is escaped so an excerpt cannot break a table (``|``, new lines) or inject
HTML into a renderer that allows it (``<script>`` becomes ``&lt;script&gt;``).
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from qualcode.report.content import NUMERIC_FORMATS, Report, Table, slug
from qualcode.report.figures import ReportError
from qualcode.report.html import MAX_ROWS

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")


def md_escape(text: object) -> str:
    """Escape text for Markdown: ``<``, ``>`` (and ``&`` that would start an entity) as
    entities, emphasis/link/table punctuation with a backslash, runs of whitespace (new
    lines too) as one space. Parentheses, ``#`` and ``!`` stay readable: with ``[`` escaped
    they cannot form links or images."""
    s = " ".join(str(text).split())
    s = _ENTITY_LIKE.sub("&amp;", s).replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def anchor(title: str) -> str:
    """GitHub-style heading anchor: ``"1. How codes were applied"`` -> ``"1-how-codes-were-applied"``."""
    s = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return s.replace(" ", "-")


def _pipe_table(table: Table, max_rows: int) -> Iterator[str]:
    data = table.data()
    shown = Table(data.iloc[:max_rows], table.caption, table.name, table.formats, table.decimals,
                  index=False)
    texts = shown.formatted()
    numeric = [table.column_format(c, data.iloc[:, i]) in NUMERIC_FORMATS
               for i, c in enumerate(data.columns)]
    yield "| " + " | ".join(md_escape(c) if str(c) else " " for c in data.columns) + " |"
    yield "|" + "|".join("---:" if num else ":---" for num in numeric) + "|"
    for row in texts.itertuples(index=False, name=None):
        yield "| " + " | ".join(md_escape(v) for v in row) + " |"
    if len(data) > max_rows:
        yield ""
        yield (f"*Showing the first {max_rows:,} of {len(data):,} rows; the Excel workbook and CSV "
               "files hold the full table.*")


def render_markdown(report: Report, figure_links: dict[int, str], *, max_rows: int = MAX_ROWS) -> str:
    """The report as Markdown text; ``figure_links`` maps ``id(FigureRef)`` to the link path."""
    lines = [f"# {md_escape(report.title)}", ""]
    if report.subtitle:
        lines += [f"*{md_escape(report.subtitle)}*", ""]
    if report.headline is not None:
        lines += [f"**{md_escape(report.headline.text())}.**", ""]
    fig_n = tab_n = 0
    if report.sections:
        lines += ["## Contents", ""]
        for i, section in enumerate(report.sections, 1):
            heading = f"{i}. {section.title}"
            lines.append(f"{i}. [{md_escape(section.title)}](#{anchor(heading)})")
        lines.append("")
    for i, section in enumerate(report.sections, 1):
        lines += [f"## {i}. {md_escape(section.title)}", ""]
        for para in section.paragraphs():
            lines += [md_escape(para), ""]
        for fig in section.figures:
            fig_n += 1
            caption = f"Figure {fig_n}. {fig.caption}"
            lines += [f"![{md_escape(caption)}]({figure_links[id(fig)]})", "", f"*{md_escape(caption)}*", ""]
        for table in section.tables:
            tab_n += 1
            lines += [f"**Table {tab_n}. {md_escape(table.caption)}**", ""]
            lines += list(_pipe_table(table, max_rows))
            if table.note:
                lines += ["", f"*{md_escape(table.note)}*"]
            lines.append("")
        for quote in section.quotes:
            lines.append(f"> {md_escape(quote.text)}")
            if quote.attribution:
                lines += [">", f"> {md_escape(quote.attribution)}"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(report: Report, path: str | Path, *, figures_dir: str = "figures",
                   max_rows: int = MAX_ROWS) -> Path:
    """Write ``report`` as Markdown at ``path``, its PNGs in ``figures_dir`` beside it.

    A PNG already under the Markdown file's folder is linked where it is; any other is
    copied into ``figures_dir`` (names made unique). Returns the Markdown path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    base = path.parent.resolve()
    links: dict[int, str] = {}
    to_copy = []
    for _, fig in report.figures():
        if not fig.png.is_file():
            raise ReportError(f"figure {fig.caption!r}: PNG {fig.png} does not exist; save the figure first")
        src = fig.png.resolve()
        if src.is_relative_to(base):
            links[id(fig)] = src.relative_to(base).as_posix()
        else:
            to_copy.append(fig)
    # Deterministic names (a re-run overwrites, never piles up copies), unique in this report.
    names: list[str] = []
    for fig in to_copy:
        stem, n = slug(fig.png.stem, 60), 1
        name = stem
        while name in names:
            n += 1
            name = f"{stem}-{n}"
        names.append(name)
    for fig, name in zip(to_copy, names):
        dest = base / figures_dir / f"{name}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fig.png, dest)
        links[id(fig)] = dest.relative_to(base).as_posix()
    path.write_text(render_markdown(report, links, max_rows=max_rows), encoding="utf-8")
    return path
