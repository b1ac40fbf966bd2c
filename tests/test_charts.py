"""Charts draw what the table says, readably: checked on the drawn artists, not on pixels."""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image
from scipy import stats

from qualcode.errors import QualcodeError
from qualcode.report import charts
from qualcode.report.figures import (
    DPI,
    PAGE_WIDTH,
    PALETTE,
    branch_colours,
    code_label,
    save_figure,
    wrap_label,
)

CODES = [
    "Impact/Confidence",
    "Impact/Organisation/Strategy and business planning",
    "Issues/Sustainability/Income diversification and trading",
    "Issues/Governance/Board relations",
    "Ripple/Staff",
    "Process/Matching mentor and mentee",
    "Process/Logistics/Online meetings",
    "Impact/Wellbeing",
]


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def _rendered(fig: Figure):
    canvas = FigureCanvasAgg(fig)  # library figures have no canvas of their own (no pyplot)
    canvas.draw()
    return canvas.get_renderer()


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


def _assert_inside_figure(fig: Figure, texts: list[Text], renderer=None) -> None:
    renderer = renderer or _rendered(fig)
    fig_box = fig.bbox
    for t in texts:
        if not t.get_text() or not t.get_visible():
            continue
        box = t.get_window_extent(renderer)
        assert box.x0 >= fig_box.x0 - 1 and box.x1 <= fig_box.x1 + 1, f"{t.get_text()!r} clipped left/right"
        assert box.y0 >= fig_box.y0 - 1 and box.y1 <= fig_box.y1 + 1, f"{t.get_text()!r} clipped top/bottom"


def _assert_no_overlap(fig: Figure, texts: list[Text], renderer=None) -> None:
    renderer = renderer or _rendered(fig)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            assert not _boxes_overlap(a, b), f"labels overlap: {ta!r} and {tb!r}"


# --- labels -------------------------------------------------------------------------------

def test_code_label_keeps_parent_and_name_and_wraps():
    assert code_label("Arenas/Self/Confidence") == "Self / Confidence"
    label = code_label("Arenas/Organisation/Governance and trustees", width=20)
    assert label.split("\n") == ["Organisation /", "Governance and", "trustees"][:2] or "Governance" in label
    assert all(len(line) <= 20 for line in label.split("\n"))
    assert len(label.split("\n")) <= 2


def test_code_label_drops_parent_before_cutting_the_name():
    label = code_label("Issues/Sustainability/Income diversification", width=24, max_lines=1)
    assert label == "Income diversification"


def test_wrap_label_marks_cut_text_with_ellipsis():
    text = "My mentor understood the pressures on a small charity in a rural area"
    out = wrap_label(text, 20, 2)
    lines = out.split("\n")
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(len(line) <= 20 for line in lines)


def test_branch_colours_same_branch_same_colour_whatever_subset():
    all_three = branch_colours(["Ripple", "Impact", "Issues"])
    only_two = branch_colours(["Issues", "Impact"])
    assert all_three["Impact"] == only_two["Impact"]
    assert all_three["Issues"] == only_two["Issues"]
    assert len(set(all_three.values())) == 3
    given = branch_colours(["Impact", "Issues"], {"Impact": "#1b9e77"})
    assert given["Impact"] == "#1b9e77"


# --- frequency bars -----------------------------------------------------------------------

def _freq() -> pd.DataFrame:
    counts = [40, 75, 12, 33, 90, 5, 18, 27]
    return pd.DataFrame({"code": CODES, "excerpts": counts, "top": [c.split("/")[0] for c in CODES]})


