"""Coding excerpts: by hand (:mod:`.spans`, bulk imports in :mod:`.bulk_import`), by the
codebook's rules (:mod:`.rules`), by the trained suggester (:mod:`.suggest`), the review
of machine suggestions (:mod:`.review`), and agreement between coders (:mod:`.agreement`).
Machine runs share :mod:`.units` (sentences, paragraphs, turns, answers) and
:mod:`.machine_runs` (batches, processes, a Dask cluster, storing a run)."""
