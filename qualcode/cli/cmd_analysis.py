"""Commands for analyses (issue 4): frequencies, co-occurrence, crosstabs, words, questionnaire summaries, figures and reports."""
from __future__ import annotations
