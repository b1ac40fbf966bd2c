"""The incremental free-space map must lay clouds out exactly as the wordcloud package
does: same integral image after every word, so the same positions and the same picture."""
from __future__ import annotations

import numpy as np
from wordcloud import WordCloud
from wordcloud.wordcloud import IntegralOccupancyMap

from qualcode.report.cloud_layout import IncrementalOccupancyMap, incremental_layout
from qualcode.report.clouds import _font_path


def test_the_integral_is_the_packages_after_every_update_even_with_ink_outside_the_region():
    rng = np.random.default_rng(5)
    height, width = 120, 90
    theirs, ours = IntegralOccupancyMap(height, width, None), IncrementalOccupancyMap(height, width, None)
    image = np.zeros((height, width), dtype=np.uint8)
    for _ in range(60):
        top, left = int(rng.integers(0, height - 10)), int(rng.integers(0, width - 10))
        h, w = int(rng.integers(1, 25)), int(rng.integers(1, 25))
        # a "word": anti-aliased values, some lower than what was there, some ink above/left of the anchor
        image[max(0, top - 2):top + h, max(0, left - 3):left + w] = rng.integers(0, 256, size=image[
            max(0, top - 2):top + h, max(0, left - 3):left + w].shape, dtype=np.uint8)
        snapshot = image.copy()
        theirs.update(snapshot, top, left)
        ours.update(snapshot, top, left)
        assert np.array_equal(ours.integral, theirs.integral)
    assert ours.integral.dtype == theirs.integral.dtype == np.uint32


def test_a_cloud_is_laid_out_and_drawn_as_the_package_does():
    rng = np.random.default_rng(11)
    words = {f"word{i}": float(rng.integers(1, 300)) for i in range(80)}

    def cloud() -> WordCloud:
        return WordCloud(width=900, height=500, background_color="white", font_path=_font_path(True),
                         prefer_horizontal=0.9, relative_scaling=0.5, min_font_size=12, max_words=80,
                         margin=4, random_state=7, collocations=False)

    plain = cloud().generate_from_frequencies(words)
    with incremental_layout():
        fast = cloud().generate_from_frequencies(words)
    assert fast.layout_ == plain.layout_
    assert np.array_equal(fast.to_array(), plain.to_array())
    import wordcloud.wordcloud as module
    assert module.IntegralOccupancyMap is IntegralOccupancyMap  # put back after the block
