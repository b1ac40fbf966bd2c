"""Code clouds and word clouds (wordcloud laid out, matplotlib framed).

A *code cloud* is the picture evaluation reports use to show "how the codes were applied":
each code's name sized by how often it was applied and coloured by its top-level branch,
with a legend naming the branches. A *word cloud* shows the words of any set of excerpts.
Both are drawn from frequencies the analyses computed (never from raw text here), with a
fixed random seed so the same data gives the same picture in every report run.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from wordcloud import WordCloud

from qualcode.report.cloud_layout import incremental_layout
from qualcode.report.figures import (
    PAGE_WIDTH,
    ReportError,
    bottom_legend,
    branch_colours,
    mark_bitmap,
    message_figure,
    new_figure,
    set_title,
    styled,
    top_branch,
)

#: Pixels of the cloud image for a page-width figure (sharp at 200 dpi).
CLOUD_SIZE = (1800, 1000)

#: Smallest name in the cloud, in pixels of :data:`CLOUD_SIZE`: about 5.5 pt at page width,
#: the smallest type still readable in print. Codes that do not fit at this size are counted
#: in a note rather than drawn illegibly small.
MIN_FONT_PX = 22

#: Word clouds: more frequent words darker, on a blue ramp that prints in grey.
WORD_RAMP = LinearSegmentedColormap.from_list("qualcode_words", ["#6BAED6", "#0072B2", "#08306B"])


@lru_cache(maxsize=None)
def _font_path(bold: bool = True) -> str:
    """DejaVu Sans ships with matplotlib, so clouds look the same on every machine."""
    return font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal"),
        fallback_to_default=True)


def unique_code_labels(paths: list[str]) -> dict[str, str]:
    """Short, unique display names for code paths: the code's name, and for names used
    twice (``Impact/Organisation/Staff`` and ``Ripple/Staff``) the parent in brackets
    (``Staff (Organisation)``, ``Staff (Ripple)``), going further up if still ambiguous."""
    parts = {p: [s.strip() for s in str(p).split("/") if s.strip()] or [str(p)] for p in paths}
    labels: dict[str, str] = {}
    depth = {p: 1 for p in paths}
    while True:
        for p in paths:
            segs = parts[p]
            k = min(depth[p], len(segs))
            name = segs[-1]
            labels[p] = name if k == 1 else f"{name} ({' / '.join(segs[-k:-1])})"
        counts = Counter(labels.values())
        clashes = [p for p in paths if counts[labels[p]] > 1 and depth[p] < len(parts[p])]
        if not clashes:
            break
        for p in clashes:
            depth[p] += 1
    # Identical paths (or paths differing only in spacing) still clash: number them.
    seen: Counter[str] = Counter()
    for p in paths:
        seen[labels[p]] += 1
        if seen[labels[p]] > 1:
            labels[p] = f"{labels[p]} [{seen[labels[p]]}]"
    return labels


def _cloud_figure(cloud: WordCloud, title: str | None, legend: list[Patch] | None,
                  note: str | None) -> Figure:
    height_in = PAGE_WIDTH * cloud.height / cloud.width + (0.45 if title else 0.1)
    fig = new_figure(PAGE_WIDTH, height_in + (0.45 if legend or note else 0))
    ax = fig.subplots()
    mark_bitmap(ax.imshow(cloud.to_array(), interpolation="lanczos"))
    ax.set_axis_off()
    set_title(fig, title)
    handles = list(legend or [])
    if note:  # an entry without a swatch: part of the layout, so it never overlaps the cloud
        handles.append(Patch(facecolor="none", edgecolor="none", label=note))
    bottom_legend(fig, handles, fontsize=9, handlelength=1.0)
    return fig


@styled
def code_cloud(codes: pd.DataFrame, *, code: str = "code", count: str | None = None,
               branch: str | None = "top", colours: Mapping[str, str] | None = None,
               title: str | None = None, max_codes: int = 200, seed: int = 7,
               size: tuple[int, int] = CLOUD_SIZE, horizontal: float = 1.0) -> Figure:
    """Each code's name sized by its application count and coloured by its branch.

    ``codes`` has one row per code: the code's path in column ``code``, the number of
    applications (or excerpts, or cases) in ``count`` (default: the first of
    ``applications``, ``count``, ``excerpts`` present, so the analysis ``frequencies``
    table can be passed as it is) and the top-level branch in
    ``branch`` (when that column is missing the branch is the path's first part).
    ``colours`` maps branch -> colour (e.g. the codebook's colours); other branches get
    the colour-blind-safe palette. The legend lists each branch with its total. Codes with
    no applications are left out; if the cloud has no room for some codes, a note in the
    corner says how many are missing, so nothing disappears silently. ``horizontal`` is
    the share of names laid out horizontally (1.0: all, easiest to read).
    """
    if not isinstance(codes, pd.DataFrame):
        raise ReportError(f"code_cloud: expected a DataFrame of codes and counts, got {type(codes).__name__}")
    if count is None:
        count = next((c for c in ("applications", "count", "excerpts") if c in codes.columns), "applications")
    for col in (code, count):
        if col not in codes.columns:
            raise ReportError(f"code_cloud: no column {col!r}; columns are {list(codes.columns)}")
    frame = pd.DataFrame({"code": codes[code].astype(str),
                          "count": pd.to_numeric(codes[count], errors="coerce")})
    if branch is not None and branch in codes.columns:
        frame["branch"] = codes[branch].astype(str).to_numpy()
    else:
        frame["branch"] = frame["code"].map(top_branch)
    frame = frame[frame["count"] > 0]
    if frame.empty:
        return message_figure("No codes have been applied yet", title)
    frame = (frame.groupby(["code", "branch"], as_index=False, sort=False)["count"].sum()
             .sort_values("count", ascending=False, kind="stable"))
    total_codes = len(frame)
    frame = frame.head(max_codes)

    labels = unique_code_labels(frame["code"].tolist())
    frame["label"] = frame["code"].map(labels)
    totals = frame.groupby("branch", sort=False)["count"].sum().sort_values(ascending=False, kind="stable")
    branch_colour = branch_colours(totals.index, colours)  # legend: largest branch first
    colour_of_label = {lab: branch_colour[b] for lab, b in zip(frame["label"], frame["branch"])}

    def colour_func(word: str, **_: object) -> str:
        return colour_of_label.get(word, "#444444")

    width, height = size
    cloud = WordCloud(width=width, height=height, background_color="white", font_path=_font_path(True),
                      prefer_horizontal=horizontal, relative_scaling=0.4, min_font_size=MIN_FONT_PX,
                      max_font_size=int(height * 0.16), max_words=len(frame), margin=6,
                      random_state=seed, color_func=colour_func, collocations=False)
    with incremental_layout():  # the package's layout, faster (report/cloud_layout.py)
        cloud.generate_from_frequencies(dict(zip(frame["label"], frame["count"].astype(float))))
    shown = len(cloud.layout_)
    missing = total_codes - shown
    note = f"{missing} of {total_codes} codes too rare to fit" if missing > 0 else None

    legend = [Patch(color=branch_colour[b], label=f"{b} ({totals[b]:,.0f})") for b in branch_colour]
    return _cloud_figure(cloud, title, legend, note)


def _as_frequencies(words: Mapping[str, float] | pd.Series | pd.DataFrame, word: str,
                    count: str) -> dict[str, float]:
    if isinstance(words, pd.DataFrame):
        for col in (word, count):
            if col not in words.columns:
                raise ReportError(f"word_cloud: no column {col!r}; columns are {list(words.columns)}")
        pairs = zip(words[word].astype(str), pd.to_numeric(words[count], errors="coerce"))
    elif isinstance(words, pd.Series):
        pairs = zip(words.index.map(str), pd.to_numeric(words, errors="coerce"))
    elif isinstance(words, Mapping):
        pairs = ((str(k), float(v)) for k, v in words.items())
    else:
        raise ReportError(f"word_cloud: expected a mapping word -> count, a Series or a DataFrame, "
                          f"got {type(words).__name__}")
    freqs: dict[str, float] = {}
    for w, c in pairs:
        if w.strip() and c is not None and np.isfinite(c) and c > 0:
            freqs[w] = freqs.get(w, 0.0) + float(c)
    return freqs


@styled
def word_cloud(words: Mapping[str, float] | pd.Series | pd.DataFrame, *, word: str = "word",
               count: str = "count", title: str | None = None, max_words: int = 120, seed: int = 7,
               size: tuple[int, int] = CLOUD_SIZE, horizontal: float = 0.9) -> Figure:
    """A word cloud from word frequencies: bigger and darker means more frequent.

    ``words`` is a mapping word -> count, a Series indexed by word, or a DataFrame with
    columns ``word`` and ``count`` (e.g. the lemmatised word frequencies of one code's
    excerpts). Stop words and lemmatisation are the analysis's job; this only draws.
    """
    freqs = _as_frequencies(words, word, count)
    if not freqs:
        return message_figure("No words to show", title)
    top = dict(sorted(freqs.items(), key=lambda kv: -kv[1])[:max_words])
    hi = max(top.values())
    lo = min(top.values())
    span = np.log(hi) - np.log(lo) if hi > lo else 1.0

    def colour_func(word: str, **_: object) -> str:
        f = top.get(word, lo)
        return to_hex(WORD_RAMP((np.log(f) - np.log(lo)) / span if hi > lo else 1.0))

    width, height = size
    cloud = WordCloud(width=width, height=height, background_color="white", font_path=_font_path(True),
                      prefer_horizontal=horizontal, relative_scaling=0.5, min_font_size=MIN_FONT_PX,
                      max_font_size=int(height * 0.22), max_words=len(top), margin=4,
                      random_state=seed, color_func=colour_func, collocations=False)
    with incremental_layout():
        cloud.generate_from_frequencies(top)
    missing = len(top) - len(cloud.layout_)
    note = f"{missing} of the {len(top)} most frequent words too rare to fit" if missing > 0 else None
    return _cloud_figure(cloud, title, None, note)
