"""Text search, in one place: a filter of a text column (:mod:`.mask`, used by
``excerpts(search=…)`` and the CLI's ``--search``), the concordance of passages that say
some words and coding its hits (:mod:`.passages`, matching as codebook rules do), and
the hits counted by group (:mod:`.counts`)."""
