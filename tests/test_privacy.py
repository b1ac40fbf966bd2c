"""Anonymity by default (issue 21): names are found without a trained pipeline, a person
confirms them once, and no export carries a confirmed name afterwards.

The material is written the way real tools write it: a time-stamped transcript whose
interviewer is labelled with her full name, a Zoom WebVTT file, an email interview."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli
from qualcode.errors import ImportFormatError
from qualcode.privacy.anonymiser import Anonymiser, Entity, Variant
from qualcode.privacy.detect import detect

CEO_21 = """Interview with CEO-21, wave 1, 3 April 2025

[00:00:05] Sarah Jones: Thanks for making time. Could you start with your organisation?

[00:00:12] CEO-21: Of course. I run the carers' service at Oakfield Trust, we're about forty staff. Most of our referrals come through Riverside Carers, and Priya Patel there has been brilliant, honestly. Priya rings me most weeks.

[00:00:48] Sarah Jones: And your mentor?

[00:00:52] CEO-21: My mentor is Hope. Hope was a finance director for years, and I hope she stays on. She pushed me to rethink our reserves before the board meeting.

[00:01:30] Sarah Jones: How has that changed the board?

[00:01:34] CEO-21: The board trusts the numbers now. Ms Jones, you said you'd send the summary, my email is c21@oakfieldtrust.org.uk or ring 0113 496 0018.
"""

MENTOR_08 = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v Sarah Jones>What did you notice about the board this year?

00:00:06.500 --> 00:00:20.000
<v Mentor-08>The board relations improved a lot. Oakfield Trust now plans its reserves with Riverside Carers, and the chair listens.

00:00:20.500 --> 00:00:30.000
<v Mentor-08>Priya Patel told me the referrals doubled, which is good news for carers.
"""

CODEBOOK = """codebook: tiny
codes:
  - name: Impact
    children:
      - name: Confidence
  - name: Issues
    children:
      - name: Governance
      - name: Sustainability
"""

THE_FOUR = ("Sarah Jones", "Oakfield Trust", "Priya Patel", "Riverside Carers")


def _make(folder: Path) -> Project:
    material = folder / "material"
    material.mkdir(parents=True)
    (material / "CEO-21 wave 1.txt").write_text(CEO_21, encoding="utf-8")
    (material / "Mentor-08 wave 1.vtt").write_text(MENTOR_08, encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "people.csv").write_text("participant,role,mode\nCEO-21,CEO,online\nMentor-08,Mentor,online\n",
                                       encoding="utf-8")
    project = Project.create(folder / "study.qcproj", title="Privacy study")
    project.ingest(material, progress=False)
    project.import_descriptors(folder / "people.csv", key="participant")
    project.import_codebook(folder / "codebook.yaml")
    ceo, mentor = "CEO-21 wave 1", "Mentor-08 wave 1"
    project.code(ceo, "Issues/Sustainability", quote="Most of our referrals come through Riverside Carers, and Priya "
                 "Patel there has been brilliant, honestly. Priya rings me most weeks.", coder="anna")
    project.code(ceo, "Impact/Confidence", quote="Hope was a finance director for years, and I hope she stays on. "
                 "She pushed me to rethink our reserves before the board meeting.", coder="anna")
    project.code(ceo, "Issues/Governance", quote="The board trusts the numbers now. Ms Jones, you said you'd send "
                 "the summary", coder="ben")
    project.code(ceo, "Impact/Confidence", quote="The board trusts the numbers now. Ms Jones, you said you'd send "
                 "the summary", coder="anna")
    project.code(mentor, "Issues/Governance", quote="The board relations improved a lot. Oakfield Trust now plans its "
                 "reserves with Riverside Carers, and the chair listens.", coder="anna")
    project.code(mentor, "Issues/Sustainability", quote="Priya Patel told me the referrals doubled, which is good news "
                 "for carers.", coder="anna")
    project.code(mentor, "Issues/Governance", quote="Priya Patel told me the referrals doubled", coder="ben")
    return project


@pytest.fixture
def study(tmp_path: Path) -> Project:
    project = _make(tmp_path)
    yield project
    project.close()


