"""Build REFI-QDA archives in the layout NVivo 12 (Windows) writes, counting positions in a
chosen convention, from short interview texts written for these tests.

Layout as NVivo 12.6 writes it: ``project.qde`` (lower case) at the root, each text source
as ``sources/<GUID>.txt`` (UTF-8 *with* a BOM, CRLF line ends) next to its
``sources/<GUID>.docx`` rich text, upper-case GUIDs, ``origin="NVivo 12 Plus …"``, users
with initials as ``id``, a ``Coding`` per coder inside each ``PlainTextSelection``.

Positions are computed here without qualcode: the counted text is the file's text with
the BOM removed when it is not counted and CRLF made LF when it counts as one; code
points are Python indices, UTF-16 units are ``len(prefix.encode('utf-16-le')) // 2``.

Run as a script to write one archive per convention into a folder::

    python tests/data/refi/make_nvivo_fixtures.py OUT_DIR
"""
from __future__ import annotations

import io
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

BOM = "\ufeff"

# A text-message interview study (WhatsApp chats exported as text): short turns, emoji.
INTERVIEWS: dict[str, list[str]] = {
    "Chat interview - Amara": [
        "Interviewer: Thanks for doing this over WhatsApp 🙏 How did you first hear about the food bank?",
        "Amara: My neighbour told me 😊 I was too proud to go at first, honestly.",
        "Interviewer: What changed your mind?",
        "Amara: The kids 😔 we had nothing in the cupboard by the Thursday and the bus fare ate what was left.",
        "Amara: The volunteers were so kind 💛💛 nobody made me feel ashamed.",
        "Interviewer: Was anything hard about it?",
        "Amara: Getting there 🚌 two buses with a pram is a nightmare, and the queue is outside in the rain ☔",
        "Amara: I would love a delivery option for mums like me 👶",
        "Interviewer: Anything else you want to say?",
        "Amara: Just thank you 🙌 they gave us dignity when we had run out of it.",
    ],
    "Chat interview - Tomasz": [
        "Interviewer: Hi Tomasz 👋 thanks for agreeing to chat. How long have you used the service?",
        "Tomasz: About eight months 📅 since my hours at the warehouse were cut.",
        "Tomasz: Zero-hours contract 😤 some weeks I get twelve hours, some weeks nothing.",
        "Interviewer: How does the food bank fit into your week?",
        "Tomasz: It keeps me going until payday 💪 but the fresh food runs out early.",
        "Tomasz: I feel embarrassed queueing 😳 people from work walk past the church hall.",
        "Interviewer: What would make it better?",
        "Tomasz: Evening opening 🌙 I cannot come at ten in the morning if I have a shift.",
        "Tomasz: And maybe help with the energy bills ⚡🔥 that is the real problem now.",
    ],
    "Chat interview - Grace": [
        "Interviewer: Hello Grace 😊 could you tell me a bit about your situation?",
        "Grace: I care for my husband full time 🧑‍🦽 so the carers allowance is all we have.",
        "Grace: The food parcels are a lifeline 🙏🙏 I do not know what we would do.",
        "Interviewer: Has anything surprised you?",
        "Grace: The advice desk 📋 they sorted out a benefits appeal I had given up on.",
        "Grace: We got the back payment in March 🎉 first time in a year we could breathe.",
        "Interviewer: Is there anything you would change?",
        "Grace: More halal and vegetarian options 🥗 my neighbours often go without.",
        "Grace: And a quiet room 🤫 some of us find the crowd overwhelming.",
    ],
}

