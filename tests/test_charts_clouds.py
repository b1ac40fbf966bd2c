"""Code clouds and word clouds: every code shown in its branch's colour, nothing lost silently."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from qualcode.errors import QualcodeError
from qualcode.report.clouds import code_cloud, unique_code_labels, word_cloud
from qualcode.report.figures import branch_colours

SMALL = (700, 400)  # small canvas keeps the tests fast


def _pixels(fig) -> np.ndarray:
    image = fig.axes[0].images[0].get_array()
    return np.asarray(image)[..., :3].reshape(-1, 3).astype(int)


def _has_colour(pixels: np.ndarray, colour: str, min_pixels: int = 20) -> bool:
    rgb = np.array([round(c * 255) for c in to_rgb(colour)])
    return int((np.abs(pixels - rgb).sum(axis=1) <= 3).sum()) >= min_pixels


def _codes() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["Impact/Confidence", "Impact/Organisation/Staff", "Ripple/Staff", "Issues/Governance",
                 "Process/Matching", "Process/Endings"],
        "count": [40, 12, 25, 30, 8, 0],
        "top": ["Impact", "Impact", "Ripple", "Issues", "Process", "Process"],
    })


def test_unique_labels_use_the_parent_only_for_shared_names():
    labels = unique_code_labels(["Impact/Organisation/Staff", "Ripple/Staff", "Impact/Confidence"])
    assert labels == {"Impact/Organisation/Staff": "Staff (Organisation)",
                      "Ripple/Staff": "Staff (Ripple)",
                      "Impact/Confidence": "Confidence"}
    deep = unique_code_labels(["A/X/Name", "B/X/Name"])
    assert len(set(deep.values())) == 2


def test_code_cloud_colours_each_branch_and_legend_totals():
    frame = _codes()
    fig = code_cloud(frame, size=SMALL)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    # totals by hand: Impact 40+12, Issues 30, Ripple 25, Process 8 (the 0 is dropped)
    assert legend == ["Impact (52)", "Issues (30)", "Ripple (25)", "Process (8)"]
    colours = branch_colours(["Impact", "Issues", "Ripple", "Process"])
    pixels = _pixels(fig)
    for branch, colour in colours.items():
        assert _has_colour(pixels, colour), f"no {branch} words in {colour}"
    unused = [c for c in ("#000000", "#F0E442") if c not in colours.values()]
    assert not any(_has_colour(pixels, c) for c in unused)


def test_code_cloud_uses_given_branch_colours():
    fig = code_cloud(_codes(), colours={"Impact": "#1b9e77"}, size=SMALL)
    assert _has_colour(_pixels(fig), "#1b9e77")
    handle_colours = {t.get_text(): h.get_facecolor() for t, h in
                      zip(fig.legends[0].get_texts(), fig.legends[0].legend_handles)}
    assert np.allclose(handle_colours["Impact (52)"][:3], to_rgb("#1b9e77"))


def test_code_cloud_infers_branch_from_path_when_no_column():
    fig = code_cloud(_codes().drop(columns="top"), size=SMALL)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "Impact (52)"


def test_code_cloud_says_how_many_codes_did_not_fit():
    many = pd.DataFrame({"code": [f"Branch {i % 3}/A fairly long code name {i}" for i in range(300)],
                         "count": [1000] + [1] * 299})
    fig = code_cloud(many, size=(400, 220))
    notes = [t.get_text() for t in fig.legends[0].get_texts() if "too rare to fit" in t.get_text()]
    assert len(notes) == 1 and notes[0].endswith("of 300 codes too rare to fit")


def test_code_cloud_without_applications_is_a_message():
    frame = _codes().assign(count=0)
    fig = code_cloud(frame, title="How the codes were applied", size=SMALL)
    assert any("No codes" in t.get_text() for ax in fig.axes for t in ax.texts)


def test_code_cloud_missing_column():
    with pytest.raises(QualcodeError, match="no column 'applications'"):
        code_cloud(_codes(), count="applications")


@pytest.mark.parametrize("shape", ["mapping", "series", "frame"])
def test_word_cloud_accepts_mapping_series_and_frame(shape):
    freqs = {"mentor": 40, "confidence": 25, "board": 18, "funding": 12, "trustees": 6}
    data = {"mapping": freqs,
            "series": pd.Series(freqs),
            "frame": pd.DataFrame({"word": list(freqs), "count": list(freqs.values())})}[shape]
    fig = word_cloud(data, size=SMALL, title="Words")
    assert fig._suptitle.get_text() == "Words"
    pixels = _pixels(fig)
    assert ((pixels < 200).any(axis=1)).sum() > 500  # words were drawn (dark pixels on white)


def test_word_cloud_ignores_zero_and_missing_counts_and_handles_empty():
    fig = word_cloud({"a": 0, "b": float("nan")}, title="None")
    assert any("No words" in t.get_text() for ax in fig.axes for t in ax.texts)
    with pytest.raises(QualcodeError, match="mapping"):
        word_cloud(["not", "frequencies"])  # type: ignore[arg-type]


def test_clouds_are_reproducible():
    a = _pixels(code_cloud(_codes(), size=SMALL))
    b = _pixels(code_cloud(_codes(), size=SMALL))
    assert np.array_equal(a, b)


def test_code_cloud_counts_applications_by_default():
    frame = _codes().rename(columns={"count": "applications"}).assign(excerpts=1)
    legend = [t.get_text() for t in code_cloud(frame, size=SMALL).legends[0].get_texts()]
    assert legend[0] == "Impact (52)"  # from applications, not the excerpts column
