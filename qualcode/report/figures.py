"""One look for every figure qualcode draws, and one way to save it.

Charts are pasted into Word reports, so they share a page-width size, a quiet style and a
colour-blind-safe palette (Okabe & Ito), and long code paths are shortened the same way
everywhere. Figures are built on ``matplotlib.figure.Figure`` directly rather than through
``pyplot``: no global state, nothing shown, nothing leaked when a report draws hundreds.
"""
from __future__ import annotations

import functools
import gc
import math
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.image import AxesImage
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Patch

from qualcode.errors import QualcodeError

#: Okabe & Ito's palette, ordered so the first colours read well as text on white
#: (yellow last: it is too pale for small type).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#7F7F7F",  # grey
    "#000000",  # black
    "#F0E442",  # yellow
)

#: Width of the text block of an A4/Letter page with 2.5 cm margins, in inches.
PAGE_WIDTH = 6.3
#: Resolution of saved PNGs: sharp when printed at page width.
DPI = 200

TEXT_COLOUR = "#222222"
GRID_COLOUR = "#DDDDDD"

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.labelcolor": TEXT_COLOUR,
    "axes.edgecolor": "#888888",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.color": GRID_COLOUR,
    "grid.linewidth": 0.6,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",  # text stays text in SVG: searchable, editable in Word/Inkscape
    "svg.hashsalt": "qualcode",  # clip-path and image ids from the content, not random: byte-stable SVGs
    "text.color": TEXT_COLOUR,
}


class ReportError(QualcodeError):
    """A table handed to a chart or report writer lacks what it needs (a column, a value)."""


F = TypeVar("F", bound=Callable[..., Any])


def styled(func: F) -> F:
    """Draw under :data:`STYLE` so every chart looks the same whatever the user's rcParams."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(width: float = PAGE_WIDTH, height: float = 4.0) -> Figure:
    """A Figure with constrained layout, so labels, legends and colour bars never overlap."""
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def set_title(fig: Figure, title: str | None) -> None:
    """Title at the figure's left edge (not the axes'), as report figures are captioned."""
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold", color=TEXT_COLOUR)


def message_figure(message: str, title: str | None = None, height: float = 1.6) -> Figure:
    """A small figure that says why there is nothing to draw (a report keeps its layout)."""
    fig = new_figure(PAGE_WIDTH, height)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        ax.set_axis_off()
        set_title(fig, title)
        ax.text(0.5, 0.5, message, ha="center", va="center", color="#666666", fontsize=10,
                transform=ax.transAxes)
    return fig


def wrap_label(text: str, width: int = 28, max_lines: int = 2) -> str:
    """Wrap ``text`` to lines of ``width`` characters, ending with … when it needs more lines."""
    text = " ".join(str(text).split())
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: width - 1].rstrip() if len(last) >= width else last) + "…"
    return "\n".join(lines)


def code_label(path: str, levels: int = 2, width: int = 28, max_lines: int = 2) -> str:
    """A readable label for a code path: its last ``levels`` parts, wrapped.

    ``"Arenas/Organisation/Governance and trustees"`` becomes
    ``"Organisation / Governance and\\ntrustees"``: the parent keeps two codes with the same
    name apart, the top-level branch is already shown by colour or legend.
    """
    parts = [p.strip() for p in str(path).split("/") if p.strip()]
    if not parts:
        return wrap_label(str(path), width, max_lines)
    # Drop ancestors before cutting the code's own name short: the name is what matters.
    for keep in range(min(levels, len(parts)), 0, -1):
        short = " / ".join(parts[-keep:])
        wrapped = textwrap.wrap(short, width, break_long_words=True, break_on_hyphens=True)
        if len(wrapped) <= max_lines:
            return "\n".join(wrapped)
    return wrap_label(parts[-1], width, max_lines)


def top_branch(path: str) -> str:
    """The top-level code of a path (``"Arenas/Self/Confidence"`` -> ``"Arenas"``)."""
    return str(path).split("/", 1)[0].strip()


def branch_colours(branches: Iterable[str], given: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per branch that is the same in every figure of a report.

    Colours in ``given`` (e.g. the codebook's colours of its top-level codes) win; the
    other branches take the palette in alphabetical order of their names, so "Impact" has
    the same colour in the code cloud and in the frequency bars whatever order or subset
    of branches each figure shows. The result keeps the order of ``branches``.
    """
    order = list(dict.fromkeys(str(b) for b in branches))
    given = {str(k): to_hex(v) for k, v in (given or {}).items() if v}
    free = sorted(b for b in order if b not in given)
    colours = {b: PALETTE[i % len(PALETTE)] for i, b in enumerate(free)}
    colours.update({b: given[b] for b in order if b in given})
    return {b: colours[b] for b in order}


