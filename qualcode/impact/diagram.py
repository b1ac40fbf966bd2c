"""Pictures of an impact model and of a logic model, for a report page.

The impact model is drawn as the action-research reports draw it: the core issues in the
middle, the arenas of impact around them, and the stakeholder groups on an outer ring
where the change ripples out. Each element is a circle whose area grows with the share
of cases evidencing it and whose shade is its evidence label (full colour = strongest,
white with a dashed edge = no material), so the picture and the table tell the same
story. Lines join arenas to issues (and stakeholders to arenas); their width is the
number of cases where both were coded, the unit the model names.

The logic model reads left to right, one column per stage, each element a box shaded
by its evidence, arrows weighted by the cases linking them.

Both are plain ``matplotlib.figure.Figure`` objects in the house style of
:mod:`qualcode.report.figures`; :func:`qualcode.report.figures.save_figure` writes them
as PNG and SVG. Labels are fitted inside their shape (smaller type first, then outside
the shape, moved apart when they would overlap), because a label that collides with
another is the first thing a reader of a printed report notices.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.text import Text

from qualcode.impact.model import ImpactModel
from qualcode.impact.summary import ImpactSummary
from qualcode.report.figures import (
    PAGE_WIDTH,
    PALETTE,
    STYLE,
    TEXT_COLOUR,
    bottom_legend,
    message_figure,
    new_figure,
    set_title,
    styled,
    text_colour_on,
    wrap_label,
)

__all__ = ["impact_diagram", "logic_diagram", "KIND_COLOURS"]

#: One hue per kind of element (Okabe & Ito): arenas blue, issues vermillion, ripple green.
KIND_COLOURS = {"arena": PALETTE[0], "issue": PALETTE[4], "stakeholder": PALETTE[2], "stage": PALETTE[0]}
KIND_NAMES = {"arena": "Arena of impact", "issue": "Core issue", "stakeholder": "Stakeholders (ripple effects)"}
LINK_COLOUR = "#8C8C8C"
RIPPLE_COLOUR = "#B9D9CC"
NO_EVIDENCE = 1.0  # share of white for "no material"
STYLE_FAMILY = str(STYLE["font.family"])
BOX_SPACING = 1.12


# ------------------------------------------------------------------------ shading
def _shade_fractions(order: Sequence[str]) -> dict[str, float]:
    """Share of white mixed into a kind's colour for each evidence label, strongest 0."""
    levels = list(order[:-1])
    steps = np.linspace(0.0, 0.72, num=max(len(levels), 1)) if len(levels) > 1 else [0.0]
    out = {name: float(f) for name, f in zip(levels, steps)}
    out[order[-1]] = NO_EVIDENCE
    return out


def _mix(colour: str, white: float) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * white, g + (1 - g) * white, b + (1 - b) * white)


def _style_for(kind: str, evidence: str, fractions: dict[str, float]) -> dict[str, object]:
    """Face colour, edge and text colour of an element with this evidence label."""
    colour = KIND_COLOURS.get(kind, PALETTE[0])
    white = fractions.get(evidence, 0.85)  # "indicators only": pale, solid edge
    face = _mix(colour, white)
    return {"face": face, "edge": colour, "dashed": white >= NO_EVIDENCE, "text": text_colour_on(face)}


def _counts(row: pd.Series) -> tuple[str, str]:
    """("12 cases", "60%") for a label; ("questionnaire", "") for an indicator-only element."""
    if row["evidence"] == "indicators only":
        return "questionnaire", ""
    pct = f"{row['pct_cases']:.0f}%" if pd.notna(row["pct_cases"]) else ""
    return f"{int(row['cases'])} case{'s' if int(row['cases']) != 1 else ''}", pct


# ------------------------------------------------------------------------ text fitting
def _renderer(fig: Figure):
    """An Agg renderer for measuring text: the layout is drawn once so extents are final."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, never splitting a word (a word longer than
    ``width`` gets a line of its own; the fit test then decides)."""
    return textwrap.wrap(" ".join(str(text).split()), width, break_long_words=False, break_on_hyphens=True) or [""]