def run(project: Project, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--project", project.target, *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.stdout


def test_detection_finds_the_names_without_a_trained_pipeline(study: Project) -> None:
    table = study.redaction_candidates().set_index("candidate")
    for name in THE_FOUR:
        assert name in table.index, f"{name} not suggested"
    assert table.loc["Sarah Jones", "kind"] == "person" and "speaker" in table.loc["Sarah Jones", "reason"]
    assert table.loc["Oakfield Trust", "kind"] == "organisation"
    assert table.loc["Riverside Carers", "kind"] == "organisation"
    # counted by hand: 3 labels in the transcript, 1 in the VTT cue; Priya Patel once in
    # each source, and "Priya" alone once
    assert table.loc["Sarah Jones", "mentions"] == 4
    assert table.loc["Priya Patel", "mentions"] == 2 and table.loc["Priya", "mentions"] == 1
    # variants of one person are proposed for merging; the mentor "Hope" is found
    assert table.loc["Ms Jones", "variant_of"] == "Sarah Jones"
    assert table.loc["Priya", "variant_of"] == "Priya Patel"
    assert "Hope" in table.index
    assert table.loc["c21@oakfieldtrust.org.uk", "kind"] == "email"
    assert table.loc["0113 496 0018", "kind"] == "phone"
    # the participants' identifiers and ordinary words are not suggested
    assert not {"CEO-21", "Mentor-08", "Thanks", "Could", "The", "Most"} & set(table.index)


def test_shapes_and_awkward_names() -> None:
    text = ("When Sarah met Dr. Ana Silva at St Aidan's Hospice in Kelderby, she said Bill's plan was fine. "
            "Call +44 (0)7700 900123 or 020 7946 0018, write to LS1 4AP, see www.oakfield.org.uk. "
            "We met on 2024-03-14 and spent 1,300,000 in 2023-2024.")
    found = {(m.surface, m.kind) for m in detect(text)}
    assert ("Sarah", "person") in found and ("Dr. Ana Silva", "person") in found
    assert ("St Aidan's Hospice", "organisation") in found and ("Kelderby", "place") in found
    assert ("Bill", "person") in found  # possessive taken off
    assert ("+44 (0)7700 900123", "phone") in found and ("020 7946 0018", "phone") in found
    assert ("LS1 4AP", "postcode") in found and ("www.oakfield.org.uk", "url") in found
    assert not [m for m in detect(text) if m.kind == "phone" and "2024" in m.surface]
    assert "When" not in {m.surface for m in detect(text)}


def test_a_name_that_is_also_a_word_is_replaced_only_as_a_name() -> None:
    anonymiser = Anonymiser([Entity("person", 1, [Variant("Hope", match_case=True)]),
                             Entity("person", 2, [Variant("Sarah Jones"), Variant("Sarah")])])
    assert anonymiser.text("Hope said I hope so. HOPE's plan.") == "[Person 1] said I hope so. [Person 1]'s plan."
    assert anonymiser.text("sarah  jones and SARAH, not Sarahs.") == "[Person 2] and [Person 2], not Sarahs."


def test_confirmed_names_never_leave_the_project(study: Project, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    out.mkdir()
    (out / "before.md").write_text(run(study, "quotes", "Issues/Sustainability"), encoding="utf-8")
    assert "Priya Patel" in (out / "before.md").read_text(encoding="utf-8")  # nobody confirmed it yet
    leaks = json.loads(run(study, "redact", "check", str(out), "--format", "json", code=1))
    assert {"Priya Patel"} <= {leak["found"] for leak in leaks if leak["status"] == "unconfirmed"}
    (out / "before.md").unlink()

    # a person confirms: variants merged into one entity each, the rest ruled out
    assert "-> [Person 1]" in run(study, "redact", "accept", "Sarah Jones", "--with-variants")
    run(study, "redact", "accept", "Priya Patel", "Priya")
    run(study, "redact", "accept", "Oakfield Trust", "--kind", "organisation")
    run(study, "redact", "accept", "Riverside Carers")
    run(study, "redact", "accept", "Hope", "--label", "[Mentor A]")
    run(study, "redact", "accept", "c21@oakfieldtrust.org.uk")
    run(study, "redact", "accept", "0113 496 0018")
    rest = pd.read_csv(io.StringIO(run(study, "redact", "suggest", "--format", "csv")))
    if not rest.empty:
        run(study, "redact", "reject", *rest["candidate"].tolist())
    assert run(study, "redact", "suggest").strip() == "(nothing)"
    decided = study.redactions().set_index("name")
    assert decided.loc["Ms Jones", "pseudonym"] == decided.loc["Sarah Jones", "pseudonym"] == "[Person 1]"
    assert decided.loc["Priya", "pseudonym"] == "[Person 2]"

    (out / "quotes.md").write_text(run(study, "quotes", "Issues/Sustainability") +
                                   run(study, "quotes", "Impact/Confidence"), encoding="utf-8")
    (out / "words.csv").write_text(run(study, "stats", "words", "--format", "csv"), encoding="utf-8")
    (out / "keywords.csv").write_text(run(study, "stats", "keywords", "--a", "role=CEO", "--b", "role=Mentor",
                                          "--format", "csv"), encoding="utf-8")
    (out / "excerpts.csv").write_text(run(study, "excerpts", "--anonymise", "--format", "csv"), encoding="utf-8")
    run(study, "wordcloud", "--words", "--out", str(out / "cloud.png"))
    run(study, "agreement", "--coders", "anna,ben", "--disagreements", str(out / "disagreements.csv"))
    run(study, "report", "--out", str(out / "report"))
    for fmt, name in (("xlsx", "study.xlsx"), ("html", "study.html"), ("md", "study.md"), ("csv", "tables")):
        run(study, "export", fmt, str(out / name))
    run(study, "export", "qdpx", "--anonymise", str(out / "study.qdpx"))

    assert run(study, "redact", "check", str(out)).startswith(f"{out}: no confirmed name")
    quotes = (out / "quotes.md").read_text(encoding="utf-8")
    assert "[Person 2]" in quotes and "[Organisation 2]" in quotes and "I hope she stays on" in quotes
    assert "[Mentor A] was a finance director" in quotes
    words = pd.read_csv(out / "words.csv")
    assert {"board", "hope"} <= set(words["word"]) and not {"priya", "patel", "oakfield", "sarah"} & set(words["word"])
    with zipfile.ZipFile(out / "study.qdpx") as archive:
        texts = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith((".txt", ".qde")))
    everything = texts
    for path in out.rglob("*"):
        if path.suffix in {".md", ".csv", ".html", ".svg"}:
            everything += path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".xlsx":
            workbook = openpyxl.load_workbook(path)
            everything += " ".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row
                                   if c.value is not None)
    for name in (*THE_FOUR, "Priya", "Ms Jones", "c21@oakfieldtrust.org.uk", "0113 496 0018"):
        assert name not in everything, name
    assert "[Person 1]" in everything and "[Organisation 1]" in everything

    # a leak in a workbook is found inside the zip
    workbook = openpyxl.Workbook()
    workbook.active["B7"] = "Thanks to Oakfield Trust"
    workbook.save(out / "late-addition.xlsx")
    leaks = json.loads(run(study, "redact", "check", str(out), "--format", "json", code=1))
    assert [(leak["found"], leak["status"]) for leak in leaks] == [("Oakfield Trust", "confirmed")]


