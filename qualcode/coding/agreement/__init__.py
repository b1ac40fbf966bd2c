"""Agreement between coders: the comparison (:mod:`.measure`), its units (:mod:`.units`,
:mod:`.chars`, :mod:`.intervals`), the statistics (:mod:`.stats`), the disagreements to
discuss (:mod:`.disagreements`), the tables (:mod:`.table`) and the conventions used to
read kappa and alpha (:mod:`.interpret`). Pure functions of frames: no store, no project."""