def _line_widths(lines: Sequence[str], fontsize: float, weight: str, renderer) -> list[float]:
    """Width in pixels of each line of text at ``fontsize`` points."""
    props = FontProperties(family=STYLE_FAMILY, size=fontsize, weight=weight)
    return [renderer.get_text_width_height_descent(line or " ", props, ismath=False)[0] for line in lines]


def _fits_circle(lines: Sequence[str], fontsize: float, weight: str, radius_px: float, renderer,
                 linespacing: float) -> bool:
    """Whether the lines, centred, fit in a circle: each line's corners must lie inside it
    (a circle is narrow at the top and bottom, so this is tighter than a bounding box)."""
    widths = _line_widths(lines, fontsize, weight, renderer)
    pitch = fontsize * linespacing * renderer.dpi / 72.0
    top = pitch * len(lines) / 2
    limit = (radius_px * 0.92) ** 2
    for i, w in enumerate(widths):
        for y in (top - i * pitch, top - (i + 1) * pitch):
            if (w / 2) ** 2 + y ** 2 > limit:
                return False
    return True


def _separate(texts: list[Text], fig: Figure, ax: Axes, steps: int = 60) -> None:
    """Move texts that overlap apart, a little at a time, along the line joining them."""
    if len(texts) < 2:
        return
    renderer = _renderer(fig)
    inv = ax.transData.inverted()
    for _ in range(steps):
        moved = False
        boxes = [t.get_window_extent(renderer).expanded(1.06, 1.15) for t in texts]
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                if not boxes[i].overlaps(boxes[j]):
                    continue
                ci, cj = np.array(boxes[i].get_points()).mean(0), np.array(boxes[j].get_points()).mean(0)
                d = cj - ci
                d = d / (np.linalg.norm(d) or 1.0) if np.linalg.norm(d) > 0 else np.array([0.0, 1.0])
                for t, sign in ((texts[i], -1), (texts[j], 1)):
                    x, y = ax.transData.transform(t.get_position())
                    t.set_position(inv.transform((x + sign * d[0] * 2.0, y + sign * d[1] * 2.0)))
                moved = True
        if not moved:
            return
        renderer = _renderer(fig)


