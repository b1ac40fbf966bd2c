"""Regular expressions for identifiers that have a shape: e-mail addresses, phone
numbers, UK postcodes, web addresses; and the word lists that mark a capitalised
sequence as a person (a title before it), an organisation (a suffix such as Trust or
Carers) or a place (Road, Valley...).

The lists are English and UK-leaning because the studies qualcode serves are; each is a
frozenset so a project can extend the detector without editing regexes.
"""
from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.-])")

#: a web address with a scheme or www., or a bare domain on a common suffix
URL = re.compile(
    r"(?<![\w@.])(?:https?://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+"
    r"|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:org|com|net|gov|nhs|ac|co|edu|io|info)(?:\.uk)?(?:/[^\s<>\"')\]]*)?)"
    r"(?<![.,;:!?])",
    re.IGNORECASE,
)

#: UK and international phone numbers: a leading 0 or +, then 9-12 more digits in the
#: groupings people write ("0113 496 0000", "(0113) 4960000", "+44 (0)7700 900123", "07700-900-123")
PHONE = re.compile(r"(?<![\w+-])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?|\(0|0)\d[\d\s().-]{6,16}\d(?![\w])")
PHONE_DIGITS = (10, 13)

#: UK postcodes ("LS1 4AP", "SW1A 1AA", "M1 1AE"), upper case as written on letters
POSTCODE = re.compile(r"(?<![\w])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![\w])")

#: words before a person's name
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "cllr", "councillor", "sir", "dame", "lord",
    "lady", "rev", "revd", "reverend", "canon", "father", "sister", "rabbi", "imam", "judge",
})

#: last words of an organisation's name ("Oakfield Trust", "Riverside Carers")
ORG_SUFFIXES = frozenset({
    "trust", "ltd", "limited", "plc", "cic", "llp", "inc", "council", "carers", "network", "foundation", "fund",
    "charity", "charities", "association", "partnership", "partners", "hub", "forum", "centre", "center", "group",
    "society", "alliance", "services", "service", "support", "link", "hospice", "hospital", "clinic", "surgery",
    "practice", "college", "university", "school", "academy", "church", "club", "housing", "bank", "authority",
    "commission", "agency", "institute", "federation", "union", "collective", "cooperative", "co-op", "project",
    "initiative", "consortium", "board", "committee", "company", "corporation", "enterprises", "solutions",
    "consulting", "associates", "care", "action", "aid", "advice", "ventures", "works", "mission", "league",
    "circle", "friends", "team", "panel", "unit", "department", "ministry", "office", "nhs",
})

#: last words of a place's name ("Harrowgate Road", "Wharfe Valley")
PLACE_SUFFIXES = frozenset({
    "road", "street", "lane", "avenue", "way", "close", "park", "square", "valley", "hill", "hills", "green",
    "bridge", "estate", "crescent", "drive", "place", "gardens", "terrace", "grove", "county", "city", "town",
    "village", "borough", "district", "ward", "moor", "common", "heath", "vale", "forest", "bay", "island",
})

#: endings of English place names ("Aireton", "Kelderby", "Northwold")
PLACE_ENDINGS = (
    "ton", "ford", "bury", "borough", "brough", "field", "ham", "by", "mere", "brook", "dale", "moor", "bridge",
    "gate", "shire", "chester", "caster", "cester", "minster", "mouth", "wick", "thorpe", "worth", "stead",
    "well", "combe", "den", "hurst", "pool", "port", "wich", "land", "side", "wold", "burn", "holme", "ley",
)

#: words that introduce a place ("in Leeds", "near Aireton")
PLACE_CUES = frozenset({"in", "near", "around", "across", "outside", "to", "from", "towards", "through", "into",
                        "round", "between", "within"})

#: joiners allowed inside a name ("Friends of the Earth", "Newcastle upon Tyne", "Marks & Spencer")
CONNECTORS = frozenset({"of", "the", "for", "upon", "on", "&", "de", "van", "von", "le", "la", "du", "da", "y"})

#: capitalised words that are never names by themselves
NEVER_NAMES = frozenset({
    "i", "i'm", "i've", "i'd", "i'll", "ok", "okay", "yes", "no", "yeah", "mm", "hmm", "um", "er", "erm", "uh",
    "oh", "so", "well", "right", "and", "but", "or", "the", "a", "an",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "christmas", "easter", "covid", "covid-19", "zoom", "teams", "english", "british",
    "interviewer", "researcher", "participant", "respondent", "moderator", "facilitator", "q", "a",
    "what", "how", "why", "when", "where", "who", "which", "whose", "thank", "thanks", "hello", "hi", "hey",
    "dear", "best", "regards", "cheers", "sorry", "please", "mondays", "tuesdays", "wednesdays", "thursdays",
    "fridays", "saturdays", "sundays", "internet", "wi-fi", "wifi", "brexit", "google", "whatsapp", "facebook",
    "twitter", "linkedin", "excel", "word", "powerpoint", "microsoft", "skype",
})

#: acronyms that name no one (common in the sector's talk)
COMMON_ACRONYMS = frozenset({
    "ceo", "cfo", "coo", "hr", "it", "nhs", "uk", "gp", "gps", "ok", "tv", "pc", "pa", "pr", "ai", "faq", "vat",
    "mp", "mps", "dbs", "gdpr", "kpi", "kpis", "sla", "slt", "smt", "ngo", "cic", "cqc", "nhse", "ics", "icb",
    "la", "las", "vcs", "vcse", "nvq", "cv", "am", "pm", "bbc", "usa", "eu", "covid", "ppe", "sen", "send",
    "adhd", "ptsd", "mbe", "obe", "cbe", "phd", "msc", "ba", "mba", "q&a", "id", "pdf", "url", "www",
    "agm", "egm", "ceos", "kpi", "roi", "ict", "fte", "hmrc", "dwp", "ons", "sme", "smes", "lgbt", "lgbtq",
    "bame", "ngos", "pcn", "ccg", "ccgs", "asap", "fyi", "btw", "tbh", "etc", "ie", "eg",
})


_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")


def phone_digits_ok(text: str) -> bool:
    """A phone number has 10 to 13 digits (fewer is a year range or a sum of money) and
    holds no date."""
    digits = sum(ch.isdigit() for ch in text)
    return PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1] and not _DATE.search(text)


def looks_like_place(word: str) -> bool:
    """An English place-name ending on a word of more than one syllable or so."""
    low = word.casefold()
    return len(low) >= 6 and low.endswith(PLACE_ENDINGS)