def test_anonymised_qdpx_keeps_codings_on_the_same_words(study: Project, tmp_path: Path) -> None:
    study.confirm_names(["Priya Patel", "Priya"])
    study.confirm_names(["Riverside Carers"])
    study.export_qdpx(tmp_path / "study.qdpx", anonymise=True)
    copy = Project.create(tmp_path / "copy.qcproj")
    copy.import_qdpx(tmp_path / "study.qdpx")
    texts = set(copy.excerpts()["text"])
    assert ("Most of our referrals come through [Organisation 1], and [Person 1] there has been brilliant, "
            "honestly. [Person 1] rings me most weeks.") in texts
    assert "[Person 1] told me the referrals doubled" in texts
    copy.close()


def test_decisions_are_reused_when_new_material_arrives(study: Project, tmp_path: Path) -> None:
    study.confirm_names(["Priya Patel", "Priya"])
    study.reject_names(["Hope"])
    more = tmp_path / "more"
    more.mkdir()
    (more / "CEO-22 wave 2.txt").write_text(
        "Interviewer: Who helped?\n\nCEO-22: Priya Patel again, and a new trustee, Tomasz Nowak.\n\n"
        "Interviewer: Anyone else?\n\nCEO-22: Hope, our old mentor, now and then.\n", encoding="utf-8")
    study.ingest(more, progress=False)
    table = study.redaction_candidates().set_index("candidate")
    assert "Tomasz Nowak" in table.index
    assert not {"Priya Patel", "Priya", "Hope"} & set(table.index)
    everything = study.redaction_candidates(include_decided=True).set_index("candidate")
    assert everything.loc["Priya Patel", "mentions"] == 3 and everything.loc["Priya Patel", "status"] == "accepted"


def test_pseudonyms_are_stable_and_labels_are_the_users(study: Project) -> None:
    first = study.confirm_names(["Sarah Jones"])
    second = study.confirm_names(["Priya Patel"])
    assert (first, second) == ("[Person 1]", "[Person 2]")
    assert study.merge_names(["Sarah Jones", "Ms Jones"]) == "[Person 1]"
    study.confirm_names(["Tomasz Nowak"])
    study.forget_names(["Tomasz Nowak"])
    assert study.confirm_names(["Alan Reed"]) == "[Person 4]"  # numbers are never reused
    assert study.confirm_names(["Priya Patel"]) == "[Person 2]"  # confirming again changes nothing
    assert study.label_name("Priya Patel", "Ms P") == "Ms P"
    quotes = study.quotes("Issues/Sustainability", n=5)
    assert quotes["quote"].str.contains("Ms P told me").any()