def _label(ax: Axes, centre: tuple[float, float], radius: float, name: str, cases: str, pct: str, colour: str,
           renderer, *, inside: bool = True, size: float = 8.0, minimum: float = 6.5) -> tuple[Text, bool]:
    """The element's name (bold) and counts inside its circle, in the largest type and
    the wrapping that fit; else (or with ``inside=False``) centred above or below the
    circle, whichever is further from the centre of the picture. Returns the text and
    whether it went outside."""
    (cx, _), (ex, _) = ax.transData.transform([centre, (centre[0] + radius, centre[1])])
    radius_px = abs(ex - cx)
    fontsize = size
    while inside and fontsize >= minimum:
        for width in (9, 11, 13, 15):
            for detail in ([f"{cases} · {pct}"] if pct else [cases], [cases, pct] if pct else [cases]):
                lines = _wrap(name, width) + detail
                if _fits_circle(lines, fontsize, "bold", radius_px, renderer, 1.15):
                    text = ax.text(*centre, "\n".join(lines), ha="center", va="center", fontsize=fontsize,
                                   color=colour, zorder=6, linespacing=1.15, fontweight="bold")
                    return text, False
        fontsize -= 0.5
    above = centre[1] > 0.05
    pos = (centre[0], centre[1] + (radius + 0.12) * (1 if above else -1))
    detail = f"{cases} · {pct}" if pct else cases
    text = ax.text(*pos, f"{wrap_label(name, 16, 3)}\n{detail}", ha="center", va="bottom" if above else "top",
                   fontsize=size - 0.5, color=TEXT_COLOUR, zorder=6, linespacing=1.15, fontweight="bold",
                   bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    return text, True


# ---------------------------------------------------------------------- impact model
def _ring(n: int, radius: float, start: float) -> list[tuple[float, float]]:
    if n == 1 and radius < 2:
        return [(0.0, 0.0)]
    return [(radius * math.cos(math.radians(start + 360.0 * k / n)),
             radius * math.sin(math.radians(start + 360.0 * k / n))) for k in range(n)]


def _radius(pct: float, low: float, high: float) -> float:
    share = 0.0 if pd.isna(pct) else max(0.0, min(1.0, pct / 100.0))
    return low + (high - low) * math.sqrt(share)


def _edge_point(a: tuple[float, float], b: tuple[float, float], r: float) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    d = math.hypot(dx, dy) or 1.0
    return a[0] + dx / d * r, a[1] + dy / d * r


def _box_edge(centre: tuple[float, float], half: tuple[float, float], towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from a box's centre towards a point leaves the box."""
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    t = min(half[0] / abs(dx) if dx else math.inf, half[1] / abs(dy) if dy else math.inf)
    return centre[0] + dx * t, centre[1] + dy * t


def _legend(fig: Figure, model: ImpactModel, fractions: dict[str, float], kinds: Sequence[str],
            line_label: str | None, colour: str = "#555555") -> None:
    """Kinds (colours), evidence labels (shades) and what a line means, under the picture."""
    handles = [Patch(facecolor=KIND_COLOURS[k], edgecolor=KIND_COLOURS[k], label=KIND_NAMES[k]) for k in kinds]
    for name in model.evidence.order:
        dashed = fractions[name] >= NO_EVIDENCE
        handles.append(Patch(facecolor=_mix(colour, fractions[name]), edgecolor=colour, ls="--" if dashed else "-",
                             label=f"{name} evidence" if not dashed else f"{name} (no material)"))
    if line_label:
        handles.append(Line2D([], [], color=LINK_COLOUR, lw=3, label=line_label))
    bottom_legend(fig, handles, fontsize=7.5)


UNIT_TEXT = {"excerpt": "the same excerpt", "overlap": "overlapping excerpts", "source": "the same source"}


@styled
def impact_diagram(summary: ImpactSummary, *, title: str | None = None, link_labels: bool = True,
                   ripple_links: bool = False) -> Figure:
    """The arenas of impact around the core issues, with the ripple ring of stakeholders.

    Arenas and stakeholders are circles whose area grows with % of cases; core issues are
    boxes in the middle (a shape of their own, so the picture reads in grey print too).
    Every element's shade is its evidence label. Line width is the number of cases where
    an arena and an issue were coded together (the model's ``cooccurrence`` unit),
    labelled with that number; ``ripple_links`` also draws stakeholder-arena lines
    (off by default: fifteen more lines across the picture hide more than they show;
    the ripple table has the numbers).
    """
    model, table = summary.model, summary.elements.set_index("element")
    arenas = [e for e in model.elements if e.kind == "arena"]
    issues = [e for e in model.elements if e.kind == "issue"]
    holders = [e for e in model.elements if e.kind == "stakeholder"]
    title = title if title is not None else model.title_text
    if not arenas and not issues:
        return message_figure("The model has no arenas or core issues to draw.", title)
    fractions = _shade_fractions(model.evidence.order)

    # geometry in data units (equal aspect): issue boxes on an inner ring, arenas
    # between them on the middle ring, stakeholders on the outer ring
    n_a, n_i = len(arenas), len(issues)
    half = (1.3, 0.62)  # half width and height of an issue box
    r_issue = 0.0 if n_i <= 1 else half[0] / math.sin(math.pi / n_i) + 0.35
    core = (r_issue + math.hypot(*half) + 0.1) if issues else 0.0
    r_arena = core + 1.15 if issues else 0.0  # arenas overlap the core's rim a little, as petals do
    r_holder = r_arena + 2.3
    a_start = 90.0
    i_start = a_start + (180.0 / n_a if n_a else 90.0)
    h_start = a_start + (180.0 / max(len(holders), 1))
    pos: dict[str, tuple[float, float]] = {}
    size: dict[str, float] = {}
    for el, xy in zip(issues, _ring(n_i, r_issue, i_start)):
        pos[el.name] = xy
    for el, xy in zip(arenas, _ring(n_a, r_arena, a_start)):
        pos[el.name], size[el.name] = xy, _radius(table.at[el.name, "pct_cases"], 1.05, 1.5)
    for el, xy in zip(holders, _ring(len(holders), r_holder, h_start)):
        pos[el.name], size[el.name] = xy, _radius(table.at[el.name, "pct_cases"], 0.42, 0.68)
    reach = [math.hypot(*pos[n]) + size.get(n, half[0]) for n in pos]
    extent = max(reach + [r_holder + 0.95 if holders else 0.0, 4.5]) + 0.35  # a lone element stays small
    layout = _Layout(pos, size, half, r_holder if holders else None)
    for _ in range(4):  # widen the view until every outside label is on the page
        fig, overflow = _draw_impact(summary, title, layout, extent, fractions, link_labels, ripple_links)
        if overflow <= 0:
            break
        extent += overflow + 0.1
    return fig


@dataclass
class _Layout:
    pos: dict[str, tuple[float, float]]
    size: dict[str, float]  # circle radius of arenas and stakeholders
    half: tuple[float, float]  # half width and height of an issue box
    ripple: float | None  # radius of the stakeholder ring


def _draw_impact(summary: ImpactSummary, title: str, layout: _Layout, extent: float, fractions: dict[str, float],
                 link_labels: bool, ripple_links: bool) -> tuple[Figure, float]:
    """Draw at a given view size; returns the figure and how far (data units) its text
    runs past the axes, 0 when everything fits."""
    model, table = summary.model, summary.elements.set_index("element")
    pos, size, half = layout.pos, layout.size, layout.half
    arenas = [e for e in model.elements if e.kind == "arena"]
    issues = [e for e in model.elements if e.kind == "issue"]
    holders = [e for e in model.elements if e.kind == "stakeholder"]
    fig = new_figure(PAGE_WIDTH, PAGE_WIDTH + 0.55)
    ax = fig.subplots()
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    set_title(fig, title)
    kinds = [k for k in ("arena", "issue", "stakeholder") if model.of_kind(k)]
    _legend(fig, model, fractions, kinds, f"cases with an arena and an issue in {UNIT_TEXT[summary.cooccurrence]}"
            if arenas and issues else None)
    renderer = _renderer(fig)
    # From here on the axes keep their size: what is drawn inside them must not make the
    # layout engine shrink them, or fitted labels would no longer fit.
    fig.set_layout_engine("none")

    if issues:
        core = max(math.hypot(*pos[e.name]) for e in issues) + math.hypot(*half) + 0.1
        ax.add_patch(Circle((0, 0), core, facecolor="#F2F2F2", edgecolor="none", zorder=0))
    if layout.ripple is not None:
        r_holder = layout.ripple
        for r, alpha in ((r_holder - 0.9, 0.9), (r_holder, 0.7), (r_holder + 0.9, 0.45)):
            ax.add_patch(Circle((0, 0), r, facecolor="none", edgecolor=RIPPLE_COLOUR, lw=1.0, ls=(0, (4, 3)),
                                alpha=alpha, zorder=0))
        angles = [math.degrees(math.atan2(pos[e.name][1], pos[e.name][0])) % 360 for e in holders]
        free = _free_angle(angles, prefer=90.0)
        x, y = (r_holder + 0.9) * math.cos(math.radians(free)), (r_holder + 0.9) * math.sin(math.radians(free))
        ax.text(x, y, "ripple effects", ha="center", va="center", fontsize=7, color="#3F8A6E", style="italic",
                rotation=free - 90 if 0 <= free <= 180 else free + 90, rotation_mode="anchor", zorder=1,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})

    def edge(name: str, towards: tuple[float, float]) -> tuple[float, float]:
        if name in size:
            return _edge_point(pos[name], towards, size[name])
        return _box_edge(pos[name], half, towards)

    pairs = [(r["arena"], r["issue"], r["cases"]) for _, r in summary.matrix.iterrows()]
    ripples = [(r["stakeholder"], r["arena"], r["cases"]) for _, r in summary.ripple.iterrows()] if ripple_links else []
    top = max([c for *_, c in pairs + ripples] + [1])
    spots = []
    for group, colour, alpha, scale, z in ((ripples, RIPPLE_COLOUR, 0.9, 3.5, 1), (pairs, LINK_COLOUR, 0.75, 6.0, 2)):
        for a, b, cases in group:
            if cases <= 0:
                continue
            ea, eb = edge(a, pos[b]), edge(b, pos[a])
            ax.add_line(Line2D([ea[0], eb[0]], [ea[1], eb[1]], lw=0.6 + scale * cases / top, color=colour,
                               alpha=alpha, solid_capstyle="butt", zorder=z))
            if group is pairs and link_labels:
                t = 0.4  # along the visible segment, nearer the arena than the crowded core
                spots.append(((ea[0] + (eb[0] - ea[0]) * t, ea[1] + (eb[1] - ea[1]) * t), cases))

    outside: list[Text] = []
    for el in issues:
        row = table.loc[el.name]
        style = _style_for(el.kind, row["evidence"], fractions)
        (x, y), (hw, hh) = pos[el.name], half
        ax.add_patch(FancyBboxPatch((x - hw, y - hh), 2 * hw, 2 * hh, boxstyle="round,pad=0,rounding_size=0.25",
                                    facecolor=style["face"], edgecolor=style["edge"], lw=1.4,
                                    ls=(0, (3, 2)) if style["dashed"] else "-", zorder=4))
        _box_label(ax, (x - hw, y - hh, 2 * hw, 2 * hh), el.short, *_counts(row), str(style["text"]), renderer,
                   bold=True)
    for el in [*arenas, *holders]:
        row = table.loc[el.name]
        style = _style_for(el.kind, row["evidence"], fractions)
        ax.add_patch(Circle(pos[el.name], size[el.name], facecolor=style["face"], edgecolor=style["edge"],
                            lw=1.4, ls=(0, (3, 2)) if style["dashed"] else "-", zorder=4))
        inside = el.kind == "arena"
        text, out = _label(ax, pos[el.name], size[el.name], el.short, *_counts(row), str(style["text"]), renderer,
                           inside=inside, size=8.0 if inside else 7.5)
        if out:
            outside.append(text)
    for (x, y), cases in spots:
        ax.text(x, y, f"{int(cases)}", ha="center", va="center", fontsize=6.5, color=TEXT_COLOUR, zorder=5,
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": LINK_COLOUR, "lw": 0.6})
    _separate(outside, fig, ax)
    return fig, _overflow(fig, ax, outside)


def _free_angle(angles: list[float], prefer: float) -> float:
    """The middle of the widest gap between ``angles`` (degrees), the one nearest ``prefer``
    among gaps at least 80% as wide as the widest."""
    if not angles:
        return prefer
    a = sorted(angles)
    gaps = [((a[(i + 1) % len(a)] - a[i]) % 360 or 360, a[i]) for i in range(len(a))]
    widest = max(g for g, _ in gaps)
    mids = [(start + g / 2) % 360 for g, start in gaps if g >= 0.8 * widest]
    return min(mids, key=lambda m: min(abs(m - prefer), 360 - abs(m - prefer)))


def _overflow(fig: Figure, ax: Axes, texts: list[Text]) -> float:
    """How far, in data units, the furthest text runs outside the axes (0 when none does)."""
    if not texts:
        return 0.0
    renderer = _renderer(fig)
    box = ax.get_window_extent(renderer)
    worst = 0.0
    for t in texts:
        e = t.get_window_extent(renderer)
        worst = max(worst, box.x0 - e.x0, e.x1 - box.x1, box.y0 - e.y0, e.y1 - box.y1)
    if worst <= 0:
        return 0.0
    per_unit = box.width / (ax.get_xlim()[1] - ax.get_xlim()[0])
    return worst / per_unit


# ----------------------------------------------------------------------- logic model
@styled
def logic_diagram(summary: ImpactSummary, *, title: str | None = None) -> Figure:
    """A left-to-right logic model: one column per stage headed by the stage's evidence,
    a box per element shaded by its evidence label, arrows whose width is the number of
    cases linking the two ends (dashed when none). Links within one stage curve round
    the right-hand side so they never run behind another box."""
    model = summary.model
    stages = model.stages()
    title = title if title is not None else model.title_text
    if not stages:
        return message_figure("The model has no logic-model stages to draw.", title)
    table = summary.elements.set_index("element")
    stage_rows = summary.stages.set_index("stage") if not summary.stages.empty else None
    fractions = _shade_fractions(model.evidence.order)
    columns = {s: [e for e in model.elements if e.stage == s] for s in stages}
    n_rows = max(len(v) for v in columns.values())
    n_cols = len(stages)

    col_w, gap, box_h, row_gap, head = 1.0, 0.38, 0.95, 0.28, 0.8
    total_w = n_cols * col_w + (n_cols - 1) * gap
    body = n_rows * (box_h + row_gap) - row_gap + 0.2
    unit_in = (PAGE_WIDTH - 0.2) / (total_w + 0.1)
    fig = new_figure(PAGE_WIDTH, (head + body) * unit_in + 1.1)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_xlim(-0.05, total_w + 0.05)
    ax.set_ylim(-body, head)
    set_title(fig, title)
    _legend(fig, model, fractions, [], f"cases with both ends in {UNIT_TEXT[summary.cooccurrence]}"
            if not summary.links.empty else None, colour=KIND_COLOURS["stage"])
    renderer = _renderer(fig)
    fig.set_layout_engine("none")  # boxes were measured at this size: keep it

    boxes: dict[str, tuple[float, float, float, float]] = {}
    for c, stage in enumerate(stages):
        x0 = c * (col_w + gap)
        ax.add_patch(FancyBboxPatch((x0, -body), col_w, body + head, boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor="#F4F4F4", edgecolor="none", zorder=0))
        detail = ""
        if stage_rows is not None and stage in stage_rows.index:
            srow = stage_rows.loc[stage]
            cases, pct = _counts(srow)
            detail = f"{cases} · {pct}" if pct else cases
        ax.text(x0 + col_w / 2, head - 0.25, stage.capitalize(), ha="center", va="center", fontsize=8.5,
                fontweight="bold", color=TEXT_COLOUR, zorder=3)
        ax.text(x0 + col_w / 2, head - 0.52, detail, ha="center", va="center", fontsize=7, color="#555555", zorder=3)
        members = columns[stage]
        offset = (n_rows - len(members)) * (box_h + row_gap) / 2  # centre short columns
        for r, el in enumerate(members):
            y_top = -0.1 - offset - r * (box_h + row_gap)
            boxes[el.name] = (x0 + 0.05, y_top - box_h, col_w - 0.1, box_h)
    # one type size for every box (the largest that fits them all), so no box shouts
    labels = {name: (table.loc[name], _counts(table.loc[name])) for name in boxes}
    size = min(_box_fit(ax, boxes[n], model.element(n).short, *labels[n][1], renderer)[0] for n in boxes)
    for name, (bx, by, bw, bh) in boxes.items():
        row = labels[name][0]
        style = _style_for("stage", row["evidence"], fractions)
        ax.add_patch(FancyBboxPatch((bx, by), bw, bh, boxstyle="round,pad=0,rounding_size=0.08",
                                    facecolor=style["face"], edgecolor=style["edge"], lw=1.2,
                                    ls=(0, (3, 2)) if style["dashed"] else "-", zorder=3))
        _box_label(ax, (bx, by, bw, bh), model.element(name).short, *labels[name][1], str(style["text"]), renderer,
                   largest=size)

    links = summary.links
    top = max([int(v) for v in links["cases"]] + [1]) if not links.empty else 1
    brackets: dict[str, int] = {}
    for _, link in links.iterrows():
        a, b = boxes.get(link["from"]), boxes.get(link["to"])
        if a is None or b is None:
            continue
        cases = int(link["cases"])
        same_stage = abs(a[0] - b[0]) < 1e-9
        if same_stage and abs(abs(a[1] - b[1]) - (box_h + row_gap)) < 1e-6:  # next box down (or up)
            down = b[1] < a[1]
            start = (a[0] + a[2] / 2, a[1] if down else a[1] + a[3])
            end = (b[0] + b[2] / 2, b[1] + b[3] if down else b[1])
            style = "arc3,rad=0"
        elif same_stage:  # further down the stage: a bracket in the gap on the quieter side
            k = brackets[link["from"]] = brackets.get(link["from"], -1) + 1
            arm = 9 + 5 * k
            if _bracket_side(link["from"], link["to"], boxes, links) == "left":
                start, end = (a[0], a[1] + a[3] * (0.3 - 0.1 * k)), (b[0], b[1] + b[3] * 0.7)
                style = f"arc,angleA=180,angleB=180,armA={arm},armB={arm},rad=4"
            else:
                start, end = (a[0] + a[2], a[1] + a[3] * (0.3 - 0.1 * k)), (b[0] + b[2], b[1] + b[3] * 0.7)
                style = f"arc,angleA=0,angleB=0,armA={arm},armB={arm},rad=4"
        elif a[0] < b[0]:
            start, end, style = (a[0] + a[2], a[1] + a[3] / 2), (b[0], b[1] + b[3] / 2), "arc3,rad=0"
        else:  # a link back to an earlier stage
            start, end, style = (a[0], a[1] + a[3] / 2), (b[0] + b[2], b[1] + b[3] / 2), "arc3,rad=0.3"
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=7 + 5 * cases / top,
                                     lw=0.6 + 3.4 * cases / top if cases else 0.8,
                                     color=LINK_COLOUR if cases else "#BBBBBB", ls="-" if cases else (0, (2, 2)),
                                     shrinkA=1, shrinkB=1, zorder=2, connectionstyle=style))
    return fig