def test_frequency_bars_draw_each_value_largest_first():
    fig = charts.frequency_bars(_freq(), "excerpts", label="code")
    ax = fig.axes[0]
    widths = [b.get_width() for b in _bars(ax)]
    assert widths == sorted([40, 75, 12, 33, 90, 5, 18, 27], reverse=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Ripple / Staff"  # 90, the largest
    # value written at the end of each bar
    values = {t.get_text() for t in ax.texts}
    assert {"90", "75", "5"} <= values


def test_frequency_bars_top_n_says_how_many_were_left_out():
    fig = charts.frequency_bars(_freq(), "excerpts", label="code", top=3, xlabel="Excerpts")
    ax = fig.axes[0]
    assert [b.get_width() for b in _bars(ax)] == [90, 75, 40]
    assert "top 3 of 8" in ax.get_xlabel()


def test_frequency_bars_colour_by_branch_with_legend():
    fig = charts.frequency_bars(_freq(), "excerpts", label="code", branch="top")
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    colours = [to_hex(b.get_facecolor()) for b in _bars(ax)]
    frame = _freq().sort_values("excerpts", ascending=False)
    by_branch: dict[str, set[str]] = {}
    for branch, colour in zip(frame["top"], colours):
        by_branch.setdefault(branch, set()).add(colour)
    assert all(len(c) == 1 for c in by_branch.values()), "one colour per branch"
    assert len({next(iter(c)) for c in by_branch.values()}) == 4, "different branches differ"
    legend = fig.legends[0]
    assert sorted(t.get_text() for t in legend.get_texts()) == ["Impact", "Issues", "Process", "Ripple"]
    assert len(labels) == 8


def test_frequency_bars_accepts_a_series_and_branch_from_path():
    series = pd.Series([3, 9, 4], index=["A/x", "B/y", "A/z"])
    fig = charts.frequency_bars(series, branch="path")
    ax = fig.axes[0]
    colours = [to_hex(b.get_facecolor()) for b in _bars(ax)]  # order: B/y, A/z, A/x
    assert colours[1] == colours[2] != colours[0]


def test_frequency_bars_long_labels_are_not_clipped_and_do_not_overlap():
    long_codes = [f"Branch/Parent number {i}/A rather long code name that needs wrapping {i}" for i in range(25)]
    series = pd.Series(np.arange(25, 0, -1), index=long_codes)
    fig = charts.frequency_bars(series, title="How often each code was applied")
    ax = fig.axes[0]
    ticks = list(ax.get_yticklabels())
    renderer = _rendered(fig)
    _assert_inside_figure(fig, ticks + [ax.title] + list(fig.texts), renderer)
    _assert_no_overlap(fig, ticks, renderer)


def test_frequency_bars_percent_axis():
    fig = charts.frequency_bars(pd.Series([62.5, 30.0], index=["a", "b"]), fmt="percent")
    ax = fig.axes[0]
    assert "62.5%" in {t.get_text() for t in ax.texts}
    _rendered(fig)
    assert any(t.get_text().endswith("%") for t in ax.get_xticklabels())


def test_frequency_bars_bad_input_is_a_qualcode_error():
    with pytest.raises(QualcodeError, match="no column 'nope'"):
        charts.frequency_bars(_freq(), "nope", label="code")
    with pytest.raises(QualcodeError, match="value="):
        charts.frequency_bars(pd.DataFrame({"a": [1], "b": [2]}))


def test_empty_data_gives_a_message_not_an_error():
    fig = charts.frequency_bars(pd.Series([], dtype=float), title="Nothing")
    assert any("No values" in t.get_text() for ax in fig.axes for t in ax.texts)


# --- heat maps ----------------------------------------------------------------------------

def _matrix(n: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    m = rng.integers(0, 30, (n, n))
    m = np.triu(m) + np.triu(m, 1).T
    np.fill_diagonal(m, 100)
    codes = (CODES * 10)[:n]
    codes = [f"{c} {i}" for i, c in enumerate(codes)]
    return pd.DataFrame(m, index=codes, columns=codes)


def test_heatmap_annotates_every_cell_with_its_value():
    table = pd.DataFrame([[1, 20], [3, 0]], index=["Impact/Confidence", "Issues/Governance"],
                         columns=["CEO", "Mentor"])
    fig = charts.heatmap(table)
    ax = fig.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(0, 0): "1", (0, 1): "20", (1, 0): "3", (1, 1): "0"}
    # the darkest cell gets white text, a white cell dark text
    colours = {t.get_text(): to_hex(t.get_color()) for t in ax.texts}
    assert colours["20"] == "#ffffff" and colours["0"] != "#ffffff"
    assert fig.axes[1].get_ylabel() == "Count"  # colour bar present and labelled


def test_cooccurrence_heatmap_blanks_the_diagonal():
    matrix = _matrix(5)
    fig = charts.cooccurrence_heatmap(matrix)
    ax = fig.axes[0]
    positions = {(round(t.get_position()[1]), round(t.get_position()[0])) for t in ax.texts}
    assert not any(i == j for i, j in positions), "diagonal cells carry no number"
    assert len(positions) == 5 * 4
    # the colour scale is set by off-diagonal values, not the 100s on the diagonal
    image = ax.images[0]
    assert image.norm.vmax == matrix.where(~np.eye(5, dtype=bool)).max().max()


@pytest.mark.parametrize("top", [2, 3, 7, 40])
def test_a_count_heatmaps_colour_bar_is_ticked_at_whole_numbers(top):
    """A co-occurrence of at most 2 excerpts once showed ticks at 0.25, 0.5 ... 1.75
    excerpts; counts are whole, so is every tick a reader sees."""
    table = pd.DataFrame([[0, 1], [top, 1]], index=["Impact", "Issues"], columns=["CEO", "Mentor"])
    fig = charts.heatmap(table, value_label="Excerpts coded with both")
    FigureCanvasAgg(fig).draw()
    bar = fig.axes[1]
    ticks = [t for t in bar.get_yticks() if 0 <= t <= top]
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks), ticks


