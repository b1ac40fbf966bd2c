"""Words of conversation that say nothing about the topic: the default stop list for
spoken material.

Interviews are talk. Counted as they are, the top words of 28 real interviews were
"like, know, yes, okay, right" and of the demo "think, thing, bit": a word cloud of
filler. Written documents and questionnaire answers rarely lean on these words, so the
list applies to the words of *transcripts* (speaker turns and subtitle cues) only, on
top of spaCy's English stop words. It is compared with lemmas (``thinking`` and
``thought`` are ``think``), so each word is listed once in its dictionary form.

Override it per call: ``conversation_stop=False`` counts every word; an iterable of
words replaces the list (``qualcode stats words --keep-filler``, ``--stop FILE`` adds a
user's own words to whichever list applies).
"""
from __future__ import annotations

__all__ = ["CONVERSATION_STOP_WORDS", "CONVERSATIONAL_KINDS"]

#: Source kinds whose words are conversation.
CONVERSATIONAL_KINDS = frozenset({"transcript"})

#: Fillers, hedges, back-channels and discourse markers, as lemmas.
CONVERSATION_STOP_WORDS = frozenset("""
    like know yes yeah yep yup nope okay ok alright right sure um uh erm er hmm mmm mm mhm ah oh
    think thing bit lot stuff sort kind mean guess suppose gonna wanna gotta dunno cos
    actually basically obviously literally probably definitely absolutely certainly exactly totally
    honestly genuinely really pretty little way course maybe say get go
""".split())