# (source, exact words selected, code path, coders) -- word-aligned, as researchers select.
SELECTIONS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("Chat interview - Amara", "My neighbour told me", "Access/Word of mouth", ("KM", "JO")),
    ("Chat interview - Amara", "I was too proud to go at first", "Barriers/Stigma", ("KM", "JO")),
    ("Chat interview - Amara", "we had nothing in the cupboard by the Thursday", "Need/Food insecurity", ("KM",)),
    ("Chat interview - Amara", "the bus fare ate what was left", "Barriers/Cost of travel", ("JO",)),
    ("Chat interview - Amara", "The volunteers were so kind", "Experience/Kindness", ("KM", "JO")),
    ("Chat interview - Amara", "nobody made me feel ashamed", "Experience/Dignity", ("KM",)),
    ("Chat interview - Amara", "two buses with a pram is a nightmare", "Barriers/Cost of travel", ("KM", "JO")),
    ("Chat interview - Amara", "the queue is outside in the rain", "Barriers/Queueing", ("JO",)),
    ("Chat interview - Amara", "I would love a delivery option for mums like me", "Suggestions/Delivery", ("KM", "JO")),
    ("Chat interview - Amara", "they gave us dignity", "Experience/Dignity", ("KM", "JO")),
    ("Chat interview - Tomasz", "since my hours at the warehouse were cut", "Need/Insecure work", ("KM", "JO")),
    ("Chat interview - Tomasz", "Zero-hours contract", "Need/Insecure work", ("KM",)),
    ("Chat interview - Tomasz", "some weeks I get twelve hours, some weeks nothing", "Need/Insecure work", ("JO",)),
    ("Chat interview - Tomasz", "It keeps me going until payday", "Need/Food insecurity", ("KM", "JO")),
    ("Chat interview - Tomasz", "the fresh food runs out early", "Barriers/Supply", ("KM",)),
    ("Chat interview - Tomasz", "I feel embarrassed queueing", "Barriers/Stigma", ("KM", "JO")),
    ("Chat interview - Tomasz", "people from work walk past the church hall", "Barriers/Stigma", ("JO",)),
    ("Chat interview - Tomasz", "Evening opening", "Suggestions/Opening hours", ("KM", "JO")),
    ("Chat interview - Tomasz", "I cannot come at ten in the morning if I have a shift", "Barriers/Opening hours", ("KM",)),
    ("Chat interview - Tomasz", "help with the energy bills", "Suggestions/Energy advice", ("KM", "JO")),
    ("Chat interview - Grace", "I care for my husband full time", "Need/Caring", ("KM", "JO")),
    ("Chat interview - Grace", "the carers allowance is all we have", "Need/Benefits", ("KM",)),
    ("Chat interview - Grace", "The food parcels are a lifeline", "Experience/Lifeline", ("KM", "JO")),
    ("Chat interview - Grace", "they sorted out a benefits appeal I had given up on", "Experience/Advice", ("KM", "JO")),
    ("Chat interview - Grace", "We got the back payment in March", "Experience/Advice", ("JO",)),
    ("Chat interview - Grace", "first time in a year we could breathe", "Experience/Lifeline", ("KM",)),
    ("Chat interview - Grace", "More halal and vegetarian options", "Suggestions/Choice", ("KM", "JO")),
    ("Chat interview - Grace", "my neighbours often go without", "Need/Food insecurity", ("JO",)),
    ("Chat interview - Grace", "a quiet room", "Suggestions/Quiet space", ("KM", "JO")),
    ("Chat interview - Grace", "some of us find the crowd overwhelming", "Barriers/Queueing", ("KM",)),
]

USERS = {"KM": "Kasia Markowska", "JO": "James Okafor", "ST": "Sam Taylor"}  # ST imported the files, coded nothing
_NS = uuid.UUID("6f1d2a44-0c55-4b7e-9a0e-2b1f3c4d5e6f")


@dataclass(frozen=True)
class Counting:
    unit: str  # "codepoint" | "utf16"
    bom_counted: bool
    crlf: int  # 2 | 1

    @property
    def spec(self) -> str:
        return f"{self.unit}:{'bom' if self.bom_counted else 'nobom'}:crlf{self.crlf}"


ALL_COUNTINGS = [Counting(u, b, c) for u in ("codepoint", "utf16") for b in (True, False) for c in (2, 1)]
NVIVO_12 = Counting("utf16", False, 2)


def guid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "|".join(parts))).upper()


def file_text(name: str) -> str:
    """The source file as NVivo writes it: BOM, CRLF line ends."""
    return BOM + "\r\n".join(INTERVIEWS[name]) + "\r\n"


def position(raw: str, index: int, counting: Counting) -> int:
    """``index`` (a code point index into ``raw``) in ``counting``'s terms."""
    prefix = raw[:index]
    if not counting.bom_counted and prefix.startswith(BOM):
        prefix = prefix[1:]
    if counting.crlf == 1:
        prefix = prefix.replace("\r\n", "\n")
    return len(prefix.encode("utf-16-le")) // 2 if counting.unit == "utf16" else len(prefix)