def bottom_legend(fig: Figure, handles: Sequence[Artist], fontsize: float = 8.5,
                  width: float = PAGE_WIDTH - 0.3, **options: Any) -> Legend | None:
    """A legend under the plot that fits the page: as many columns as fit, read row by row.

    Matplotlib fills legend columns top to bottom, which scrambles an ordered scale
    ("Strongly disagree" … "Strongly agree") once it needs two rows; entries are placed
    so that the legend reads left to right, then down.
    """
    if not handles:
        return None
    labels = [str(h.get_label()) for h in handles]
    char = 0.0083 * fontsize  # DejaVu Sans: about 0.075 in a character at 9 pt
    ncols = 1
    for c in range(len(labels), 0, -1):
        widest = [max(max((len(line) for line in lab.split("\n")), default=0) for lab in labels[j::c])
                  for j in range(c)]
        if sum((w + 4.5) * char for w in widest) <= width:
            ncols = c
            break
    nrows = math.ceil(len(handles) / ncols)
    ncols = math.ceil(len(handles) / nrows)  # balanced rows: 4 + 3, not 5 + 2
    blank = Patch(facecolor="none", edgecolor="none", label="")
    ordered: list[Artist] = []
    for j in range(ncols):
        for i in range(nrows):
            k = i * ncols + j
            ordered.append(handles[k] if k < len(handles) else blank)
    options.setdefault("handlelength", 1.1)
    options.setdefault("columnspacing", 1.2)
    return fig.legend(handles=ordered, labels=[str(h.get_label()) for h in ordered],
                      loc="outside lower center", ncols=ncols, fontsize=fontsize, **options)


def bar_height_inches(n_bars: int, per_bar: float = 0.27, extra: float = 1.1,
                      minimum: float = 2.0, maximum: float = 9.0) -> float:
    """Figure height that gives each horizontal bar room for a two-line label."""
    return float(min(maximum, max(minimum, extra + per_bar * n_bars)))


def max_line_length(labels: Sequence[str]) -> int:
    """Longest line among (possibly multi-line) labels, for sizing margins."""
    return max((len(line) for label in labels for line in str(label).split("\n")), default=0)


@dataclass(frozen=True)
class SavedFigure:
    """Where a figure was written."""

    png: Path
    svg: Path | None


def save_figure(fig: Figure, path: str | Path, formats: Sequence[str] = ("png", "svg"),
                dpi: int = DPI) -> SavedFigure:
    """Save ``fig`` as ``path`` with each of ``formats`` (suffix of ``path`` is replaced).

    PNG is what Word, Excel and the HTML report embed; SVG is for a designer or a journal.
    Parent folders are created. Returns the paths written. Inside
    :func:`saving_in_background` the files are written by another process and exist
    when that block ends.

    The figure is drawn once per file and laid out once in all: the PNG's own draw runs
    the layout engine, which is then switched off for the other formats (matplotlib's
    ``savefig`` would draw the figure an extra time for each file just to lay it out).
    A large bitmap (a cloud) is resampled once to the pixels it fills in the PNG (see
    :func:`mark_bitmap`) instead of on every draw. An opaque PNG is written without its
    alpha channel (the same pixels, a quarter less to compress).
    """
    if "png" not in formats:
        raise ReportError(f"save_figure({path}): formats must include 'png', got {list(formats)}")
    stem = Path(path)
    if stem.suffix.lower() in {".png", ".svg", ".pdf"}:
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    order = ["png", *dict.fromkeys(f for f in formats if f != "png")]
    written = {fmt: stem.with_name(stem.name + "." + fmt) for fmt in order}
    saver, staged = _BACKGROUND.get(), _STAGED.get()
    if saver is not None:
        saver.submit(fig, written, dpi)
    elif staged is not None:
        hidden = {fmt: out.with_name(f".qualcode-{os.getpid()}-{out.name}") for fmt, out in written.items()}
        staged.update((written[fmt], hidden[fmt]) for fmt in written)
        _write_files(fig, hidden, dpi)
    else:
        _write_files(fig, written, dpi)
    return SavedFigure(png=written["png"], svg=written.get("svg"))


