"""Reading REFI-QDA projects: tiny hand-made archives, exact positions, and every refusal."""
from __future__ import annotations

import stat
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import pytest

from qualcode.errors import ImportFormatError
from qualcode.interop.refi_read import read_qdc, read_qdpx
from qualcode.interop.refi_safety import ArchiveLimits

U_ANNA = "11111111-1111-4111-8111-111111111111"
U_BEN = "22222222-2222-4222-8222-222222222222"
C_ISSUES, C_GOV, C_SUS, C_ARENAS, C_SELF = (f"c000000{i}-0000-4000-8000-000000000000" for i in range(1, 6))
S1, S2, S3, PIC = (f"5000000{i}-0000-4000-8000-000000000000" for i in range(1, 5))
SEL1, SEL2, SEL3, SEL4, PICSEL = (f"e000000{i}-0000-4000-8000-000000000000" for i in range(1, 6))
NOTE1 = "a0000001-0000-4000-8000-000000000000"
V_ROLE, V_AGE, V_JOINED, V_ACTIVE, V_SCORE = (f"b000000{i}-0000-4000-8000-000000000000" for i in range(1, 6))
CASE1 = "cafe0001-0000-4000-8000-000000000000"
SET1 = "5e700001-0000-4000-8000-000000000000"

# A Windows transcript: BOM, CRLF line ends, and a decomposed "é" (e + combining acute).
RAW1 = "\ufeffInterviewer: Hello\r\nAnna: Governance matters.\r\nBen: Cafe\u0301 funding\r\n"
INLINE = "Short inline text."
PDF_TEXT = "Page one.\nBudget lines."


def span(raw: str, quote: str) -> tuple[int, int]:
    start = raw.index(quote)
    return start, start + len(quote)