def _bracket_side(first: str, last: str, boxes: dict[str, tuple[float, float, float, float]],
                  links: pd.DataFrame) -> str:
    """The side of a stage column where a link between two of its boxes that are not
    neighbours crosses fewer other arrows: boxes in between send their links to the next
    stage from their right edge and receive the previous stage's on their left."""
    x, y_a, y_b = boxes[first][0], boxes[first][1], boxes[last][1]
    low, high = min(y_a, y_b), max(y_a, y_b)
    between = {name for name, (bx, by, _, _) in boxes.items() if abs(bx - x) < 1e-9 and low < by < high}
    if not between or links.empty:
        return "right"
    out_right = sum(1 for f, t in zip(links["from"], links["to"]) if f in between and t in boxes and boxes[t][0] > x)
    in_left = sum(1 for f, t in zip(links["from"], links["to"]) if t in between and f in boxes and boxes[f][0] < x)
    return "left" if in_left < out_right else "right"


def _box_fit(ax: Axes, box: tuple[float, float, float, float], name: str, cases: str, pct: str, renderer, *,
             bold: bool = False, largest: float = 7.5) -> tuple[float, list[str]]:
    """The largest type size (``largest`` down to 5.5 pt) and the lines that fit the box;
    words are never split. Returns (0, lines) when nothing fits."""
    bx, by, bw, bh = box
    (x0, y0), (x1, y1) = ax.transData.transform([(bx, by), (bx + bw, by + bh)])
    weight = "bold" if bold else "normal"
    fontsize = largest
    while fontsize >= 5.5:
        for width in (12, 14, 16, 18, 10, 8):
            for detail in ([f"{cases} · {pct}"] if pct else [cases], [cases, pct] if pct else [cases]):
                lines = _wrap(name, width) + detail
                widths = _line_widths(lines, fontsize, weight, renderer)
                height = len(lines) * fontsize * BOX_SPACING * renderer.dpi / 72.0
                if max(widths) <= (x1 - x0) * 0.9 and height <= (y1 - y0) * 0.92:
                    return fontsize, lines
        fontsize -= 0.5
    return 0.0, [wrap_label(name, 14, 2), cases]  # last resort: shortened with an ellipsis


def _box_label(ax: Axes, box: tuple[float, float, float, float], name: str, cases: str, pct: str, colour: str,
               renderer, *, bold: bool = False, largest: float = 7.5) -> Text:
    """Name and counts inside a box, in the largest type up to ``largest`` that fits."""
    fontsize, lines = _box_fit(ax, box, name, cases, pct, renderer, bold=bold, largest=largest)
    bx, by, bw, bh = box
    return ax.text(bx + bw / 2, by + bh / 2, "\n".join(lines), ha="center", va="center", fontsize=fontsize or 5.5,
                   color=colour, zorder=5, linespacing=BOX_SPACING, fontweight="bold" if bold else "normal")
