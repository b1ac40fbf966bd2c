"""Real REFI-QDA exports from QualCoder, NVivo 15 and ATLAS.ti (../shared/data/refi).

Counts are checked against an independent count of the XML elements (lxml XPath on the
project.qde inside each archive), not against the reader's own bookkeeping.
"""
from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.interop.guids import assign_stable_guids, project_namespace
from qualcode.interop.refi_read import read_qdpx
from qualcode.interop.refi_write import build_qdc, build_qde, write_qdpx

REFI = Path(os.environ.get("QUALCODE_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "refi"
FILES = ["qc-demo.qdpx", "nvivo-codebook-only.qdpx", "atlasti-sample.qdpx"]
NS = {"q": "urn:QDA-XML:project:1.0"}

pytestmark = pytest.mark.skipif(not REFI.is_dir(), reason="shared REFI-QDA files not available")


def qde_root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.lower() == "project.qde")
        return etree.fromstring(z.read(name))


def xcount(root: etree._Element, xpath: str) -> int:
    return int(root.xpath(f"count({xpath})", namespaces=NS))


@pytest.mark.parametrize("name", FILES)
def test_counts_match_an_independent_count_of_the_xml(name):
    root = qde_root(REFI / name)
    project = read_qdpx(REFI / name)
    counts = project.counts()
    assert counts["codes"] == xcount(root, "//q:CodeBook//q:Code")
    assert counts["users"] == xcount(root, "/q:Project/q:Users/q:User")
    assert counts["sources"] == xcount(root, "/q:Project/q:Sources/q:TextSource | /q:Project/q:Sources/q:PDFSource")
    assert counts["selections"] == xcount(root, "//q:Sources//q:PlainTextSelection")
    assert counts["codings"] == xcount(root, "//q:Sources//q:PlainTextSelection/q:Coding")
    assert counts["notes"] == xcount(root, "/q:Project/q:Notes/q:Note")
    assert counts["sets"] == xcount(root, "/q:Project/q:Sets/q:Set")
    assert counts["cases"] == xcount(root, "/q:Project/q:Cases/q:Case")
    assert counts["variables"] == xcount(root, "/q:Project/q:Variables/q:Variable")


def test_qc_demo_has_the_documented_counts_and_exact_selection_texts():
    path = REFI / "qc-demo.qdpx"
    project = read_qdpx(path)
    counts = project.counts()
    assert (counts["sources"], counts["selections"], counts["codings"], counts["codes"]) == (2, 158, 205, 262)
    assert counts["sources_with_text"] == 2
    # Independently: slice each raw file at the XML positions and normalise.
    root = qde_root(path)
    with zipfile.ZipFile(path) as z:
        raw = {ts.get("guid").lower(): z.read("sources/" + ts.get("plainTextPath")).decode("utf-8") for ts in root.iterfind(".//q:TextSource", NS)}
    expected = {}
    for ts in root.iterfind(".//q:TextSource", NS):
        for sel in ts.iterfind("q:PlainTextSelection", NS):
            text = raw[ts.get("guid").lower()][int(sel.get("startPosition")):int(sel.get("endPosition"))]
            expected[sel.get("guid").lower()] = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    assert {s.guid: project.selection_text(s) for s in project.selections} == expected
    names = sorted(s.name for s in project.sources)
    assert names == ["admin-1", "board_2017"]  # QualCoder leaves name out; taken from the file name


def test_nvivo_codebook_only():
    project = read_qdpx(REFI / "nvivo-codebook-only.qdpx")
    counts = project.counts()
    assert (counts["sources"], counts["selections"], counts["codings"], counts["codes"], counts["users"]) == (2, 0, 0, 262, 2)
    assert {s.kind for s in project.sources} == {"docx"}
    assert all(s.text == "\n" for s in project.sources)  # NVivo's plain-text representation of an empty document


def test_atlasti_sample_without_source_text():
    project = read_qdpx(REFI / "atlasti-sample.qdpx")
    counts = project.counts()
    assert (counts["sources"], counts["sources_with_text"], counts["selections"], counts["codings"]) == (8, 0, 8, 9)
    assert (counts["codes"], counts["users"], counts["notes"], counts["sets"]) == (14, 3, 2, 16)
    assert sorted(s.kind for s in project.sources).count("pdf") == 2
    # Media and geometry are counted as dropped, with their codings (2 picture + 4 PDF + 1 video = 7).
    assert project.skipped["PictureSource"] == 1 and project.skipped["VideoSource"] == 2 and project.skipped["AudioSource"] == 1
    assert project.skipped["PDFSelection"] == 4 and project.skipped["Graph"] == 1
    dropped_codings = sum(v for k, v in project.skipped.items() if k.startswith("Coding on"))
    assert dropped_codings == 7 and counts["codings"] + dropped_codings == xcount(qde_root(REFI / "atlasti-sample.qdpx"), "//q:Coding")
    quotes = {s.quote for s in project.selections if s.quote}
    assert "granola" in quotes


def snapshot(p):
    paths = p.code_paths()
    return {
        "sources": sorted((s.guid, s.name, s.text) for s in p.sources),
        "codes": sorted(paths.items()),
        "selections": sorted(
            (s.guid, s.source_guid, s.start, s.end, p.selection_text(s), tuple(sorted((c.code_guid, c.coder_guid or "") for c in s.codings)))
            for s in p.selections
        ),
        "notes": sorted((n.guid, n.text, tuple(sorted(n.targets))) for n in p.notes),
        "sets": sorted((s.guid, tuple(s.code_guids), tuple(s.source_guids)) for s in p.sets),
        "users": sorted((u.guid, u.name) for u in p.users),
    }


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("style", [{}, {"newline": "\r\n", "bom": True}])
def test_round_trip_at_the_exchange_level(tmp_path, name, style):
    first = read_qdpx(REFI / name)
    second = read_qdpx(write_qdpx(first, tmp_path / name, **style))
    assert snapshot(second) == snapshot(first)


@pytest.mark.parametrize("name", FILES)
def test_exports_of_real_projects_validate(name):
    schema = etree.XMLSchema(etree.parse(str(REFI / "Project.xsd")))
    codebook = etree.XMLSchema(etree.parse(str(REFI / "Codebook.xsd")))
    project = read_qdpx(REFI / name)
    assert schema.validate(etree.fromstring(build_qde(project)[0])), schema.error_log
    assert codebook.validate(etree.fromstring(build_qdc(project))), codebook.error_log


def test_stable_guids_on_a_real_project():
    ns = project_namespace("qc-demo")
    a = assign_stable_guids(read_qdpx(REFI / "qc-demo.qdpx"), ns)
    b = assign_stable_guids(read_qdpx(REFI / "qc-demo.qdpx"), ns)
    assert build_qde(a) == build_qde(b)
    assert len({c.guid for _, c in a.iter_codes()}) == 262