def project_xml(**overrides: str) -> str:
    s1 = span(RAW1, "Governance matters.")
    s2 = span(RAW1, "Cafe\u0301 funding")
    parts = {
        "users": f'<Users><User guid="{U_ANNA}" name="anna"/><User guid="{U_BEN}" name="ben" id="B"/></Users>',
        "codebook": f"""<CodeBook><Codes>
            <Code guid="{C_ISSUES}" name="Issues" isCodable="true" color="#FF0000"><Description>Core issues</Description>
              <Code guid="{C_GOV}" name="Governance" isCodable="true"/>
              <Code guid="{C_SUS}" name="Sustainability" isCodable="true"/>
            </Code>
            <Code guid="{C_ARENAS}" name="Arenas" isCodable="false"><Code guid="{C_SELF}" name="Self" isCodable="true"/></Code>
          </Codes></CodeBook>""",
        "variables": f"""<Variables>
            <Variable guid="{V_ROLE}" name="role" typeOfVariable="Text"/>
            <Variable guid="{V_AGE}" name="age" typeOfVariable="Integer"/>
            <Variable guid="{V_JOINED}" name="joined" typeOfVariable="Date"/>
            <Variable guid="{V_ACTIVE}" name="active" typeOfVariable="Boolean"/>
            <Variable guid="{V_SCORE}" name="score" typeOfVariable="Float"/>
          </Variables>""",
        "cases": f"""<Cases><Case guid="{CASE1}" name="P01">
            <VariableValue><VariableRef targetGUID="{V_ROLE}"/><TextValue>CEO</TextValue></VariableValue>
            <VariableValue><VariableRef targetGUID="{V_AGE}"/><IntegerValue>52</IntegerValue></VariableValue>
            <VariableValue><VariableRef targetGUID="{V_JOINED}"/><DateValue>2021-03-04</DateValue></VariableValue>
            <VariableValue><VariableRef targetGUID="{V_ACTIVE}"/><BooleanValue>true</BooleanValue></VariableValue>
            <VariableValue><VariableRef targetGUID="{V_SCORE}"/><FloatValue>7.5</FloatValue></VariableValue>
            <SourceRef targetGUID="{S1}"/></Case></Cases>""",
        "sources": f"""<Sources>
          <TextSource guid="{S1}" name="Interview 1" plainTextPath="internal://s1.txt" creatingUser="{U_ANNA}"
                      creationDateTime="2024-01-02T10:00:00Z">
            <PlainTextSelection guid="{SEL1}" startPosition="{s1[0]}" endPosition="{s1[1]}" creatingUser="{U_ANNA}">
              <Coding guid="f0000001-0000-4000-8000-000000000000" creatingUser="{U_ANNA}"><CodeRef targetGUID="{C_GOV}"/></Coding>
              <NoteRef targetGUID="{NOTE1}"/>
            </PlainTextSelection>
            <PlainTextSelection guid="{SEL2}" startPosition="{s2[0]}" endPosition="{s2[1]}" creatingUser="{U_BEN}">
              <Coding guid="f0000002-0000-4000-8000-000000000000" creatingUser="{U_BEN}"><CodeRef targetGUID="{C_SUS}"/></Coding>
              <Coding guid="f0000003-0000-4000-8000-000000000000" creatingUser="{U_ANNA}"><CodeRef targetGUID="{C_GOV}"/></Coding>
            </PlainTextSelection>
          </TextSource>
          <TextSource guid="{S2}" name="Inline note">
            <PlainTextContent>{INLINE}</PlainTextContent>
            <PlainTextSelection guid="{SEL3}" startPosition="6" endPosition="12">
              <Coding guid="f0000004-0000-4000-8000-000000000000" creatingUser="{U_ANNA}"><CodeRef targetGUID="{C_SELF}"/></Coding>
            </PlainTextSelection>
          </TextSource>
          <PDFSource guid="{S3}" name="Report.pdf" path="internal://report.pdf">
            <PDFSelection guid="d0000001-0000-4000-8000-000000000000" page="0" firstX="1" firstY="1" secondX="9" secondY="9">
              <Coding guid="f0000005-0000-4000-8000-000000000000"><CodeRef targetGUID="{C_SUS}"/></Coding>
            </PDFSelection>
            <Representation guid="d0000002-0000-4000-8000-000000000000" plainTextPath="internal://report.txt">
              <PlainTextSelection guid="{SEL4}" startPosition="10" endPosition="23">
                <Coding guid="f0000006-0000-4000-8000-000000000000" creatingUser="{U_BEN}"><CodeRef targetGUID="{C_SUS}"/></Coding>
              </PlainTextSelection>
            </Representation>
          </PDFSource>
          <PictureSource guid="{PIC}" name="photo.jpg" path="internal://photo.jpg">
            <PictureSelection guid="{PICSEL}" firstX="1" firstY="1" secondX="2" secondY="2">
              <Coding guid="f0000007-0000-4000-8000-000000000000"><CodeRef targetGUID="{C_SELF}"/></Coding>
            </PictureSelection>
          </PictureSource>
        </Sources>""",
        "notes": f"""<Notes><Note guid="{NOTE1}" name="Memo" creatingUser="{U_ANNA}">
            <PlainTextContent>Governance comes up early.</PlainTextContent></Note></Notes>""",
        "sets": f"""<Sets><Set guid="{SET1}" name="Key">
            <MemberCode targetGUID="{C_GOV}"/><MemberSource targetGUID="{S1}"/><MemberSource targetGUID="{PIC}"/></Set></Sets>""",
    }
    parts.update(overrides)
    body = "".join(parts[k] for k in ("users", "codebook", "variables", "cases", "sources", "notes", "sets"))
    return f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="Tiny" origin="hand">{body}</Project>'


