"""Build the Word and PDF transcript fixtures, and a small Otter-layout study, into a folder.

The text fixtures (.txt, .vtt) sit beside this file; the binary ones are generated so
every byte is reviewable here. Each follows the layout the tool writes:

* Otter .docx / .pdf: a header block (title, date, SUMMARY KEYWORDS, SPEAKERS), then
  for each turn ``Name  MM:SS`` in a paragraph of its own and the words in the next
  paragraph(s), and the ``Transcribed by https://otter.ai`` footer;
* Teams .docx: ``Name   H:MM:SS`` and the words in one paragraph, split by a line break,
  with "... started transcription" lines; and Teams' older layout, a cue timing line
  (``0:0:2.310 --> 0:0:6.980``), the name and the words;
* a typed .docx with ``Name: words`` per paragraph, and one with the speaker's name in a
  bold paragraph of its own above the words.

    python tests/data/transcripts/make_transcripts.py OUT_DIR
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
INTERVIEWER = "Priya Raman"


def _write_pdf():
    spec = importlib.util.spec_from_file_location("make_fixtures", HERE.parent / "ingest" / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.write_pdf


OTTER_CEO_10 = [
    ("Priya Raman", "00:03", "Hi Dev, thanks for doing this. Can you tell me a little about your organisation?"),
    ("Dev Malhotra", "00:09", "We're a housing advice charity, twelve staff, mostly phone and drop-in. "
                              "I came in as chief executive last September."),
    ("Priya Raman", "00:24", "Let's move on to question two. What did you want from having a mentor?"),
    ("Dev Malhotra", "00:30", "Honestly, help with the trustees. Our board is lovely but they meet four "
                              "times a year and nobody reads the papers."),
    ("Dev Malhotra", "00:44", "[laughs] Sorry, that sounds harsh. They're busy people."),
    ("Priya Raman", "00:51", "And has that changed?"),
    ("Dev Malhotra", "1:02:05", "A bit. We moved to a dashboard, one page, red amber green. The treasurer "
                                "loves it, the chair is coming round."),
]


def write_otter_docx(path: Path, turns=OTTER_CEO_10, title: str = "CEO-10 interview",
                     keywords: str = "board, trustees, dashboard, mentor, priya, dev") -> None:
    document = docx.Document()
    document.add_paragraph(title)
    document.add_paragraph("Wed, 4/2 10:15AM \u2022 41:37")
    document.add_paragraph("SUMMARY KEYWORDS")
    document.add_paragraph(keywords)
    document.add_paragraph("SPEAKERS")
    document.add_paragraph(", ".join(dict.fromkeys(name for name, _, _ in turns)))
    for name, time, words in turns:
        document.add_paragraph(f"{name}  {time}")
        document.add_paragraph(words)
    document.add_paragraph("Transcribed by https://otter.ai")
    document.save(str(path))


TEAMS_MENTOR_02 = [
    ("Priya Raman", "0:04", "Thanks for staying on after the peer session. How many mentees do you have this year?"),
    ("Hannah Cole", "0:11", "Two. One in a hospice, one in a youth club that's very new."),
    ("Priya Raman", "0:19", "What do the two of them need from you?"),
    ("Hannah Cole", "0:23", "Completely different things. The hospice CEO wants a sounding board on "
                              "the merger talks; the youth club one needs the basics, budgets, policies."),
    ("Priya Raman", "1:02", "Is the training enough to cover both?"),
    ("Hannah Cole", "1:06", "Not really. I lean on my own network for the merger stuff."),
]


def write_teams_docx(path: Path, turns=TEAMS_MENTOR_02) -> None:
    document = docx.Document()
    document.add_paragraph("Mentor-02 check-in")
    document.add_paragraph("March 12, 2025, 3:30PM")
    document.add_paragraph("42m 10s")
    document.add_paragraph(f"{INTERVIEWER} started transcription")
    for name, time, words in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{name}   {time}").add_break()
        paragraph.add_run(words)
    document.add_paragraph(f"{INTERVIEWER} stopped transcription")
    document.save(str(path))


TEAMS_CUES = [
    ("0:0:2.310", "0:0:6.980", "Priya Raman", "Morning, Kemi. Is it all right if we record this for the evaluation?"),
    ("0:0:7.420", "0:0:8.150", "Kemi Oduya", "Yes, that's fine."),
    ("0:0:9.010", "0:0:14.700", "Priya Raman", "Thanks. What was the most useful session with your mentor?"),
    ("0:0:15.220", "0:0:24.930", "Kemi Oduya", "The one before our funding bid. We rehearsed the panel questions "
                                               "and I went in far calmer."),
    ("0:0:25.400", "0:0:27.010", "Priya Raman", "Did the bid succeed?"),
    ("0:0:27.600", "0:0:31.880", "Kemi Oduya", "It did, three years of core costs."),
]


def write_teams_cues_docx(path: Path, cues=TEAMS_CUES) -> None:
    """Teams' older .docx transcript: a cue timing line, the name, the words, in one paragraph."""
    document = docx.Document()
    for start, end, name, words in cues:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{start} --> {end}").add_break()
        paragraph.add_run(name).add_break()
        paragraph.add_run(words)
    document.save(str(path))


