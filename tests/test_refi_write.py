"""Writing REFI-QDA: positions valid for the written text, XSD validity, round trip, stable GUIDs."""
from __future__ import annotations

import copy
import os
import uuid
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from qualcode.errors import QualcodeError
from qualcode.interop.exchange import (
    ExCase,
    ExchangeProject,
    ExCode,
    ExCoding,
    ExNote,
    ExSelection,
    ExSet,
    ExSource,
    ExUser,
    ExVariable,
)
from qualcode.interop.guids import assign_stable_guids, project_namespace
from qualcode.interop.refi_offsets import normalise_text
from qualcode.interop.refi_read import read_qdc, read_qdpx
from qualcode.interop.refi_positions import Convention
from qualcode.interop.refi_write import build_qdc, build_qde, write_qdc, write_qdpx

NS = {"q": "urn:QDA-XML:project:1.0"}


def shared_refi() -> Path:
    root = Path(os.environ.get("QUALCODE_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    return root / "refi"


def g() -> str:
    return str(uuid.uuid4())


def sample_project() -> ExchangeProject:
    """Two sources (one with an accent and an emoji), a code tree, two coders, a case."""
    anna, ben = ExUser(g(), "anna"), ExUser(g(), "ben")
    gov, sus = ExCode(g(), "Governance"), ExCode(g(), "Sustainability", colour="#00ff00")
    issues = ExCode(g(), "Issues", colour="#ff0000", description="Core issues", children=[gov, sus])
    arenas = ExCode(g(), "Arenas", is_codable=False, children=[ExCode(g(), "Self")])
    t1 = "alpha\nbeta café\ngamma 😀 delta"
    t2 = "Second source.\n\nTwo paragraphs."
    s1, s2 = ExSource(g(), "Interview 1", t1), ExSource(g(), "Interview 2", t2)
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)

    def sel(source: ExSource, quote: str, *codings: tuple[ExCode, ExUser]) -> ExSelection:
        start = source.text.index(quote)  # type: ignore[union-attr]
        return ExSelection(g(), source.guid, start, start + len(quote), creator_guid=codings[0][1].guid, created=when,
                           codings=[ExCoding(c.guid, u.guid, guid=g(), created=when) for c, u in codings])

    selections = [
        sel(s1, "beta café", (gov, anna), (sus, ben)),
        sel(s1, "delta", (sus, anna)),
        sel(s2, "Two paragraphs.", (gov, ben)),
    ]
    role = ExVariable(g(), "role", "category")
    age = ExVariable(g(), "age", "number")
    score = ExVariable(g(), "score", "number")
    joined = ExVariable(g(), "joined", "date")
    online = ExVariable(g(), "online", "boolean")
    wave = ExVariable(g(), "wave", "category", applies_to="source")
    s2.variable_values[wave.guid] = "2"
    case = ExCase(g(), "P01", variable_values={role.guid: "CEO", age.guid: 52.0, score.guid: 7.25, joined.guid: date(2021, 3, 4), online.guid: True},
                  source_guids=[s1.guid])
    note = ExNote(g(), "Memo", "Governance comes up early.", targets=[selections[0].guid, case.guid], creator_guid=anna.guid)
    return ExchangeProject(
        name="Sample", users=[anna, ben], codes=[issues, arenas], sources=[s1, s2], selections=selections,
        notes=[note], cases=[case], variables=[role, age, score, joined, online, wave],
        sets=[ExSet(g(), "Key codes", code_guids=[gov.guid], source_guids=[s2.guid])],
    )


def snapshot(p: ExchangeProject) -> dict:
    """What must survive a round trip, keyed by GUID."""
    paths = p.code_paths()
    return {
        "sources": sorted((s.guid, s.name, s.text, tuple(sorted(s.variable_values.items()))) for s in p.sources),
        "variables": sorted((v.guid, v.name, v.type, v.applies_to) for v in p.variables),
        "codes": sorted((guid, path) for guid, path in paths.items()),
        "selections": sorted(
            (s.guid, s.source_guid, s.start, s.end, p.selection_text(s), tuple(sorted((c.code_guid, c.coder_guid or "") for c in s.codings)))
            for s in p.selections
        ),
        "users": sorted((u.guid, u.name) for u in p.users),
        "cases": sorted((c.guid, c.name, tuple(sorted(c.variable_values.items(), key=lambda kv: kv[0])), tuple(c.source_guids)) for c in p.cases),
        "notes": sorted((n.guid, n.text, tuple(sorted(n.targets))) for n in p.notes),
        "sets": sorted((s.guid, s.name, tuple(s.code_guids), tuple(s.source_guids)) for s in p.sets),
    }


def slice_as(raw: str, start: int, end: int, *, unit: str, bom_counted: bool) -> str:
    """Cut the written text at positions the way a reading tool counts (independent of qualcode)."""
    if not bom_counted and raw.startswith("\ufeff"):
        raw = raw[1:]
    if unit == "utf16":
        return raw.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")
    return raw[start:end]


def test_windows_style_export_counts_as_nvivo_does(tmp_path):
    project = sample_project()
    out = write_qdpx(project, tmp_path / "win.qdpx", newline="\r\n", bom=True)
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
        s1 = project.sources[0]
        raw = z.read(f"sources/{s1.guid}.txt").decode("utf-8")
    assert raw == "\ufeffalpha\r\nbeta café\r\ngamma 😀 delta"
    assert "(positions: utf16:nobom:crlf2)" in root.get("origin")
    sel = root.find(f".//q:PlainTextSelection[@guid='{project.selections[0].guid}']", NS)
    # By hand: the BOM is not counted, "alpha" (5) + CRLF (2) = 7, and "beta café" is 9 units.
    assert (sel.get("startPosition"), sel.get("endPosition")) == ("7", "16")
    delta = root.find(f".//q:PlainTextSelection[@guid='{project.selections[1].guid}']", NS)
    # "alpha\r\nbeta café\r\ngamma " is 24 units, the emoji 2 more, then a space: delta at 27.
    assert (delta.get("startPosition"), delta.get("endPosition")) == ("27", "32")


@pytest.mark.parametrize("convention, alpha, delta", [
    # counted by hand on "\ufeffalpha\r\nbeta café\r\ngamma 😀 delta"
    (Convention("codepoint", True, 2), (8, 17), (27, 32)),   # BOM 1 + alpha 5 + CRLF 2; the emoji is 1
    (Convention("codepoint", False, 2), (7, 16), (26, 31)),
    (Convention("utf16", True, 1), (7, 16), (26, 31)),       # BOM 1 + alpha 5 + LF 1; the emoji is 2
])
def test_export_in_other_conventions_counts_by_hand(tmp_path, convention, alpha, delta):
    project = sample_project()
    out = write_qdpx(project, tmp_path / "std.qdpx", newline="\r\n", bom=True, positions=convention)
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
    sel = root.find(f".//q:PlainTextSelection[@guid='{project.selections[0].guid}']", NS)
    assert (int(sel.get("startPosition")), int(sel.get("endPosition"))) == alpha
    d = root.find(f".//q:PlainTextSelection[@guid='{project.selections[1].guid}']", NS)
    assert (int(d.get("startPosition")), int(d.get("endPosition"))) == delta
    assert snapshot(read_qdpx(out)) == snapshot(project)  # and reads back right without being told


@pytest.mark.parametrize("convention", [Convention("utf16", False, 2), Convention("codepoint", True, 2),
                                        Convention("utf16", True, 2), Convention("codepoint", False, 1)])
def test_every_written_position_is_valid_for_the_written_text(tmp_path, convention):
    project = sample_project()
    for kwargs in ({}, {"newline": "\r\n", "bom": True}):
        out = write_qdpx(project, tmp_path / "p.qdpx", positions=convention, **kwargs)
        with zipfile.ZipFile(out) as z:
            root = etree.fromstring(z.read("project.qde"))
            for ts in root.iterfind(".//q:TextSource", NS):
                raw = z.read(ts.get("plainTextPath").replace("internal://", "sources/")).decode("utf-8")
                if convention.crlf == 1:
                    raw = raw.replace("\r\n", "\n")
                for sel in ts.iterfind("q:PlainTextSelection", NS):
                    ours = next(s for s in project.selections if s.guid == sel.get("guid"))
                    wanted = project.sources_by_guid()[ours.source_guid].text[ours.start:ours.end]
                    cut = slice_as(raw, int(sel.get("startPosition")), int(sel.get("endPosition")),
                                   unit=convention.unit, bom_counted=convention.bom_counted)
                    assert normalise_text(cut) == wanted


@pytest.mark.parametrize("kwargs", [{}, {"newline": "\r\n", "bom": True}, {"text_inline": True}])
def test_round_trip_keeps_everything(tmp_path, kwargs):
    project = sample_project()
    back = read_qdpx(write_qdpx(project, tmp_path / "rt.qdpx", **kwargs))
    assert snapshot(back) == snapshot(project)
    assert back.counts() == project.counts()


def test_variable_types_are_written_typed(tmp_path):
    root = etree.fromstring(build_qde(sample_project())[0])
    types = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind(".//q:Variable", NS)}
    assert types == {"role": "Text", "age": "Integer", "score": "Float", "joined": "Date", "online": "Boolean", "wave": "Text"}
    values = [e.text for e in root.iterfind(".//q:Case/q:VariableValue/*", NS) if etree.QName(e).localname != "VariableRef"]
    assert values == ["CEO", "52", "7.25", "2021-03-04", "true"]


