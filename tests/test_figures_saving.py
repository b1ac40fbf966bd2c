"""Saving a figure lays it out once and resamples a cloud once (issue 20, scale): the
files must look as matplotlib's own two-pass saving made them."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib
import pytest
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from PIL import Image

from qualcode.report.charts import heatmap
from qualcode.report.clouds import word_cloud
from qualcode.report.figures import DPI, STYLE, save_figure, saving_in_background


def _plain_save(fig, path: Path) -> None:
    """How a figure was saved before: matplotlib lays it out and resamples on each save."""
    with matplotlib.rc_context(STYLE):
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _table() -> pd.DataFrame:
    return pd.DataFrame({"CEO (n=12)": [50.0, 8.3, 25.0], "Mentor (n=9)": [11.1, 66.7, 0.0]},
                        index=pd.Index(["Impact/Confidence", "Issues/Governance/Board relations", "Issues/Funding"],
                                       name="code"))


def test_a_chart_with_a_colour_bar_is_the_same_png_and_keeps_its_layout_engine(tmp_path: Path):
    fig = heatmap(_table(), title="% of participants", fmt="percent")
    engine = fig.get_layout_engine()
    saved = save_figure(fig, tmp_path / "heat")
    assert fig.get_layout_engine() is engine  # the figure can be resized and saved again
    _plain_save(heatmap(_table(), title="% of participants", fmt="percent"), tmp_path / "plain.png")
    assert np.array_equal(_pixels(saved.png), _pixels(tmp_path / "plain.png"))
    svg = saved.svg.read_text(encoding="utf-8")
    assert "Funding" in svg and "Mentor" in svg  # text stays text


def test_a_cloud_is_resampled_once_and_looks_the_same(tmp_path: Path):
    words = pd.DataFrame({"word": ["board", "funding", "confidence", "trustees", "mentor", "chair", "reserves"],
                          "count": [40, 31, 25, 12, 9, 5, 3]})
    fig = word_cloud(words, title="Words participants used")
    image = fig.axes[0].get_images()[0]
    full = np.asarray(image.get_array()).copy()
    saved = save_figure(fig, tmp_path / "cloud")
    assert np.array_equal(np.asarray(image.get_array()), full)  # the figure keeps its full-size bitmap
    _plain_save(word_cloud(words, title="Words participants used"), tmp_path / "plain.png")
    ours, plain = _pixels(saved.png), _pixels(tmp_path / "plain.png")
    assert ours.shape == plain.shape
    diff = np.abs(ours - plain).max(axis=2)
    assert (diff > 64).mean() < 0.03  # only the anti-aliased edges of letters differ
    assert abs(ours.mean() - plain.mean()) < 1.0
    assert "data:image/png;base64" in saved.svg.read_text(encoding="utf-8")


def test_a_chart_saved_twice_is_the_same_file_byte_for_byte(tmp_path: Path):
    """Reports are compared run to run (and diffed in version control): no random ids in
    the SVG, no date or software version in either file."""
    first = save_figure(heatmap(_table(), title="% of participants", fmt="percent"), tmp_path / "a")
    second = save_figure(heatmap(_table(), title="% of participants", fmt="percent"), tmp_path / "b")
    assert first.png.read_bytes() == second.png.read_bytes()
    assert first.svg.read_bytes() == second.svg.read_bytes()
    with Image.open(first.png) as im:  # opaque: written without an alpha channel, at the report's dpi
        assert im.mode == "RGB" and round(im.info["dpi"][0]) == DPI


needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"),
                                reason="figures are written in forked processes on Linux only")


@needs_fork
def test_figures_written_in_background_are_the_files_written_here(tmp_path: Path):
    """A report hands its figures to other processes; what lands on disk must be what
    this process would have written, and all of it by the end of the block."""
    tables = [_table(), _table() * 2, _table().iloc[:2]]
    here = [save_figure(heatmap(t, title=f"table {i}", fmt="percent"), tmp_path / "here" / f"h{i}")
            for i, t in enumerate(tables)]
    with saving_in_background(1):
        there = [save_figure(heatmap(t, title=f"table {i}", fmt="percent"), tmp_path / "there" / f"h{i}")
                 for i, t in enumerate(tables)]
    for a, b in zip(here, there):
        assert b.png.read_bytes() == a.png.read_bytes()
        assert b.svg.read_bytes() == a.svg.read_bytes()


class _Broken(Artist):
    def draw(self, renderer):  # noqa: ANN001 - matplotlib's signature
        raise ValueError("this figure cannot be drawn")


@needs_fork
def test_a_figure_that_fails_in_the_background_raises_its_own_error(tmp_path: Path):
    fig = heatmap(_table(), title="broken")
    fig.add_artist(_Broken())
    with pytest.raises(ValueError, match="cannot be drawn"):
        with saving_in_background(1):
            saved = save_figure(fig, tmp_path / "broken")
            save_figure(heatmap(_table(), title="fine"), tmp_path / "fine")
    assert (tmp_path / "fine.png").exists() and not saved.svg.exists()