SPEAKER_PARAGRAPHS = [
    ("Interviewer", "What made you put yourself forward as a mentor?"),
    ("Mentor-11", "I'd been a CEO for fifteen years and wished someone had done it for me."),
    ("Interviewer", "And what has it been like?"),
    ("Mentor-11", "Harder than I thought. You have to stop yourself giving answers."),
    ("Moderator", "Sorry to cut in, we have ten minutes left."),
    ("Mentor-11", "No problem. The listening is the whole job, really."),
]


def write_speaker_paragraphs_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Mentor-11 interview, wave 1", level=1)
    for name, words in SPEAKER_PARAGRAPHS:
        document.add_paragraph(f"{name}: {words}")
    document.save(str(path))


NAME_LINES = [
    ("Priya Raman", "How did the first three months go?"),
    ("Olu Bankole", "Better than I feared. The staff were patient with me."),
    ("Priya Raman", "And the mentoring?"),
    ("Olu Bankole", "We've met four times. Each time I leave with one thing to do, which suits me."),
    ("Priya Raman", "What's the one thing this month?"),
    ("Olu Bankole", "Write to the funders before they write to us."),
]


def write_name_lines_docx(path: Path) -> None:
    document = docx.Document()
    for name, words in NAME_LINES:
        document.add_paragraph().add_run(name).bold = True
        document.add_paragraph(words)
    document.save(str(path))


OTTER_PDF_TURNS = [
    ("Priya Raman", "00:02", "Can you tell me about the last board meeting?"),
    ("Femi Adebayo", "00:07", "It was the first one where I didn't dread it. We had a proper agenda."),
    ("Priya Raman", "00:15", "What made the difference?"),
    ("Femi Adebayo", "00:18", "My mentor made me send the papers a week early. Obvious, really."),
    ("Priya Raman", "00:27", "Let's move on to question five. Anything else?"),
    ("Femi Adebayo", "00:31", "Only that I wish I'd started sooner."),
]


def write_otter_pdf(path: Path, turns=OTTER_PDF_TURNS) -> None:
    lines = ["CEO-14 interview", "Thu, 4/3 9:00AM - 22:05", "", "SUMMARY KEYWORDS",
             "board, agenda, papers, mentor", "", "SPEAKERS", ", ".join(dict.fromkeys(n for n, _, _ in turns)), ""]
    for name, time, words in turns:
        lines += [f"{name}  {time}", words, ""]
    lines.append("Transcribed by https://otter.ai")
    _write_pdf()(path, [lines])


