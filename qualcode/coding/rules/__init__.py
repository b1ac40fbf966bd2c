"""Coding by the codebook's rules: the rule language (:mod:`.engine`), the matchers
(:mod:`.match`, lemma keys in :mod:`.lemma_keys`), autocode runs (:mod:`.autocode`), the
rules' agreement with hand coding (:mod:`.evaluation`, :mod:`.evaluation_run`) and the
confidence calibrated from it (:mod:`.confidence`)."""
