"""What people said, as transcripts record it: who is speaking in which role, and which
bits of a transcript are the transcriber's marks rather than anyone's words.

Pure definitions (no store, no spaCy) shared by every layer that reads turns: ingest,
rules, search, the suggester, word counts, quotes and agreement units. Keeping them in
one place is what makes "the interviewer" and "a word" mean the same thing everywhere.
"""