def make_qdpx(path: Path, qde: str | bytes | None = None, extra: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        if qde is not None or qde_name:
            data = project_xml() if qde is None else qde
            z.writestr(qde_name, data.encode("utf-8") if isinstance(data, str) else data)
        z.writestr("sources/s1.txt", RAW1.encode("utf-8"))  # utf-8 keeps the BOM as U+FEFF
        z.writestr("sources/report.txt", PDF_TEXT.encode("utf-8"))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


@pytest.fixture
def tiny(tmp_path: Path):
    return read_qdpx(make_qdpx(tmp_path / "tiny.qdpx"))


def test_counts_of_the_tiny_project(tiny):
    counts = tiny.counts()
    # By hand: 3 text-bearing sources (picture dropped), 4 text selections, 1+2+1+1 codings.
    assert counts["sources"] == 3 and counts["sources_with_text"] == 3
    assert counts["selections"] == 4
    assert counts["codings"] == 5
    assert counts["codes"] == 5 and counts["users"] == 2
    assert counts["cases"] == 1 and counts["variables"] == 5 and counts["notes"] == 1 and counts["sets"] == 1
    assert tiny.skipped["PictureSource"] == 1
    assert tiny.skipped["PDFSelection"] == 1
    assert tiny.skipped["MemberSource to a dropped element"] == 1


def test_crlf_bom_source_is_normalised_and_selections_match_exactly(tiny):
    source = tiny.sources_by_guid()[S1.lower()]
    expected = unicodedata.normalize("NFC", RAW1[1:].replace("\r\n", "\n"))
    assert source.text == expected
    assert "\r" not in source.text and not source.text.startswith("\ufeff")
    texts = {s.guid: tiny.selection_text(s) for s in tiny.selections}
    assert texts[SEL1] == "Governance matters."
    assert texts[SEL2] == "Café funding" and texts[SEL2] == unicodedata.normalize("NFC", texts[SEL2])
    assert texts[SEL3] == "inline"
    assert texts[SEL4] == "Budget lines."
    # Every selection: normalised raw slice == stored slice (the promise of the offset map).
    raw_by_source = {S1: RAW1, S2: INLINE, S3: PDF_TEXT}
    s1 = span(RAW1, "Cafe\u0301 funding")
    sel2 = next(s for s in tiny.selections if s.guid == SEL2)
    raw_slice = raw_by_source[S1][s1[0]:s1[1]]
    assert unicodedata.normalize("NFC", raw_slice) == tiny.sources_by_guid()[S1].text[sel2.start:sel2.end]


def test_codes_tree_users_and_coders(tiny):
    paths = {"/".join(p) for p, _ in tiny.iter_codes()}
    assert paths == {"Issues", "Issues/Governance", "Issues/Sustainability", "Arenas", "Arenas/Self"}
    codes = tiny.codes_by_guid()
    assert codes[C_ISSUES].colour == "#ff0000" and codes[C_ISSUES].description == "Core issues"
    assert codes[C_ARENAS].is_codable is False
    users = {u.guid: u.name for u in tiny.users}
    sel2 = next(s for s in tiny.selections if s.guid == SEL2)
    assert sorted((codes[c.code_guid].name, users[c.coder_guid]) for c in sel2.codings) == [("Governance", "anna"), ("Sustainability", "ben")]
    assert next(u for u in tiny.users if u.name == "ben").id == "B"


def test_cases_variables_notes_and_sets(tiny):
    types = {v.name: v.type for v in tiny.variables}
    assert types == {"role": "category", "age": "number", "joined": "date", "active": "boolean", "score": "number"}
    case = tiny.cases[0]
    by_name = {v.guid: v.name for v in tiny.variables}
    values = {by_name[g]: v for g, v in case.variable_values.items()}
    assert values == {"role": "CEO", "age": 52, "joined": date(2021, 3, 4), "active": True, "score": 7.5}
    assert case.source_guids == [S1]
    note = tiny.notes[0]
    assert note.text == "Governance comes up early." and note.targets == [SEL1]
    assert tiny.sets[0].code_guids == [C_GOV] and tiny.sets[0].source_guids == [S1]


def test_upper_case_guids_and_capitalised_member_names(tmp_path):
    qde = project_xml().replace(C_GOV, C_GOV.upper())
    with zipfile.ZipFile(tmp_path / "x.qdpx", "w") as z:
        z.writestr("Project.qde", qde)
        z.writestr("Sources/s1.txt", RAW1.encode("utf-8"))
        z.writestr("Sources/report.txt", PDF_TEXT.encode("utf-8"))
    project = read_qdpx(tmp_path / "x.qdpx")
    assert project.counts()["codings"] == 5
    assert C_GOV in project.codes_by_guid()


# ----- refusals -----------------------------------------------------------------------------

def expect_error(path: Path, *fragments: str, **kwargs) -> str:
    with pytest.raises(ImportFormatError) as info:
        read_qdpx(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_missing_project_qde(tmp_path):
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("sources/s1.txt", b"hello")
    expect_error(path, "empty.qdpx", "no project.qde")


def test_dangling_code_guid(tmp_path):
    bad = project_xml().replace(f'<CodeRef targetGUID="{C_SUS}"/></Coding>\n              <Coding', f'<CodeRef targetGUID="{"9" * 8}-0000-4000-8000-000000000000"/></Coding>\n              <Coding', 1)
    expect_error(make_qdpx(tmp_path / "d.qdpx", bad), "d.qdpx", "99999999-0000-4000-8000-000000000000", "not in the codebook")


def test_dangling_source_in_a_case(tmp_path):
    bad = project_xml().replace(f'<SourceRef targetGUID="{S1}"/>', '<SourceRef targetGUID="12345678-0000-4000-8000-000000000000"/>')
    expect_error(make_qdpx(tmp_path / "c.qdpx", bad), "case 'P01'", "12345678-0000-4000-8000-000000000000")


def test_dangling_note_ref(tmp_path):
    bad = project_xml(notes="")
    expect_error(make_qdpx(tmp_path / "n.qdpx", bad), NOTE1, "not in <Notes>")


def test_selection_outside_its_source(tmp_path):
    bad = project_xml().replace('startPosition="6" endPosition="12"', 'startPosition="6" endPosition="99"')
    expect_error(make_qdpx(tmp_path / "o.qdpx", bad), SEL3, "[6, 99)", "outside source 'Inline note'", "18 characters")


def test_bad_xml_names_the_file_and_line(tmp_path):
    expect_error(make_qdpx(tmp_path / "b.qdpx", "<Project xmlns='urn:QDA-XML:project:1.0' name='x'><Users>"), "b.qdpx:project.qde", "bad XML")


def test_entities_and_doctype_are_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>'
    )
    expect_error(make_qdpx(tmp_path / "e.qdpx", bomb), "DOCTYPE")
    xxe = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'
    expect_error(make_qdpx(tmp_path / "x.qdpx", xxe), "DOCTYPE")


@pytest.mark.parametrize("name", ["../evil.txt", "sources/../../evil.txt", "/etc/evil", "C:\\evil.txt", "sources\\..\\..\\evil.txt"])
def test_zip_slip_member_names_are_refused(tmp_path, name):
    path = make_qdpx(tmp_path / "slip.qdpx", extra={name: b"x"})
    expect_error(path, "slip.qdpx", repr(name))


def test_symlink_member_is_refused(tmp_path):
    path = make_qdpx(tmp_path / "link.qdpx")
    with zipfile.ZipFile(path, "a") as z:
        info = zipfile.ZipInfo("sources/link.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    expect_error(path, "symbolic link")


def test_file_count_and_size_caps(tmp_path):
    many = make_qdpx(tmp_path / "many.qdpx", extra={f"sources/f{i}.txt": b"x" for i in range(20)})
    expect_error(many, "many.qdpx", "more than the limit of 10", limits=ArchiveLimits(max_files=10))
    big = tmp_path / "big.qdpx"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", project_xml())
        z.writestr("sources/s1.txt", RAW1.encode())
        z.writestr("sources/zeros.txt", b"\0" * 5_000_000)  # compresses to a few kB
    assert big.stat().st_size < 100_000
    expect_error(big, "possible zip bomb", limits=ArchiveLimits(max_total_bytes=1_000_000))


def test_member_lying_about_its_size_is_refused(tmp_path):
    path = tmp_path / "liar.qdpx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", project_xml())
        z.writestr("sources/s1.txt", RAW1.encode() + b" " * 200_000)
        z.writestr("sources/report.txt", PDF_TEXT.encode())
    data = bytearray(path.read_bytes())
    # Shrink the declared uncompressed size of sources/s1.txt in its central directory entry.
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + n] == b"sources/s1.txt":
            data[pos + 24:pos + 28] = (10).to_bytes(4, "little")
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))
    expect_error(path, "liar.qdpx", "sources/s1.txt")