def _write_files(fig: Figure, written: Mapping[str, Path], dpi: int) -> None:
    """Write ``fig`` in each format of ``written`` (PNG first: its draw lays the figure out)."""
    with matplotlib.rc_context(STYLE), _laid_out_once(fig, dpi):
        for fmt, out in written.items():
            if fmt == "png":
                _write_png(fig, out, dpi)
                if fig.get_layout_engine() is not None:
                    fig.set_layout_engine("none")  # laid out by the PNG's draw: keep it
            else:
                # Metadata off: byte-stable files across runs (no creation date, no version).
                fig.savefig(out, format=fmt, dpi=dpi, metadata={"Date": None, "Creator": None})


_Job = tuple[Figure, Mapping[str, Path], int]

#: most figures one writing process takes: a child that took a long queue would leave this
#: process, once the report is computed, waiting for it with nothing to write itself
BATCH = 2


class _BackgroundSaver:
    """Writes figures in forked processes while the report goes on computing.

    A forked child has the figures already in memory (nothing is pickled), writes their
    files and exits. At most ``processes`` children run at once; figures that find them
    all busy wait in a queue, and the next child takes the first :data:`BATCH` of them (a
    fork costs the copying of every page either process writes to afterwards, so fewer
    forks are cheaper; but a child holding many figures at the end would leave this process
    idle). When the report is done, or this process waits for another, the queue is shared
    between a child and this process. A child that fails is not trusted: its figures are written again here, where
    an error is raised as usual.
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.running: dict[int, list[_Job]] = {}
        self.queue: list[_Job] = []
        self.failed: list[_Job] = []
        self.frozen = False

    def submit(self, fig: Figure, written: Mapping[str, Path], dpi: int) -> None:
        self.queue.append((fig, dict(written), dpi))
        self._reap(block=False)
        self._start()

    def _start(self, keep: int = 0) -> None:
        """Hand the queue's first figures (at most :data:`BATCH`, leaving the last ``keep``)
        to a child, if one is free."""
        if len(self.queue) > keep and len(self.running) < self.processes:
            size = min(BATCH, len(self.queue) - keep)
            batch, self.queue = self.queue[:size], self.queue[size:]
            # Objects that exist now leave the collector's view until the report is done:
            # its passes over them would write to (and so copy) pages the child shares.
            # (Not if someone else froze objects: unfreezing would undo theirs.)
            if not self.frozen and gc.get_freeze_count() == 0:
                gc.freeze()
                self.frozen = True
            pid = _fork_writer(batch)
            if pid is None:  # no fork here after all: write them now
                for job in batch:
                    _write_files(*job)
            else:
                self.running[pid] = batch

    def _reap(self, block: bool) -> None:
        for pid in list(self.running):
            done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
            if done == 0:
                continue
            batch = self.running.pop(pid)
            if os.waitstatus_to_exitcode(status) != 0:
                self.failed.extend(batch)
            if block:
                return

    def write_queued(self) -> None:
        """Write what is queued, shared between a child and this process (which has
        nothing else to do)."""
        while self.queue:
            self._reap(block=False)
            if len(self.running) < self.processes and len(self.queue) > 1:
                self._start(keep=1)  # a child takes all but the last; this process the last
            _write_files(*self.queue.pop())

    def finish(self) -> None:
        """Write what is queued (a child and this process share it) and wait for every child."""
        try:
            self.write_queued()
            while self.running:
                self._reap(block=True)
        except BaseException:
            self.abandon()
            raise
        self._unfreeze()
        failed, self.failed = self.failed, []
        for job in failed:
            _write_files(*job)

    def _unfreeze(self) -> None:
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def abandon(self) -> None:
        """After an error or an interrupt: wait for the children, write nothing more."""
        self.queue.clear()
        for pid in list(self.running):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.running.clear()
        self._unfreeze()


def _fork_writer(batch: list[_Job]) -> int | None:
    """Fork a process that writes the figures of ``batch`` and exits; its pid, or None
    if fork failed."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    code = 1
    try:  # the child: write the files, then leave without running the parent's exit handlers
        gc.disable()  # a collection would touch (and so copy) every page of the parent's objects
        for job in batch:
            _write_files(*job)
        code = 0
    except BaseException:  # noqa: BLE001 - reported by the exit code; the parent writes it again and raises
        code = 1
    finally:
        os._exit(code)