def test_a_file_of_decisions_is_checked_before_anything_is_stored(study: Project, tmp_path: Path) -> None:
    good = tmp_path / "decisions.csv"
    good.write_text("name,decision,kind,entity\nSarah Jones,accept,person,1\nMs Jones,accept,person,1\n"
                    "Hope,reject,,\n", encoding="utf-8")
    assert study.import_redactions(good) == {"accepted": 2, "rejected": 1}
    exported = tmp_path / "out.csv"
    study.export_redactions(exported)
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert {(r["name"], r["decision"], r["label"]) for r in rows} == {
        ("Sarah Jones", "accept", "[Person 1]"), ("Ms Jones", "accept", "[Person 1]"), ("Hope", "reject", "")}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,decision\nPriya Patel,accept\nOakfield Trust,maybe\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"bad.csv, row 3: decision 'maybe'"):
        study.import_redactions(bad)
    assert "Priya Patel" not in set(study.redactions()["name"])


def test_an_older_project_keeps_its_redaction_list(tmp_path: Path) -> None:
    """A project written before schema 4 kept names in meta ``redact_names``: after the
    upgrade they are still replaced, in any case, as they always were."""
    from sqlalchemy import create_engine, text

    project = _make(tmp_path)
    project.close()
    engine = create_engine(f"sqlite:///{tmp_path / 'study.qcproj'}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE redaction_variants"))
        conn.execute(text("DROP TABLE redaction_entities"))
        conn.execute(text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('redact_names', :v)"),
                     {"v": json.dumps(["Oakfield Trust", "Priya Patel"])})
    engine.dispose()
    reopened = Project.open(tmp_path / "study.qcproj")
    assert (tmp_path / "study.qcproj.bak-v3").exists()
    assert reopened.redaction_names == ["Oakfield Trust", "Priya Patel"]
    kinds = reopened.redactions().set_index("name")["kind"].to_dict()
    assert kinds == {"Oakfield Trust": "organisation", "Priya Patel": "person"}
    quotes = reopened.quotes("Issues/Governance", n=5)
    assert not quotes["quote"].str.contains("Oakfield").any()
    reopened.close()


def test_the_report_says_when_names_are_undecided(study: Project, tmp_path: Path) -> None:
    from qualcode.reporting.study import build_report

    report = build_report(study, tmp_path / "figures")
    assert "have not been confirmed or ruled out" in report.sections[0].text
    assert "qualcode redact suggest" in report.sections[0].text


def test_a_trained_pipeline_adds_its_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    """When a trained pipeline is installed its PERSON/ORG/GPE entities join the
    candidates (here a rule-based stand-in, as no trained pipeline can be installed)."""
    import spacy

    import qualcode.nlp
    from qualcode.privacy.candidates import find_mentions

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([{"label": "PERSON", "pattern": [{"LOWER": "tomasz"}, {"LOWER": "nowak"}]},
                        {"label": "GPE", "pattern": "leeds"}])
    monkeypatch.setattr(qualcode.nlp, "trained_pipeline_name", lambda: "stand-in")
    monkeypatch.setattr(qualcode.nlp, "get_nlp", lambda ner=False: nlp)
    texts = ["the auto transcript wrote tomasz nowak in lower case, and leeds too."]
    mentions, candidates = find_mentions(texts)
    assert {(m.surface, m.kind) for m in mentions[0]} == {("tomasz nowak", "person"), ("leeds", "place")}
    without, _ = find_mentions(texts, use_ner=False)
    assert without == [[]]


@pytest.mark.postgres
def test_a_team_shares_its_decisions_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    """Two members of a team on one PostgreSQL project: names one confirms are replaced
    in what the other exports, and numbers stay unique."""
    anna = Project.create(pg_url, title="Team")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "CEO-21 wave 1.txt").write_text(CEO_21, encoding="utf-8")
    anna.ingest(tmp_path / "m", progress=False)
    ben = Project.open(pg_url)
    assert anna.confirm_names(["Priya Patel", "Priya"]) == "[Person 1]"
    assert ben.confirm_names(["Oakfield Trust"]) == "[Organisation 1]"
    assert ben.confirm_names(["Sarah Jones", "Ms Jones"]) == "[Person 2]"
    cleaned = ben.anonymiser().text(CEO_21)
    assert "Priya" not in cleaned and "[Person 1] rings me" in cleaned and "[Organisation 1]" in cleaned
    assert set(anna.redaction_candidates()["candidate"]) & {"Priya Patel", "Sarah Jones"} == set()
    anna.close()
    ben.close()