# ---------------------------------------------------------------- an Otter-layout study
# Five interviews by one interviewer: her questions repeat ("Let's move on to question
# ..."), her name is in every header, and every participant speaks once per interview.
STUDY = {
    "CEO-21": ("Nadia Petrov", [
        "Thanks for joining, Nadia. Let's start with question one: how did you come to the programme?",
        "The chair put my name forward after a rough audit. I said yes before I could talk myself out of it.",
        "Let's move on to question two. What did you hope to get from your mentor?",
        "Confidence with the trustees, mainly. I felt like I was reporting to a jury.",
        "Let's move on to question three. What has changed at board meetings?",
        "We agree the agenda together now. The audit actions are a standing item and they're closing.",
    ]),
    "CEO-22": ("Ben Ashworth", [
        "Thanks for joining, Ben. Let's start with question one: how did you come to the programme?",
        "A funder recommended it. They'd seen our reserves drop two years running.",
        "Let's move on to question two. What did you hope to get from your mentor?",
        "Someone to check my thinking on the reserves policy, and on whether to merge.",
        "Let's move on to question three. What has changed at board meetings?",
        "The finance reports are clearer and the treasurer challenges me properly. It's healthy.",
    ]),
    "CEO-23": ("Chloe Martins", [
        "Thanks for joining, Chloe. Let's start with question one: how did you come to the programme?",
        "I was new in post and the outgoing chief executive had done it. She swore by it.",
        "Let's move on to question two. What did you hope to get from your mentor?",
        "Help with fundraising strategy. Our income is almost all one grant.",
        "Let's move on to question three. What has changed at board meetings?",
        "The trustees set up a fundraising group. Two of them are opening doors for us now.",
    ]),
    "CEO-24": ("Yusuf Haddad", [
        "Thanks for joining, Yusuf. Let's start with question one: how did you come to the programme?",
        "Through the network of food banks. Three of us applied together.",
        "Let's move on to question two. What did you hope to get from your mentor?",
        "Volunteer management, because we run on volunteers and burnout was high.",
        "Let's move on to question three. What has changed at board meetings?",
        "We report volunteer wellbeing now, not just hours. The board asks about it first.",
    ]),
    "CEO-25": ("Imogen Reid", [
        "Thanks for joining, Imogen. Let's start with question one: how did you come to the programme?",
        "I saw it advertised and thought, why not. I'd never had a mentor.",
        "Let's move on to question two. What did you hope to get from your mentor?",
        "Time to think. Day to day I'm covering reception as well as running the place.",
        "Let's move on to question three. What has changed at board meetings?",
        "Not much yet, honestly. But I've stopped apologising for the budget, which is a start.",
    ]),
}


def _study_turns(case: str) -> list[tuple[str, str, str]]:
    participant, said = STUDY[case]
    turns = []
    for i, words in enumerate(said):
        seconds = 4 + 37 * i
        turns.append((INTERVIEWER if i % 2 == 0 else participant, f"{seconds // 60:02d}:{seconds % 60:02d}", words))
    return turns


def otter_txt(turns: list[tuple[str, str, str]], title: str, keywords: str) -> str:
    speakers = ", ".join(dict.fromkeys(name for name, _, _ in turns))
    body = "\n\n".join(f"{name}  {time}\n{words}" for name, time, words in turns)
    return (f"{title}\nMon, 3/10 11:00AM \u2022 35:20\n\nSUMMARY KEYWORDS\n{keywords}\n\nSPEAKERS\n{speakers}\n\n"
            f"{body}\n\nTranscribed by https://otter.ai\n")


def make_otter_study(out: Path) -> list[Path]:
    """The five interviews: three as Otter .docx, two as Otter .txt."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, case in enumerate(STUDY):
        turns = _study_turns(case)
        keywords = "board, trustees, mentor, question, priya, raman"
        if i < 3:
            path = out / f"{case} interview.docx"
            write_otter_docx(path, turns, title=f"{case} interview", keywords=keywords)
        else:
            path = out / f"{case} interview.txt"
            path.write_text(otter_txt(turns, f"{case} interview", keywords), encoding="utf-8")
        written.append(path)
    return written


def make_all(out: Path) -> dict[str, Path]:
    """Every binary transcript fixture into ``out``; name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "otter_docx": out / "otter CEO-10.docx",
        "teams_docx": out / "teams Mentor-02.docx",
        "speaker_paragraphs_docx": out / "typed Mentor-11.docx",
        "name_lines_docx": out / "typed CEO-13.docx",
        "otter_pdf": out / "otter CEO-14.pdf",
        "teams_cues_docx": out / "teams CEO-15.docx",
    }
    write_otter_docx(paths["otter_docx"])
    write_teams_docx(paths["teams_docx"])
    write_speaker_paragraphs_docx(paths["speaker_paragraphs_docx"])
    write_name_lines_docx(paths["name_lines_docx"])
    write_otter_pdf(paths["otter_pdf"])
    write_teams_cues_docx(paths["teams_cues_docx"])
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/data/transcripts/make_transcripts.py OUT_DIR")
    target = Path(sys.argv[1])
    for label, written in make_all(target).items():
        print(f"{label}: {written}")
    for written in make_otter_study(target / "otter-study"):
        print(f"study: {written}")