_BACKGROUND: ContextVar[_BackgroundSaver | None] = ContextVar("qualcode_background_figures", default=None)


def background_processes() -> int:
    """How many figure-writing processes :func:`saving_in_background` uses by default:
    one per CPU beyond the first, on Linux (where ``fork`` is safe and cheap), else 0."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(0, cpus - 1)


@contextmanager
def saving_in_background(processes: int | None = None) -> Iterator[None]:
    """Within the block :func:`save_figure` returns at once and the figure is written by
    up to ``processes`` forked processes (default :func:`background_processes`; 0 writes
    each figure when it is saved, as outside the block). Every file exists when the block
    ends. Figures handed to ``save_figure`` must not be changed afterwards.

    Writing a report's figures is a third of its work and needs nothing but the figure,
    so on a machine with two cores it overlaps with the analyses of the next sections.
    """
    processes = background_processes() if processes is None else max(0, int(processes))
    if processes == 0 or _BACKGROUND.get() is not None:
        yield
        return
    saver = _BackgroundSaver(processes)
    token = _BACKGROUND.set(saver)
    try:
        yield
    except BaseException:
        _BACKGROUND.reset(token)
        saver.abandon()
        raise
    _BACKGROUND.reset(token)
    saver.finish()


def write_queued_here() -> None:
    """Inside :func:`saving_in_background`, write the figures still waiting for a writer
    in this process, now: for a process about to wait for another one."""
    saver = _BACKGROUND.get()
    if saver is not None:
        try:
            saver.write_queued()
        except BaseException:
            saver.abandon()
            raise


#: files written under a hidden name beside their own, final path -> path written (see :func:`saving_here`)
_STAGED: ContextVar[dict[Path, Path] | None] = ContextVar("qualcode_staged_figures", default=None)


@contextmanager
def saving_here(staged: dict[Path, Path] | None = None) -> Iterator[None]:
    """Within the block :func:`save_figure` writes each figure at once, in this process,
    even inside :func:`saving_in_background` (a forked process that computes sections of
    a report writes their figures itself: the parent's writers are not its children).

    With ``staged`` (an empty dict) every file is written beside its path under a hidden
    name, recorded in ``staged`` (path -> name written), and left for :func:`unstage` to
    move into place or remove: the forked process cannot know which names the parent's
    figures take meanwhile."""
    token, staging = _BACKGROUND.set(None), _STAGED.set(staged)
    try:
        yield
    finally:
        _STAGED.reset(staging)
        _BACKGROUND.reset(token)


def unstage(staged: dict[Path, Path], keep: bool = True) -> None:
    """Move files written inside ``saving_here(staged)`` to their paths (``keep``) or delete them."""
    for final, written in staged.items():
        if keep:
            os.replace(written, final)
        else:
            written.unlink(missing_ok=True)


#: zlib level of saved PNGs: flat-coloured charts compress nearly as well at 3 as at 6,
#: in about half the time
PNG_COMPRESS_LEVEL = 3


def _write_png(fig: Figure, out: Path, dpi: int) -> None:
    """Draw ``fig`` with Agg at ``dpi`` and write the pixels, as ``savefig`` would.

    Drawing runs the figure's layout engine, if it still has one, before anything is
    rendered, so the layout costs no separate draw. The background is
    ``savefig.facecolor`` (``savefig`` does the same); no software or date is written,
    so the file is the same byte for byte from run to run.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas_before = fig.canvas
    colours_before = fig.patch.get_facecolor(), fig.patch.get_edgecolor()
    facecolor, edgecolor = matplotlib.rcParams["savefig.facecolor"], matplotlib.rcParams["savefig.edgecolor"]
    dpi_before = fig.dpi
    try:
        fig.patch.set_facecolor(colours_before[0] if str(facecolor) == "auto" else facecolor)
        fig.patch.set_edgecolor(colours_before[1] if str(edgecolor) == "auto" else edgecolor)
        canvas = FigureCanvasAgg(fig)
        canvas._is_saving = True  # as in savefig: animated artists are drawn too
        fig.set_dpi(dpi)
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
        image = Image.fromarray(pixels, "RGBA")
        if bool((pixels[..., 3] == 255).all()):
            image = image.convert("RGB")
        image.save(out, format="png", dpi=(fig.dpi, fig.dpi), compress_level=PNG_COMPRESS_LEVEL)
    finally:
        fig.set_dpi(dpi_before)
        fig.patch.set_facecolor(colours_before[0])
        fig.patch.set_edgecolor(colours_before[1])
        fig.set_canvas(canvas_before)


#: attribute of an ``AxesImage`` holding its full-resolution pixels (see :func:`mark_bitmap`)
_BITMAP = "_qualcode_bitmap"


def mark_bitmap(image: AxesImage) -> AxesImage:
    """Let :func:`save_figure` resample this image once, to the pixels it fills.

    Matplotlib resamples an image's full array (e.g. a 1800 x 1000 cloud) on every draw:
    once to lay the figure out and again for each file. A marked image is resampled once
    with Pillow's Lanczos filter to its size in the saved PNG and then drawn pixel for
    pixel; the SVG embeds the same pixels.
    """
    setattr(image, _BITMAP, np.asarray(image.get_array()))
    return image


@contextmanager
def _laid_out_once(fig: Figure, dpi: int) -> Iterator[None]:
    """Within the block marked bitmaps are already at their final size (the figure is
    laid out first, without them, to know that size); afterwards the figure is as it
    was, with its layout engine."""
    engine = fig.get_layout_engine()
    images = [im for ax in fig.axes for im in ax.get_images() if getattr(im, _BITMAP, None) is not None]
    saved_dpi = fig.dpi
    shown = [im.get_visible() for im in images]
    kept = [(im.get_extent(), im.get_interpolation()) for im in images]
    try:
        if images:
            fig.set_dpi(dpi)
            for im in images:  # the layout does not depend on the pixels: skip resampling them for it
                im.set_visible(False)
            fig.draw_without_rendering()
            for im, visible in zip(images, shown):
                _fit_bitmap(im)
                im.set_visible(visible)
            if engine is not None:
                fig.set_layout_engine("none")
            fig.set_dpi(saved_dpi)
        yield
    finally:
        fig.set_dpi(saved_dpi)
        for im, (extent, interpolation) in zip(images, kept):
            im.set_data(getattr(im, _BITMAP))
            im.set_extent(extent)
            im.set_interpolation(interpolation)
        if engine is not None:
            fig.set_layout_engine(engine)


def _fit_bitmap(image: AxesImage) -> None:
    """Resample a marked image to the pixels its axes cover at the figure's dpi."""
    from PIL import Image

    pixels = getattr(image, _BITMAP)
    box = image.axes.get_window_extent()
    width, height = max(1, round(box.width)), max(1, round(box.height))
    if (height, width) == pixels.shape[:2]:
        return
    extent = image.get_extent()
    data = pixels if pixels.dtype == np.uint8 else (np.clip(pixels, 0, 1) * 255).astype(np.uint8)
    resized = np.asarray(Image.fromarray(data).resize((width, height), Image.LANCZOS))
    image.set_data(resized)
    image.set_extent(extent)
    image.set_interpolation("none")


def text_colour_on(rgba: Sequence[float]) -> str:
    """Black or white text, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = (float(c) for c in rgba[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else math.pow((c + 0.055) / 1.055, 2.4)

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return TEXT_COLOUR if luminance > 0.36 else "white"