def test_heatmap_percent_cells():
    fig = charts.heatmap(pd.DataFrame({"CEO": [62.5]}, index=["a"]), fmt="percent")
    assert [t.get_text() for t in fig.axes[0].texts] == ["62%"]


@pytest.mark.parametrize("n", [12, 40])
def test_heatmap_labels_fit_and_do_not_overlap(n):
    fig = charts.heatmap(_matrix(n), title="Co-occurrence")
    ax = fig.axes[0]
    xt, yt = list(ax.get_xticklabels()), list(ax.get_yticklabels())
    renderer = _rendered(fig)
    _assert_inside_figure(fig, xt + yt, renderer)
    _assert_no_overlap(fig, yt, renderer)
    if n > 20:  # dense: labels stand at 90 degrees, so their boxes are exact
        _assert_no_overlap(fig, xt, renderer)
    width, height = fig.get_size_inches()
    assert width <= PAGE_WIDTH + 1e-9 and height <= 9.5 + 1e-9


# --- waves --------------------------------------------------------------------------------

def test_wave_comparison_one_bar_per_code_and_wave():
    table = pd.DataFrame({"Wave 1": [10, 0, 7], "Wave 2": [4, 9, 7]},
                         index=["Impact/Confidence", "Issues/Governance", "Ripple/Staff"])
    fig = charts.wave_comparison(table)
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars) == 6
    by_colour: dict[str, list[float]] = {}
    for b in bars:
        by_colour.setdefault(to_hex(b.get_facecolor()), []).append(b.get_width())
    # ordered by total: Confidence 14, Staff 14, Governance 9 (stable for ties)
    assert sorted(by_colour.values()) == sorted([[10, 7, 0], [4, 7, 9]])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Wave 1", "Wave 2"]


def test_wave_comparison_missing_wave_column():
    with pytest.raises(QualcodeError, match="Wave 3"):
        charts.wave_comparison(pd.DataFrame({"Wave 1": [1]}, index=["a"]), waves=["Wave 1", "Wave 3"])


# --- Likert -------------------------------------------------------------------------------

LEVELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def test_likert_segments_are_centred_on_the_neutral_level():
    counts = pd.DataFrame([[1, 2, 5, 20, 18]], index=["My confidence grew"], columns=LEVELS)
    fig = charts.likert_bars(counts)
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars) == 5
    n = 46
    expected_pct = [100 * c / n for c in [1, 2, 5, 20, 18]]
    assert [b.get_width() for b in bars] == pytest.approx(expected_pct)
    neutral = bars[2]
    # the neutral segment straddles zero, half each side
    assert neutral.get_x() == pytest.approx(-expected_pct[2] / 2)
    assert bars[0].get_x() == pytest.approx(-(1 + 2 + 2.5) / n * 100)
    # each segment starts where the previous one ends (low -> high, left -> right)
    for a, b in zip(bars, bars[1:]):
        assert b.get_x() == pytest.approx(a.get_x() + a.get_width())
    texts = {t.get_text() for t in ax.texts}
    assert f"{100 * 3 / n:.0f}%" in texts and f"{100 * 38 / n:.0f}%" in texts  # disagree / agree totals
    assert "(n=46)" in ax.get_yticklabels()[0].get_text()
    assert [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()] == LEVELS


def test_likert_even_scale_splits_at_zero():
    levels = ["Not at all", "A little", "Quite a lot", "A great deal"]
    counts = pd.DataFrame([[1, 3, 4, 2]], index=["Item"], columns=levels)
    ax = charts.likert_bars(counts).axes[0]
    bars = _bars(ax)
    assert bars[2].get_x() == pytest.approx(0.0)  # first positive level starts at zero
    assert bars[0].get_x() == pytest.approx(-40.0)


def test_likert_level_order_comes_from_levels_not_column_order():
    shuffled = pd.DataFrame([[20, 1, 5, 18, 2]], index=["Item"],
                            columns=["Agree", "Strongly disagree", "Neither agree nor disagree",
                                     "Strongly agree", "Disagree"])
    ax = charts.likert_bars(shuffled, levels=LEVELS).axes[0]
    widths = [b.get_width() for b in _bars(ax)]
    assert widths == pytest.approx([100 * c / 46 for c in [1, 2, 5, 20, 18]])


def test_likert_unknown_neutral_level():
    with pytest.raises(QualcodeError, match="neutral"):
        charts.likert_bars(pd.DataFrame([[1, 2, 3]], columns=["a", "b", "c"]), neutral="z")


# --- ratings ------------------------------------------------------------------------------

def test_ratings_chart_mean_interval_and_n():
    data = pd.DataFrame({"objective": ["Share knowledge", "Services to one another", "Influence policy"],
                         "mean": [8.1, 7.4, np.nan], "n": [26, 24, 0], "sd": [1.1, 1.6, np.nan]})
    fig = charts.ratings_chart(data, label="objective")
    ax = fig.axes[0]
    lines = [ln for ln in ax.lines if ln.get_gid() == "interval"]
    dots = [ln for ln in ax.lines if ln.get_gid() == "mean"]
    assert len(lines) == 2 and len(dots) == 2  # nothing drawn for the objective without ratings
    assert [d.get_xdata()[0] for d in dots] == pytest.approx([8.1, 7.4])
    lo, hi = stats.t.interval(0.95, 25, loc=8.1, scale=1.1 / math.sqrt(26))
    assert sorted(lines[0].get_xdata()) == pytest.approx([lo, hi])
    texts = [t.get_text() for t in ax.texts]
    assert "8.1  (n=26)" in texts and "no ratings" in texts
    assert "95% confidence interval" in ax.get_xlabel()
    _assert_inside_figure(fig, list(ax.texts) + list(ax.get_yticklabels()))


def test_ratings_chart_range_interval_is_clipped_to_scale():
    data = pd.DataFrame({"mean": [5.0], "n": [3], "min": [-1.0], "max": [11.0]}, index=["X"])
    ax = charts.ratings_chart(data).axes[0]
    line = [ln for ln in ax.lines if ln.get_gid() == "interval"][0]
    assert list(line.get_xdata()) == [0, 10]
    assert "lowest to highest" in ax.get_xlabel()