def test_duplicate_member_is_refused(tmp_path):
    path = make_qdpx(tmp_path / "dup.qdpx")
    with zipfile.ZipFile(path, "a") as z, pytest.warns(UserWarning):
        z.writestr("sources/s1.txt", b"other")
    expect_error(path, "appears twice")


def test_not_a_zip(tmp_path):
    path = tmp_path / "plain.qdpx"
    path.write_text("hello")
    expect_error(path, "plain.qdpx", "not a readable zip")


def test_missing_source_file_keeps_the_source_without_text(tmp_path):
    path = tmp_path / "nofile.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", project_xml())
        z.writestr("sources/report.txt", PDF_TEXT.encode())
    project = read_qdpx(path)
    source = project.sources_by_guid()[S1]
    assert source.text is None
    assert any("s1.txt is not in the archive" in w for w in project.warnings)
    # Positions stay as the tool wrote them; nothing to verify them against.
    sel1 = next(s for s in project.selections if s.guid == SEL1)
    assert (sel1.start, sel1.end) == span(RAW1, "Governance matters.")


def test_read_qdc_codebook(tmp_path):
    qdc = tmp_path / "book.qdc"
    qdc.write_text(
        f"""<?xml version="1.0" encoding="utf-8"?>
        <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="hand"><Codes>
          <Code guid="{C_ISSUES}" name="Issues" isCodable="true" color="#00aa00"><Description>d</Description>
            <Code guid="{C_GOV}" name="Governance" isCodable="true"/></Code></Codes>
          <Sets><Set guid="{SET1}" name="S"><MemberCode guid="{C_GOV}"/></Set></Sets></CodeBook>""",
        encoding="utf-8",
    )
    project = read_qdc(qdc)
    assert ["/".join(p) for p, _ in project.iter_codes()] == ["Issues", "Issues/Governance"]
    assert project.sets[0].code_guids == [C_GOV]
    dangling = tmp_path / "bad.qdc"
    dangling.write_text(qdc.read_text().replace(f'<MemberCode guid="{C_GOV}"/>', f'<MemberCode guid="{S1}"/>'))
    with pytest.raises(ImportFormatError, match="set 'S'"):
        read_qdc(dangling)


def test_coding_on_a_whole_source_becomes_one_selection_and_round_trips(tmp_path):
    from qualcode.interop.refi_write import write_qdpx

    whole = f'<Coding guid="f0000099-0000-4000-8000-000000000000" creatingUser="{U_BEN}"><CodeRef targetGUID="{C_GOV}"/></Coding>'
    qde = project_xml().replace("</PlainTextSelection>\n          </TextSource>\n          <PDFSource", "</PlainTextSelection>" + whole + "\n          </TextSource>\n          <PDFSource", 1)
    assert whole in qde
    project = read_qdpx(make_qdpx(tmp_path / "w.qdpx", qde))
    inline = project.sources_by_guid()[S2]
    covering = [s for s in project.selections if s.source_guid == S2 and (s.start, s.end) == (0, len(INLINE))]
    assert len(covering) == 1 and [c.code_guid for c in covering[0].codings] == [C_GOV]
    assert project.selection_text(covering[0]) == inline.text
    back = read_qdpx(write_qdpx(project, tmp_path / "w2.qdpx"))
    assert sorted((s.guid, s.start, s.end) for s in back.selections) == sorted((s.guid, s.start, s.end) for s in project.selections)
