"""The word-cloud layout of the ``wordcloud`` package, with its free-space map updated
incrementally: the same clouds, several times faster.

``wordcloud`` finds room for each word in an *integral image* of the pixels drawn so
far. After placing a word it recomputes that integral over the whole canvas below and to
the right of the word -- two cumulative sums over most of a 1800 x 1000 image per word,
about half of a cloud's layout time. Only the pixels of the new word changed, so the
same integral is the old one plus the cumulative sum of the change, which is non-zero in
the word's box and constant beyond it. Integrals are uint32 counts, so the arithmetic is
exact (modulo 2**32, as the package's own is): the positions drawn from the random state,
hence the picture, are the same as the package's.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import wordcloud.wordcloud as _wordcloud_module
from wordcloud.wordcloud import IntegralOccupancyMap


class IncrementalOccupancyMap(IntegralOccupancyMap):
    """``wordcloud``'s ``IntegralOccupancyMap`` with an incremental ``update``.

    ``_seen`` holds the pixels the integral currently counts (its second difference):
    the package's ``update(img, x, y)`` makes the integral count ``img`` over the region
    from ``(x, y)`` on; adding the cumulative sum of ``img - _seen`` there does the same.
    """

    def __init__(self, height: int, width: int, mask: Any) -> None:
        super().__init__(height, width, mask)
        self._seen: np.ndarray | None = np.zeros((height, width), dtype=np.uint8) if mask is None else None

    def update(self, img_array: np.ndarray, pos_x: int, pos_y: int) -> None:
        if self._seen is None or img_array.dtype != np.uint8 or img_array.shape != self._seen.shape:
            super().update(img_array, pos_x, pos_y)  # a mask or another image type: the package's way
            return
        region = img_array[pos_x:, pos_y:]
        seen = self._seen[pos_x:, pos_y:]
        changed = region != seen
        rows = np.flatnonzero(changed.any(axis=1))
        if rows.size == 0:
            return
        r0, r1 = int(rows[0]), int(rows[-1]) + 1
        cols = np.flatnonzero(changed[r0:r1].any(axis=0))
        c0, c1 = int(cols[0]), int(cols[-1]) + 1
        delta = region[r0:r1, c0:c1].astype(np.int64) - seen[r0:r1, c0:c1]
        box = np.cumsum(np.cumsum(delta, axis=1), axis=0).astype(np.uint32)  # modulo 2**32, as uint32 sums wrap
        integral = self.integral[pos_x:, pos_y:]
        integral[r0:r1, c0:c1] += box
        integral[r0:r1, c1:] += box[:, -1:]
        integral[r1:, c0:c1] += box[-1:, :]
        integral[r1:, c1:] += box[-1, -1]
        seen[r0:r1, c0:c1] = region[r0:r1, c0:c1]


@contextmanager
def incremental_layout() -> Iterator[None]:
    """Within the block ``WordCloud.generate_from_frequencies`` lays clouds out with
    :class:`IncrementalOccupancyMap` (the package builds its map by this module-level name)."""
    before = _wordcloud_module.IntegralOccupancyMap
    _wordcloud_module.IntegralOccupancyMap = IncrementalOccupancyMap  # type: ignore[misc]
    try:
        yield
    finally:
        _wordcloud_module.IntegralOccupancyMap = before  # type: ignore[misc]