def _docx(lines: list[str]) -> bytes:
    import docx  # python-docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build(counting: Counting = NVIVO_12, *, origin: str = "NVivo 12 Plus (12.6.1.970)",
          names_carry_text: bool = False) -> dict[str, bytes]:
    """Archive members (name -> bytes). ``names_carry_text`` names each selection by its
    words, cut at 30 characters with an ellipsis, as ATLAS.ti does."""
    users = "".join(f"<User guid={quoteattr(guid('user', k))} id={quoteattr(k)} name={quoteattr(v)}/>"
                    for k, v in USERS.items())
    tree: dict[str, list[str]] = {}
    for _, _, path, _ in SELECTIONS:
        parent, child = path.split("/")
        tree.setdefault(parent, [])
        if child not in tree[parent]:
            tree[parent].append(child)
    codes = "".join(
        f"<Code guid={quoteattr(guid('code', p))} name={quoteattr(p)} isCodable=\"true\">"
        + "".join(f"<Code guid={quoteattr(guid('code', p + '/' + c))} name={quoteattr(c)} isCodable=\"true\"/>" for c in kids)
        + "</Code>"
        for p, kids in tree.items()
    )
    members: dict[str, bytes] = {}
    sources = []
    for name in INTERVIEWS:
        raw = file_text(name)
        sg = guid("source", name)
        sels = []
        for i, (src, words, path, coders) in enumerate(SELECTIONS):
            if src != name:
                continue
            at = raw.index(words)
            start, end = position(raw, at, counting), position(raw, at + len(words), counting)
            label = ""
            if names_carry_text:
                label = f" name={quoteattr(words if len(words) <= 30 else words[:30] + '…')}"
            codings = "".join(
                f"<Coding guid={quoteattr(guid('coding', str(i), c))} creatingUser={quoteattr(guid('user', c))} "
                f"creationDateTime=\"2021-03-0{1 + i % 9}T10:1{i % 10}:00Z\"><CodeRef targetGUID={quoteattr(guid('code', path))}/></Coding>"
                for c in coders
            )
            sels.append(
                f"<PlainTextSelection guid={quoteattr(guid('sel', str(i)))}{label} startPosition=\"{start}\" "
                f"endPosition=\"{end}\" creatingUser={quoteattr(guid('user', coders[0]))} "
                f"creationDateTime=\"2021-03-01T09:00:00Z\">{codings}</PlainTextSelection>"
            )
        sources.append(
            f"<TextSource guid={quoteattr(sg)} name={quoteattr(name)} richTextPath=\"internal://{sg}.docx\" "
            f"plainTextPath=\"internal://{sg}.txt\" creatingUser={quoteattr(guid('user', 'ST'))} "
            f"creationDateTime=\"2021-02-20T16:02:11Z\" modifyingUser={quoteattr(guid('user', 'KM'))} "
            f"modifiedDateTime=\"2021-03-09T11:40:52Z\">{''.join(sels)}</TextSource>"
        )
        members[f"sources/{sg}.txt"] = raw.encode("utf-8")
        members[f"sources/{sg}.docx"] = _docx(INTERVIEWS[name])
    qde = (
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>'
        f'<Project xmlns="urn:QDA-XML:project:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'name="Food bank chats" origin={quoteattr(origin)} creatingUserGUID={quoteattr(guid("user", "KM"))} '
        f'creationDateTime="2021-02-20T16:00:00Z" basePath="" '
        f'xsi:schemaLocation="urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd">'
        f"<Users>{users}</Users><CodeBook><Codes>{codes}</Codes></CodeBook>"
        f"<Sources>{''.join(sources)}</Sources></Project>"
    )
    members["project.qde"] = qde.encode("utf-8")
    return members


def write(path: Path, counting: Counting = NVIVO_12, **kwargs: object) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in build(counting, **kwargs).items():  # type: ignore[arg-type]
            archive.writestr(name, data)
    return path


def expected_excerpts() -> list[tuple[str, str, str, str]]:
    """(source, text, code path, coder name) for every coding in the fixtures."""
    return sorted((s, w, p, USERS[c]) for s, w, p, coders in SELECTIONS for c in coders)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for counting in ALL_COUNTINGS:
        print(write(out / f"nvivo12-{counting.spec.replace(':', '-')}.qdpx", counting))
