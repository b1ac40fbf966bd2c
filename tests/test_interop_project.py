"""Interoperability through the Project: REFI-QDA import into the store, export from it,
and the round trip between the two, on a small project.qde written by hand here.

Expected numbers are counted by hand from the fixture below; texts are checked by slicing
the raw file at the positions the XML gives (an independent path from the reader).
"""
from __future__ import annotations

import os
import sqlite3
import unicodedata
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from lxml import etree

from qualcode import Project
from qualcode.errors import ImportFormatError
from qualcode.interop import to_store

NS = {"q": "urn:QDA-XML:project:1.0"}
REPO = Path(__file__).resolve().parents[1]
REFI = Path(os.environ.get("QUALCODE_SHARED_DATA", REPO.parent / "shared" / "data")) / "refi"

G = {k: str(uuid.uuid4()) for k in "U1 U2 C1 C2 C3 C4 V1 V2 V3 V4 V5 K1 K2 S1 S2 S3 A B C D N1 N2 N3 T1 X1 X2 X3 X4".split()}

# S1 is written the Windows way: a BOM and CRLF line ends, which REFI positions count.
S1_RAW = "\ufeffInterviewer: How was it?\r\nP01: The board was difficult.\r\nP01: Funding is the big worry.\r\n"
# S2 has a decomposed accent (e + combining acute), which qualcode stores composed (NFC).
S2_RAW = "Second source: cafe\u0301 culture.\nFunding matters."


def span(raw: str, quote: str) -> tuple[int, int]:
    start = raw.index(quote)
    return start, start + len(quote)


def qde_xml(*, extra_selection: str = "", source_s1_guid: str | None = None) -> str:
    a, b = span(S1_RAW, "The board was difficult."), span(S1_RAW, "Funding is the big worry.")
    c = span(S2_RAW, "Funding matters.")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Fixture" origin="hand-written">
 <Users><User guid="{G['U1']}" name="anna"/><User guid="{G['U2']}" name="ben"/></Users>
 <CodeBook><Codes>
  <Code guid="{G['C1']}" name="Issues" isCodable="false" color="#FF0000"><Description>Core issues</Description>
   <Code guid="{G['C2']}" name="Governance" isCodable="true"/>
   <Code guid="{G['C3']}" name="Funding/Finance" isCodable="true"/>
  </Code>
  <Code guid="{G['C4']}" name="Impact" isCodable="true"/>
 </Codes></CodeBook>
 <Variables>
  <Variable guid="{G['V1']}" name="role" typeOfVariable="Text"/>
  <Variable guid="{G['V2']}" name="age" typeOfVariable="Integer"/>
  <Variable guid="{G['V3']}" name="online" typeOfVariable="Boolean"/>
  <Variable guid="{G['V4']}" name="joined" typeOfVariable="Date"/>
  <Variable guid="{G['V5']}" name="region" typeOfVariable="Text"/>
 </Variables>
 <Cases>
  <Case guid="{G['K1']}" name="P01">
   <VariableValue><VariableRef targetGUID="{G['V1']}"/><TextValue>CEO</TextValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{G['V2']}"/><IntegerValue>52</IntegerValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{G['V3']}"/><BooleanValue>true</BooleanValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{G['V4']}"/><DateValue>2021-03-04</DateValue></VariableValue>
   <SourceRef targetGUID="{source_s1_guid or G['S1']}"/>
  </Case>
  <Case guid="{G['K2']}" name="P02">
   <VariableValue><VariableRef targetGUID="{G['V1']}"/><TextValue>mentor</TextValue></VariableValue>
   <SourceRef targetGUID="{G['S1']}"/>
  </Case>
 </Cases>
 <Sources>
  <TextSource guid="{G['S1']}" name="Interview 1" plainTextPath="internal://{G['S1']}.txt">
   <PlainTextSelection guid="{G['A']}" startPosition="{a[0]}" endPosition="{a[1]}" creatingUser="{G['U1']}">
    <Coding guid="{G['X1']}" creatingUser="{G['U1']}" creationDateTime="2024-05-06T07:08:09Z"><CodeRef targetGUID="{G['C2']}"/></Coding>
    <Coding guid="{G['X2']}" creatingUser="{G['U2']}"><CodeRef targetGUID="{G['C4']}"/></Coding>
    <NoteRef targetGUID="{G['N1']}"/>
   </PlainTextSelection>
   <PlainTextSelection guid="{G['B']}" startPosition="{b[0]}" endPosition="{b[1]}" creatingUser="{G['U1']}">
    <Coding guid="{G['X3']}" creatingUser="{G['U1']}"><CodeRef targetGUID="{G['C3']}"/></Coding>
   </PlainTextSelection>{extra_selection}
  </TextSource>
  <TextSource guid="{G['S2']}" name="Interview 2">
   <PlainTextContent>{S2_RAW}</PlainTextContent>
   <PlainTextSelection guid="{G['C']}" startPosition="{c[0]}" endPosition="{c[1]}">
    <Coding guid="{G['X4']}" creatingUser="{G['U2']}"><CodeRef targetGUID="{G['C3']}"/></Coding>
   </PlainTextSelection>
   <VariableValue><VariableRef targetGUID="{G['V5']}"/><TextValue>North</TextValue></VariableValue>
  </TextSource>
  <TextSource guid="{G['S3']}" name="Scan" richTextPath="internal://{G['S3']}.docx">
   <PlainTextSelection guid="{G['D']}" startPosition="0" endPosition="4">
    <Coding guid="{uuid.uuid4()}" creatingUser="{G['U1']}"><CodeRef targetGUID="{G['C4']}"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{G['N1']}" name="Early governance" creatingUser="{G['U1']}"><PlainTextContent>Governance comes up early.</PlainTextContent></Note>
  <Note guid="{G['N2']}" name="Project plan"><PlainTextContent>Interview the CEOs first.</PlainTextContent></Note>
 </Notes>
 <Sets><Set guid="{G['T1']}" name="Key codes"><MemberCode targetGUID="{G['C2']}"/><MemberSource targetGUID="{G['S2']}"/></Set></Sets>
 <NoteRef targetGUID="{G['N2']}"/>
