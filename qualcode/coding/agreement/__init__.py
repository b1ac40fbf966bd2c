"""Agreement between coders: the comparison (:mod:`.measure`), its units (:mod:`.units`,
:mod:`.chars`, :mod:`.intervals`), the statistics (:mod:`.stats`), the disagreements to
discuss (:mod:`.disagreements`), the tables (:mod:`.table`) and the conventions used to
read kappa and alpha (:mod:`.interpret`). Pure functions of frames: no store, no project."""

#: Units a project comparison accepts; the middle four are cut from the sources' text.
PROJECT_UNITS = ("excerpt", "sentence", "paragraph", "turn", "answer", "char")
SEGMENT_UNITS = ("sentence", "paragraph", "turn", "answer")