# --- saving -------------------------------------------------------------------------------

def test_save_figure_writes_png_at_page_width_and_svg_with_real_text(tmp_path):
    fig = charts.frequency_bars(pd.Series([3, 1], index=["Impact/Confidence", "Ripple/Staff"]))
    saved = save_figure(fig, tmp_path / "sub" / "freq.png")
    assert saved.png == tmp_path / "sub" / "freq.png" and saved.svg == tmp_path / "sub" / "freq.svg"
    with Image.open(saved.png) as im:
        assert im.format == "PNG"
        assert im.size[0] == round(PAGE_WIDTH * DPI)
    svg = saved.svg.read_text(encoding="utf-8")
    ET.fromstring(svg)  # well-formed
    assert "Self / Confidence" not in svg and re.search(r">\s*Impact / Confidence\s*<", svg)


def test_palette_is_okabe_ito():
    assert PALETTE[:3] == ("#0072B2", "#E69F00", "#009E73")


# --- the analysis tables plug straight in ---------------------------------------------------

def test_likert_takes_the_analysis_table_with_its_summary_columns():
    table = pd.DataFrame({"battery": ["impact"], "column": ["q1"], "question": ["My confidence grew"],
                          "n": [46], "pct_agree": [82.6], "median": [4.0], "median_level": ["Agree"],
                          **{lv: [c] for lv, c in zip(LEVELS, [1, 2, 5, 20, 18])}})
    fig = charts.likert_bars(table, label="question")
    ax = fig.axes[0]
    assert [b.get_width() for b in _bars(ax)] == pytest.approx([100 * c / 46 for c in [1, 2, 5, 20, 18]])
    assert ax.get_yticklabels()[0].get_text().startswith("My confidence grew")


def test_wave_comparison_legend_names():
    table = pd.DataFrame({"code": ["Impact/Confidence"], "pct_first": [40.0], "pct_second": [55.0]})
    fig = charts.wave_comparison(table, waves=["pct_first", "pct_second"], names=["Wave 1", "Wave 2"],
                                 label="code", fmt="percent")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Wave 1", "Wave 2"]
    assert {"40%", "55%"} <= {t.get_text() for t in fig.axes[0].texts}


def test_ratings_quartile_interval():
    data = pd.DataFrame({"question": ["Share knowledge"], "n": [26], "mean": [7.6], "q1": [7.0], "q3": [8.0]})
    ax = charts.ratings_chart(data, label="question").axes[0]
    line = [ln for ln in ax.lines if ln.get_gid() == "interval"][0]
    assert list(line.get_xdata()) == [7.0, 8.0]
    assert "quartiles" in ax.get_xlabel()
    with pytest.raises(QualcodeError, match="q1"):
        charts.ratings_chart(data.drop(columns="q1"), label="question", interval="iqr")


def test_seven_level_legend_fits_the_page_and_reads_left_to_right():
    levels = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
              "Somewhat agree", "Agree", "Strongly agree"]
    counts = pd.DataFrame([[1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1]], index=["Item one", "Item two"],
                          columns=levels)
    fig = charts.likert_bars(counts)
    legend = fig.legends[0]
    renderer = _rendered(fig)
    texts = [t for t in legend.get_texts() if t.get_text()]
    _assert_inside_figure(fig, texts, renderer)
    boxes = {t.get_text().replace("\n", " "): t.get_window_extent(renderer) for t in texts}
    assert len(boxes) == 7
    # group entries into rows by their vertical centre, then read rows top-down, left to right
    centres = sorted(((b.y0 + b.y1) / 2, name) for name, b in boxes.items())[::-1]
    rows: list[list[str]] = []
    last = None
    for y, name in centres:
        if last is None or last - y > 8:
            rows.append([])
        rows[-1].append(name)
        last = y
    assert len(rows) == 2
    order = [name for row in rows for name in sorted(row, key=lambda k: boxes[k].x0)]
    assert order == levels
