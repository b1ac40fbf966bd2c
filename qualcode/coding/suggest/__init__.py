"""The code suggester: a model trained on a project's hand coding that proposes codes for
uncoded units. The estimator (:mod:`.suggester`, its members in :mod:`.models`,
:mod:`.ngrams`, :mod:`.text`, :mod:`.embed`, :mod:`.parts`, :mod:`.decode`), its labels
(:mod:`.labels`, :mod:`.unit_labels`), cross-validation (:mod:`.cv`, :mod:`.evaluate_files`),
saved models (:mod:`.persist`, :mod:`.project_models`) and storing suggestions
(:mod:`.apply`)."""
