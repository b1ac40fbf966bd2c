"""Anonymity: find the names of people, organisations and places in a project, let a
person confirm them once, and replace every confirmed name by a stable pseudonym
wherever text leaves the system.

- :mod:`~qualcode.privacy.patterns` -- regular expressions for e-mails, phones, postcodes,
  URLs, titles and organisation suffixes;
- :mod:`~qualcode.privacy.lexicon` -- what the shipped word tables (spacy-lookups-data)
  say about a capitalised word: ordinary English, a given name, a place;
- :mod:`~qualcode.privacy.detect` -- candidate mentions in texts;
- :mod:`~qualcode.privacy.candidates` -- mentions grouped into candidates with counts,
  contexts and suggested variants;
- :mod:`~qualcode.privacy.anonymiser` -- confirmed entities -> pseudonyms in text, tables
  and reports;
- :mod:`~qualcode.privacy.check` -- scan a folder of outputs for leaks.

This package sits below ``Project``: it knows nothing of the store.
"""