</Project>
"""


def write_fixture(path: Path, qde: str | None = None, *, extra_members: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", (qde or qde_xml()).encode("utf-8"))
        z.writestr(f"sources/{G['S1']}.txt", S1_RAW.encode("utf-8"))
        for name, data in (extra_members or {}).items():
            z.writestr(name, data)
    return path


@pytest.fixture
def fixture_qdpx(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "fixture.qdpx")


def fresh(tmp_path: Path, name: str) -> Project:
    return Project.create(tmp_path / f"{name}.qcproj")


def dump(project: Project) -> list[str]:
    """Every row of every table, to prove a failed import changed nothing."""
    conn = sqlite3.connect(project.target)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def codings(project: Project) -> set[tuple[str, int, int, str, str]]:
    a = project.applications()
    return set(zip(a["source"], a["start"], a["end"], a["code"], a["coder"]))


# ----------------------------------------------------------------------------- import
def test_import_stores_what_the_file_holds(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    report = project.import_qdpx(fixture_qdpx)

    codes = project.codes()
    assert sorted(codes["path"]) == ["Impact", "Issues", "Issues/Funding\u2215Finance", "Issues/Governance"]
    issues = codes.set_index("path").loc["Issues"]
    assert (issues["colour"], issues["description"]) == ("#ff0000", "Core issues")

    sources = project.sources().set_index("source")
    assert sorted(sources.index) == ["Interview 1", "Interview 2"]  # Scan has no text
    assert project.source_text("Interview 1") == "Interviewer: How was it?\nP01: The board was difficult.\nP01: Funding is the big worry.\n"
    assert project.source_text("Interview 2") == "Second source: caf\u00e9 culture.\nFunding matters."
    assert sources.loc["Interview 1", "kind"] == "transcript"  # speaker turns detected
    assert set(project.segments("Interview 1")["speaker"].dropna()) == {"Interviewer", "P01"}

    excerpts = project.excerpts()
    assert sorted(excerpts["text"]) == ["Funding is the big worry.", "Funding matters.", "The board was difficult."]
    for row in excerpts.itertuples():
        assert project.source_text(row.source)[row.start:row.end] == row.text
    t1, t2 = S1_RAW.lstrip("\ufeff").replace("\r\n", "\n"), unicodedata.normalize("NFC", S2_RAW)
    a, b, c = span(t1, "The board was difficult."), span(t1, "Funding is the big worry."), span(t2, "Funding matters.")
    assert codings(project) == {
        ("Interview 1", *a, "Issues/Governance", "anna"),
        ("Interview 1", *a, "Impact", "ben"),
        ("Interview 1", *b, "Issues/Funding\u2215Finance", "anna"),
        ("Interview 2", *c, "Issues/Funding\u2215Finance", "ben"),
    }
    apps = project.applications()
    assert set(apps["origin"]) == {"import"} and set(apps["status"]) == {"applied"}
    created = apps.set_index(["code", "coder"]).loc[("Issues/Governance", "anna"), "created_at"]
    assert pd.Timestamp(created) == pd.Timestamp("2024-05-06 07:08:09")

    assert report.added["sources"] == 2 and report.added["excerpts"] == 3 and report.added["applications"] == 4
    assert report.dropped["source without text"] == 1
    assert report.dropped["selection on a source without text"] == 1
    assert report.dropped["coding on a source without text"] == 1
    assert any("'Scan'" in w for w in report.warnings)


def test_cases_descriptors_memos_and_sets(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    report = project.import_qdpx(fixture_qdpx)

    d = project.descriptors().set_index("case")
    assert sorted(d.index) == ["Interview 2", "P01", "P02"]  # a case made for the source with a value
    assert d.loc["P01", "role"] == "CEO" and d.loc["P02", "role"] == "mentor"
    assert d.loc["P01", "age"] == 52.0 and d["age"].dtype == float
    assert bool(d.loc["P01", "online"]) is True and str(d["online"].dtype) == "boolean"
    assert d.loc["P01", "joined"] == pd.Timestamp("2021-03-04")
    assert d.loc["Interview 2", "region"] == "North"
    sources = project.sources().set_index("source")
    assert sources.loc["Interview 1", "case"] == "P01"  # claimed by P01 first, then P02
    assert sources.loc["Interview 2", "case"] == "Interview 2"
    assert any("'P01' and to case 'P02'" in w for w in report.warnings)

    memos = project.memos()
    excerpt_id = project.excerpts(search="The board").loc[0, "excerpt_id"]
    on_excerpt = memos[memos["target"] == "excerpt"]
    assert list(on_excerpt["target_id"]) == [excerpt_id]
    assert list(on_excerpt["text"]) == ["Early governance\n\nGovernance comes up early."]
    assert list(on_excerpt["author"]) == ["anna"]
    assert list(memos.loc[memos["target"] == "project", "text"]) == ["Project plan\n\nInterview the CEOs first."]

    conn = sqlite3.connect(project.target)
    members = conn.execute(
        "SELECT s.name, c.path FROM code_sets s JOIN code_set_members m ON m.set_id = s.id JOIN codes c ON c.id = m.code_id"
    ).fetchall()
    conn.close()
    assert members == [("Key codes", "Issues/Governance")]
    assert report.dropped["set member source"] == 1


def test_reimporting_the_same_file_adds_nothing(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    project.import_qdpx(fixture_qdpx)
    before = dump(project)
    again = project.import_qdpx(fixture_qdpx)
    assert sum(again.added.values()) == 0
    assert again.reused["sources"] == 2 and again.reused["applications"] == 4
    after = dump(project)
    # Only the bookkeeping of the import run (its run row, the project's change counter) may
    # differ; no source, code, excerpt, application, case or memo.
    bookkeeping = ('INSERT INTO "runs"', 'INSERT INTO "meta" VALUES(\'revision\'')
    assert [r for r in after if not r.startswith(bookkeeping)] == [r for r in before if not r.startswith(bookkeeping)]


def test_a_source_already_ingested_is_reused_by_content(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    text_file = tmp_path / "first interview.txt"
    text_file.write_text("Interviewer: How was it?\nP01: The board was difficult.\nP01: Funding is the big worry.\n", encoding="utf-8")
    project.ingest(text_file, progress=False)
    report = project.import_qdpx(fixture_qdpx)
    assert sorted(project.sources()["source"]) == ["Interview 2", "first interview"]
    assert report.reused["sources"] == 1
    assert set(project.excerpts(source="first interview")["text"]) == {"The board was difficult.", "Funding is the big worry."}


@pytest.mark.parametrize(
    "broken, message",
    [
        ("dangling", "does not define"),
        ("outside", "outside source 'Interview 1'"),
        ("zip-slip", ".."),
        ("no-qde", "no project.qde"),
    ],
)
def test_bad_input_raises_and_leaves_the_project_unchanged(tmp_path, fixture_qdpx, broken, message):
    project = fresh(tmp_path, "p")
    project.import_qdpx(fixture_qdpx)  # something in the project already
    before = dump(project)
    bad = tmp_path / "bad.qdpx"
    if broken == "dangling":
        write_fixture(bad, qde_xml(source_s1_guid=str(uuid.uuid4())))
    elif broken == "outside":
        extra = f'<PlainTextSelection guid="{uuid.uuid4()}" startPosition="10" endPosition="{len(S1_RAW) + 5}"/>'
        write_fixture(bad, qde_xml(extra_selection=extra))
    elif broken == "zip-slip":
        write_fixture(bad, extra_members={"../evil.txt": b"x"})
    else:
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("other.txt", b"nothing")
    with pytest.raises(ImportFormatError, match=message):
        project.import_qdpx(bad)
    assert dump(project) == before
    assert not (tmp_path.parent / "evil.txt").exists()


def test_an_error_half_way_through_storing_rolls_everything_back(tmp_path, fixture_qdpx, monkeypatch):
    project = fresh(tmp_path, "p")
    before = dump(project)

    def fail(self):
        raise ImportFormatError("simulated failure after sources, excerpts and codings were written")

    monkeypatch.setattr(to_store._Importer, "store_sets", fail)
    with pytest.raises(ImportFormatError, match="simulated"):
        project.import_qdpx(fixture_qdpx)
    assert dump(project) == before


def test_validate_rejects_hand_built_models_with_dangling_references(tmp_path):
    from qualcode.interop.exchange import ExchangeProject, ExSelection, ExSource

    model = ExchangeProject(sources=[ExSource("s", "a", "hello")], selections=[ExSelection("x", "missing", 0, 2)])
    project = fresh(tmp_path, "p")
    with pytest.raises(ImportFormatError, match="dangling GUID"):
        project.import_exchange(model, "notebook")
    model = ExchangeProject(sources=[ExSource("s", "a", "hello")], selections=[ExSelection("x", "s", 2, 9)])
    with pytest.raises(ImportFormatError, match=r"\[2, 9\) lies outside source 'a' \(5 characters\)"):
        project.import_exchange(model, "notebook")
    assert project.summary()["sources"] == 0


# ----------------------------------------------------------------------------- export
def read_archive(path: Path) -> tuple[etree._Element, dict[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("project.qde")), {n: z.read(n) for n in z.namelist()}


def test_export_writes_slash_names_back_and_positions_valid_for_the_written_text(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    project.import_qdpx(fixture_qdpx)
    report = project.export_qdpx(tmp_path / "out.qdpx")
    root, members = read_archive(report.path)
    names = root.xpath("//q:Code/@name", namespaces=NS)
    assert "Funding/Finance" in names and not any("\u2215" in n for n in names)
    assert root.xpath("//q:Code[@name='Issues']/q:Code/@name", namespaces=NS) == ["Governance", "Funding/Finance"]  # file order kept
    texts = {}
    for ts in root.iterfind(".//q:TextSource", NS):
        raw = members["sources/" + ts.get("plainTextPath").split("://")[1]].decode("utf-8")
        texts[ts.get("name")] = raw
        for sel in ts.iterfind("q:PlainTextSelection", NS):
            piece = raw[int(sel.get("startPosition")):int(sel.get("endPosition"))]
            assert piece in {"The board was difficult.", "Funding is the big worry.", "Funding matters."}
    assert "\r" not in texts["Interview 1"] and not texts["Interview 1"].startswith("\ufeff")
    assert report.written["selections"] == 3 and report.written["codings"] == 4


def test_windows_export_counts_as_nvivo_and_reimports_every_excerpt_text(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    project.import_qdpx(fixture_qdpx)
    report = project.export_qdpx(tmp_path / "win.qdpx", windows=True)
    root, members = read_archive(report.path)
    expected = set(project.excerpts()["text"])
    seen = set()
    for ts in root.iterfind(".//q:TextSource", NS):
        raw = members["sources/" + ts.get("plainTextPath").split("://")[1]].decode("utf-8")
        assert raw.startswith("\ufeff")
        assert "\n" not in raw.replace("\r\n", "")
        for sel in ts.iterfind("q:PlainTextSelection", NS):
            # NVivo's counting: UTF-16 units of the text after its BOM, CRLF as two
            units = raw[1:].encode("utf-16-le")
            piece = units[2 * int(sel.get("startPosition")):2 * int(sel.get("endPosition"))].decode("utf-16-le")
            seen.add(unicodedata.normalize("NFC", piece.replace("\r\n", "\n")))
    assert seen == expected
    again = fresh(tmp_path, "again")
    again.import_qdpx(report.path)
    assert codings(again) == codings(project)
    for row in again.excerpts().itertuples():
        assert again.source_text(row.source)[row.start:row.end] == row.text
    assert sorted(again.excerpts()["text"]) == sorted(project.excerpts()["text"])


def test_round_trip_through_two_fresh_projects(tmp_path, fixture_qdpx):
    first = fresh(tmp_path, "first")
    first.import_qdpx(fixture_qdpx)
    first.add_memo("Define governance narrowly.", on="code", target="Issues/Governance", author="anna")
    first.add_memo("Second interview was short.", on="source", target="Interview 2", author="ben")
    first.add_memo("P01 left the programme in 2023.", on="case", target="P01", author="carla")
    second = fresh(tmp_path, "second")
    second.import_qdpx(first.export_qdpx(tmp_path / "out.qdpx").path)
    assert {s: first.source_text(s) for s in first.sources()["source"]} == {s: second.source_text(s) for s in second.sources()["source"]}
    assert list(first.codes()["path"]) == list(second.codes()["path"])
    assert codings(first) == codings(second)
    assert first.descriptors().sort_values("case").reset_index(drop=True).astype(str).equals(
        second.descriptors().sort_values("case").reset_index(drop=True).astype(str))
    m1, m2 = first.memos(), second.memos()
    assert len(m1) == 5
    assert sorted(zip(m1["target"], m1["text"])) == sorted(zip(m2["target"], m2["text"]))
    assert set(m2.loc[m2["target"] == "case", "text"]) == {"P01 left the programme in 2023."}
    assert set(m2["author"]) == {"anna", "ben", "carla", ""}  # the fixture's project note has no author


def test_export_is_deterministic_and_reveals_no_local_paths(tmp_path, study):
    study.code("CEO-07 wave 1", ["Issues/Governance"], quote="The board was difficult", coder="anna", weight=3)
    study.add_memo("Check the budget story.", on="source", target="CEO-07 wave 1", author="anna")
    a = study.export_qdpx(tmp_path / "a.qdpx")
    b = study.export_qdpx(tmp_path / "b.qdpx")
    assert a.path.read_bytes() == b.path.read_bytes()
    _, members = read_archive(a.path)
    for name, data in members.items():  # the study was ingested from <tmp>/material/interviews/*.txt
        for local in (str(tmp_path), "material", "interviews", "wave 1.txt"):
            assert local.encode() not in data, (name, local)
    assert a.not_exported["coding weights"] == 1
    assert any("coding weights" in w for w in a.warnings)


def test_export_to_a_missing_folder_is_an_export_error(tmp_path, study):
    from qualcode.errors import ExportError

    with pytest.raises(ExportError, match="does not exist"):
        study.export_qdpx(tmp_path / "nowhere" / "out.qdpx")


@pytest.mark.skipif(not (REFI / "Project.xsd").exists(), reason="shared REFI XSDs not available")
def test_fixture_exports_validate_against_the_xsds(tmp_path, fixture_qdpx):
    project = fresh(tmp_path, "p")
    project.import_qdpx(fixture_qdpx)
    project_xsd = etree.XMLSchema(etree.parse(str(REFI / "Project.xsd")))
    codebook_xsd = etree.XMLSchema(etree.parse(str(REFI / "Codebook.xsd")))
    for windows in (False, True):
        root, _ = read_archive(project.export_qdpx(tmp_path / f"o{windows}.qdpx", windows=windows).path)
        assert project_xsd.validate(etree.ElementTree(root)), project_xsd.error_log
    qdc = project.export_qdc(tmp_path / "o.qdc").path
    assert codebook_xsd.validate(etree.parse(str(qdc))), codebook_xsd.error_log


# -------------------------------------------------------------------------- codebooks
def test_codebook_files_of_every_kind(tmp_path, fixture_qdpx):
    source = fresh(tmp_path, "source")
    source.import_qdpx(fixture_qdpx)
    qdc = source.export_qdc(tmp_path / "book.qdc")
    assert qdc.written == {"codes": 4, "sets": 1}

    target = fresh(tmp_path, "target")
    report = target.import_codebook_file(qdc.path)
    assert sorted(target.codes()["path"]) == sorted(source.codes()["path"])
    assert report.added["codes"] == 4

    csv = tmp_path / "book.csv"
    csv.write_text("path,description,colour\nArenas/Self,The person,#00aa00\nArenas/Organisation,,\n", encoding="utf-8")
    report = target.import_codebook_file(csv)
    assert report.added["codes"] == 3  # Arenas, Arenas/Self, Arenas/Organisation
    assert target.codes().set_index("path").loc["Arenas/Self", "description"] == "The person"

    xlsx = tmp_path / "book.xlsx"
    pd.DataFrame({"name": ["Wellbeing", "Stress"], "parent": ["", "Wellbeing"], "examples": ["", "I can't sleep\nToo much"]}).to_excel(xlsx, index=False)
    target.import_codebook_file(xlsx)
    stress = target.codes().set_index("path").loc["Wellbeing/Stress"]
    assert list(stress["examples"]) == ["I can't sleep", "Too much"]

    yaml = tmp_path / "book.yaml"
    yaml.write_text("codebook: y\ncodes:\n  - name: Extra\n", encoding="utf-8")
    assert target.import_codebook_file(yaml).added["codes"] == 1
    other = tmp_path / "book.txt"
    other.write_text("Impact\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="must be .yaml, .yml, .qdc, .csv or .xlsx"):
        target.import_codebook_file(other)


# ------------------------------------------------------------------- other formats
def test_dedoose_export_is_placed_in_the_projects_own_texts(tmp_path, study):
    csv = tmp_path / "dedoose.csv"
    pd.DataFrame({
        "Media Title": ["CEO-07 wave 1", "Mentor-03 wave 1"],
        "Excerpt Range": ["0-0", "0-0"],
        "Excerpt Creator": ["carla", "carla"],
        "Excerpt Copy": ["our chair and I argued about the budget", "She found her voice with the trustees."],
        "Code: Issues\\Governance Applied": ["True", "False"],
        "Code: Issues\\Governance Weight": ["4", ""],
        "Code: Impact\\Confidence Applied": ["False", "True"],
        "Code: Impact\\Confidence Weight": ["", ""],
    }).to_csv(csv, index=False)
    report = study.import_dedoose(csv)
    assert report.added["sources"] == 0 and report.reused["sources"] == 2
    apps = study.applications(coder="carla")
    got = {(r.source, r.code, r.weight if r.weight == r.weight else None) for r in apps.itertuples()}
    assert got == {("CEO-07 wave 1", "Issues/Governance", 4.0), ("Mentor-03 wave 1", "Impact/Confidence", None)}
    for row in study.excerpts(coder="carla").itertuples():
        assert study.source_text(row.source)[row.start:row.end] == row.text


def test_qualcoder_project_import(tmp_path):
    folder = tmp_path / "study.qda"
    folder.mkdir()
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript(
        """
        CREATE TABLE source (id INTEGER PRIMARY KEY, name TEXT, fulltext TEXT, mediapath TEXT, memo TEXT, owner TEXT, date TEXT);
        CREATE TABLE code_cat (catid INTEGER PRIMARY KEY, name TEXT, memo TEXT, supercatid INTEGER, owner TEXT, date TEXT);
        CREATE TABLE code_name (cid INTEGER PRIMARY KEY, name TEXT, memo TEXT, catid INTEGER, owner TEXT, date TEXT, color TEXT);
        CREATE TABLE code_text (ctid INTEGER PRIMARY KEY, cid INTEGER, fid INTEGER, seltext TEXT, pos0 INTEGER, pos1 INTEGER,
                                owner TEXT, date TEXT, memo TEXT, avid INTEGER);
        INSERT INTO source VALUES (1, 'notes.txt', 'We met the funders. It went well.', NULL, '', 'dee', '2024-01-02 10:00:00');
        INSERT INTO code_cat VALUES (1, 'Relations', '', NULL, 'dee', NULL);
        INSERT INTO code_name VALUES (1, 'Funders', 'Money people', 1, 'dee', NULL, '#112233');
        INSERT INTO code_text VALUES (1, 1, 1, 'We met the funders.', 0, 19, 'dee', '2024-01-02 10:05:00', 'first meeting', NULL);
        """
    )
    conn.commit()
    conn.close()
    project = fresh(tmp_path, "p")
    report = project.import_qualcoder(folder)
    assert report.added["sources"] == 1 and report.added["applications"] == 1
    assert codings(project) == {("notes.txt", 0, 19, "Relations/Funders", "dee")}
    memos = project.memos()
    assert list(memos["target"]) == ["excerpt"] and "first meeting" in memos.loc[0, "text"]


# ------------------------------------------------------------------------------- CLI
def test_cli_import_and_export(tmp_path, fixture_qdpx):
    from qualcode.cli import cli

    target = str(tmp_path / "cli.qcproj")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", target]).exit_code == 0
    result = runner.invoke(cli, ["-p", target, "import", "qdpx", str(fixture_qdpx)])
    assert result.exit_code == 0, result.output
    assert "added 2 sources, 4 codes, 3 excerpts, 4 codings" in result.stdout
    assert "Scan" in result.stderr
    result = runner.invoke(cli, ["-p", target, "export", "qdpx", str(tmp_path / "o.qdpx"), "--windows"])
    assert result.exit_code == 0 and "3 selections, 4 codings" in result.stdout
    result = runner.invoke(cli, ["-p", target, "export", "qdc", str(tmp_path / "o.qdc")])
    assert result.exit_code == 0 and "4 codes" in result.stdout
    result = runner.invoke(cli, ["-p", target, "import", "qdpx", str(tmp_path / "missing.qdpx")])
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_fast_uuid5_equals_the_standard_library():
    import random

    from qualcode.interop.guids import uuid5_str

    rng = random.Random(3)
    for _ in range(500):
        namespace = uuid.UUID(int=rng.getrandbits(128))
        name = "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(0, 40)))
        assert uuid5_str(namespace, name) == str(uuid.uuid5(namespace, name))


def test_cli_dedoose_with_media_folder_and_qualcoder(tmp_path):
    from qualcode.cli import cli

    media = tmp_path / "media"
    media.mkdir()
    (media / "Interview A.txt").write_text("We talked about money.\nThe grant ran out in May.\n", encoding="utf-8")
    export = tmp_path / "excerpts.csv"
    pd.DataFrame({"Media Title": ["Interview A"], "Excerpt Range": ["23-48"], "Excerpt Creator": ["dee"],
                  "Excerpt Copy": ["The grant ran out in May."], "Code: Funding Applied": ["True"],
                  "Code: Funding Weight": ["7"], "Code: Funding Range": ["1-10"]}).to_csv(export, index=False)
    target = str(tmp_path / "d.qcproj")
    runner = CliRunner()
    runner.invoke(cli, ["init", target])
    result = runner.invoke(cli, ["-p", target, "import", "dedoose", str(export), "--media", str(media)])
    assert result.exit_code == 0, result.output
    assert "added 1 source, 1 code, 1 excerpt, 1 coding" in result.stdout
    with Project.open(target) as project:
        apps = project.applications()
        assert list(zip(apps["source"], apps["code"], apps["coder"], apps["weight"])) == [("Interview A", "Funding", "dee", 7.0)]
        row = project.excerpts().iloc[0]
        assert project.source_text("Interview A")[row["start"]:row["end"]] == "The grant ran out in May."
        funding = project.codes().set_index("path").loc["Funding"]
        assert (funding["weight_min"], funding["weight_max"]) == (1, 10)
    result = runner.invoke(cli, ["-p", target, "import", "qualcoder", str(tmp_path / "missing.qda")])
    assert result.exit_code == 1 and "no such file or folder" in result.stderr