def test_note_on_a_case_travels_as_a_link(tmp_path):
    project = sample_project()
    root = etree.fromstring(build_qde(project)[0])
    links = root.findall(".//q:Link", NS)
    assert [(link.get("originGUID"), link.get("targetGUID")) for link in links] == [(project.notes[0].guid, project.cases[0].guid)]
    assert root.find(f".//q:PlainTextSelection[@guid='{project.selections[0].guid}']/q:NoteRef", NS) is not None


def test_stable_guids_make_repeated_exports_identical(tmp_path):
    ns = project_namespace("study-1")
    a = assign_stable_guids(sample_project(), ns)  # two builds: every original GUID differs
    b = assign_stable_guids(sample_project(), ns)
    assert build_qde(a) == build_qde(b)
    write_qdpx(a, tmp_path / "a.qdpx")
    write_qdpx(b, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    # A code's GUID is uuid5(namespace, "code" + path), computed here independently.
    gov = next(c for p, c in a.iter_codes() if p == ("Issues", "Governance"))
    assert gov.guid == str(uuid.uuid5(ns, "code\x1fIssues\x1fGovernance"))
    # References follow: codings point at the new code GUIDs, and the project is consistent.
    assert snapshot(read_qdpx(tmp_path / "a.qdpx")) == snapshot(a)


def test_stable_guids_change_only_what_was_renamed():
    ns = project_namespace("study-1")
    base = sample_project()
    renamed = copy.deepcopy(base)
    renamed.codes[0].children[1].name = "Money"  # Issues/Sustainability -> Issues/Money
    a, b = assign_stable_guids(base, ns), assign_stable_guids(renamed, ns)
    codes_a = {p: c.guid for p, c in a.iter_codes()}
    codes_b = {p: c.guid for p, c in b.iter_codes()}
    assert codes_a[("Issues", "Governance")] == codes_b[("Issues", "Governance")]
    assert codes_a[("Issues", "Sustainability")] != codes_b[("Issues", "Money")]
    assert [s.guid for s in a.selections] == [s.guid for s in b.selections]
    assert [s.guid for s in a.sources] == [s.guid for s in b.sources]


def test_writer_refuses_an_inconsistent_project(tmp_path):
    project = sample_project()
    project.selections[0].codings[0].code_guid = g()
    with pytest.raises(QualcodeError, match="not in the codebook"):
        write_qdpx(project, tmp_path / "bad.qdpx")
    project = sample_project()
    project.selections[1].end = 10_000
    with pytest.raises(QualcodeError, match="outside source 'Interview 1'"):
        build_qde(project)


def test_qdc_round_trip(tmp_path):
    project = sample_project()
    back = read_qdc(write_qdc(project, tmp_path / "book.qdc"))
    assert sorted(back.code_paths().items()) == sorted(project.code_paths().items())
    colours = {c.guid: c.colour for _, c in back.iter_codes()}
    assert colours[project.codes[0].guid] == "#ff0000"
    assert back.sets[0].code_guids == project.sets[0].code_guids
    with pytest.raises(QualcodeError, match="no codes"):
        build_qdc(ExchangeProject())


@pytest.mark.skipif(not (shared_refi() / "Project.xsd").exists(), reason="shared REFI XSDs not available")
@pytest.mark.parametrize("kwargs", [{}, {"newline": "\r\n", "bom": True}, {"text_inline": True}])
def test_exports_validate_against_the_xsds(kwargs):
    project_schema = etree.XMLSchema(etree.parse(str(shared_refi() / "Project.xsd")))
    codebook_schema = etree.XMLSchema(etree.parse(str(shared_refi() / "Codebook.xsd")))
    qde = etree.fromstring(build_qde(sample_project(), **kwargs)[0])
    assert project_schema.validate(qde), project_schema.error_log
    qdc = etree.fromstring(build_qdc(sample_project()))
    assert codebook_schema.validate(qdc), codebook_schema.error_log
