"""A codebook as a researcher reads it: an indented tree with colours, descriptions and
how often each code was applied, as text (``repr``) and as HTML in Jupyter."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd


@dataclass
class CodebookView:
    """The ``codes()`` frame plus application counts, displayed as a tree."""

    frame: pd.DataFrame  # codes() with an ``applications`` column

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        lines = []
        for row in self.frame.itertuples():
            count = f" ({row.applications})" if row.applications else ""
            lines.append(f"{'  ' * row.depth}{row.name}{count}")
        return "\n".join(lines) or "(empty codebook)"

    def _repr_html_(self) -> str:
        if self.frame.empty:
            return "<p><em>The codebook is empty.</em></p>"
        items = []
        for row in self.frame.itertuples():
            colour = row.colour or "#bbbbbb"
            swatch = f'<span style="display:inline-block;width:.8em;height:.8em;background:{escape(colour)};' \
                     'margin-right:.4em;border-radius:2px"></span>'
            count = f' <span style="color:#666">({row.applications})</span>' if row.applications else ""
            description = f'<div style="color:#555;font-size:90%">{escape(row.description)}</div>' if row.description else ""
            items.append(f'<div style="margin-left:{1.4 * row.depth}em;padding:2px 0">{swatch}<b>{escape(row.name)}</b>'
                         f"{count}{description}</div>")
        return f'<div style="font-family:sans-serif">{"".join(items)}</div>'
