"""Real REFI-QDA files (QualCoder, NVivo 15, ATLAS.ti) and the bundled demo study, through
the project: what is stored, and import -> export -> import round trips.

Expected counts come from an independent count of the XML (lxml XPath on project.qde),
not from the reader or the store.
"""
from __future__ import annotations

import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode import Project

REPO = Path(__file__).resolve().parents[1]
REFI = Path(os.environ.get("QUALCODE_SHARED_DATA", REPO.parent / "shared" / "data")) / "refi"
FILES = ["qc-demo.qdpx", "nvivo-codebook-only.qdpx", "atlasti-sample.qdpx"]
NS = {"q": "urn:QDA-XML:project:1.0"}

needs_refi = pytest.mark.skipif(not REFI.is_dir(), reason="shared REFI-QDA files not available")


def qde_root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.lower() == "project.qde")
        return etree.fromstring(z.read(name))


def source_texts(path: Path) -> dict[str, str | None]:
    """TextSource GUID -> raw text from the archive (None when the file is missing)."""
    root = qde_root(path)
    out: dict[str, str | None] = {}
    with zipfile.ZipFile(path) as z:
        members = {n.lower(): n for n in z.namelist()}
        for ts in root.iterfind(".//q:Sources/q:TextSource", NS):
            inline = ts.find("q:PlainTextContent", NS)
            ref = ts.get("plainTextPath")
            if inline is not None:
                out[ts.get("guid").lower()] = inline.text or ""
            elif ref:
                member = members.get("sources/" + ref.split("://")[-1].lower())
                out[ts.get("guid").lower()] = z.read(member).decode("utf-8") if member else None
            else:
                out[ts.get("guid").lower()] = None
    return out


def expected_from_xml(path: Path) -> dict[str, int]:
    """What the project should hold, counted from the XML with qualcode's rules:
    sources with non-blank text only, their selections and codings, codes, code sets."""
    root = qde_root(path)
    texts = source_texts(path)
    with_text = {g for g, t in texts.items() if t is not None and t.strip()}
    selections = codings = 0
    for ts in root.iterfind(".//q:Sources/q:TextSource", NS):
        if ts.get("guid").lower() in with_text:
            sels = ts.findall("q:PlainTextSelection", NS)
            selections += len({(s.get("startPosition"), s.get("endPosition")) for s in sels})
            codings += sum(len(s.findall("q:Coding", NS)) for s in sels)
    return {
        "sources": len(with_text),
        "codes": int(root.xpath("count(//q:CodeBook//q:Code)", namespaces=NS)),
        "excerpts": selections,
        "applications": codings,
        "code_sets": int(root.xpath("count(/q:Project/q:Sets/q:Set[q:MemberCode])", namespaces=NS)),
        "notes": int(root.xpath("count(/q:Project/q:Notes/q:Note)", namespaces=NS)),
        "sources_in_file": len(texts) + int(root.xpath("count(/q:Project/q:Sources/q:PDFSource)", namespaces=NS)),
    }


def snapshot(project: Project) -> dict[str, object]:
    a = project.applications()
    x = project.excerpts()
    return {
        "texts": {s: project.source_text(s) for s in project.sources()["source"]},
        "codes": sorted(project.codes()["path"]),
        "excerpts": sorted(zip(x["source"], x["start"], x["end"], x["text"])),
        "codings": sorted(zip(a["source"], a["start"], a["end"], a["code"], a["coder"])),
    }


def code_set_count(project: Project) -> int:
    conn = sqlite3.connect(project.target)
    try:
        return conn.execute("SELECT count(*) FROM code_sets").fetchone()[0]
    finally:
        conn.close()


@needs_refi
@pytest.mark.parametrize("name", FILES)
def test_real_file_counts_in_the_project_and_round_trip(tmp_path, name):
    path = REFI / name
    want = expected_from_xml(path)
    first = Project.create(tmp_path / "first.qcproj")
    report = first.import_qdpx(path)
    s = first.summary()
    assert (s["sources"], s["codes"], s["excerpts"], s["applications"]) == (
        want["sources"], want["codes"], want["excerpts"], want["applications"])
    assert code_set_count(first) == want["code_sets"]
    # Everything the file held but the project did not take is accounted for in the report.
    assert report.dropped.get("source without text", 0) == want["sources_in_file"] - want["sources"]

    out = first.export_qdpx(tmp_path / "out.qdpx")
    second = Project.create(tmp_path / "second.qcproj")
    second.import_qdpx(out.path)
    assert snapshot(second) == snapshot(first)
    assert code_set_count(second) == code_set_count(first)
    m1, m2 = first.memos(), second.memos()
    assert sorted(zip(m1["target"], m1["text"])) == sorted(zip(m2["target"], m2["text"]))
    # Importing the same file again, or the project's own export, adds nothing.
    for again in (path, out.path):
        assert sum(first.import_qdpx(again).added.values()) == 0


@needs_refi
def test_what_each_real_file_brings(tmp_path):
    """The numbers quoted in the closing note of issue 8, pinned."""
    got = {}
    for name in FILES:
        project = Project.create(tmp_path / f"{name}.qcproj")
        report = project.import_qdpx(REFI / name)
        s = project.summary()
        got[name] = (s["sources"], s["codes"], s["excerpts"], s["applications"], len(project.memos()), code_set_count(project),
                     sum(report.dropped.values()))
    assert got["qc-demo.qdpx"] == (2, 262, 158, 205, 0, 0, 0)
    assert got["nvivo-codebook-only.qdpx"] == (0, 262, 0, 0, 0, 0, 2)  # two empty docx sources ("\n")
    # ATLAS.ti: no source text in the archive (8 sources, 8 selections, 9 codings dropped), 2 notes -> project memos,
    # 4 of 16 sets have codes; media sources, PDF areas, a graph, links and source-only sets dropped.
    assert got["atlasti-sample.qdpx"][:6] == (0, 14, 0, 0, 2, 4)


@needs_refi
@pytest.mark.parametrize("name", FILES)
def test_windows_exports_of_real_files_reimport_with_equal_texts(tmp_path, name):
    first = Project.create(tmp_path / "first.qcproj")
    first.import_qdpx(REFI / name)
    out = first.export_qdpx(tmp_path / "win.qdpx", windows=True)
    second = Project.create(tmp_path / "second.qcproj")
    second.import_qdpx(out.path)
    assert snapshot(second) == snapshot(first)


@needs_refi
@pytest.mark.skipif(not (REFI / "Project.xsd").exists(), reason="XSDs not available")
@pytest.mark.parametrize("name", FILES)
def test_real_file_exports_validate(tmp_path, name):
    project_xsd = etree.XMLSchema(etree.parse(str(REFI / "Project.xsd")))
    codebook_xsd = etree.XMLSchema(etree.parse(str(REFI / "Codebook.xsd")))
    project = Project.create(tmp_path / "p.qcproj")
    project.import_qdpx(REFI / name)
    for windows in (False, True):
        root = qde_root(project.export_qdpx(tmp_path / f"o{windows}.qdpx", windows=windows).path)
        assert project_xsd.validate(etree.ElementTree(root)), project_xsd.error_log
    assert codebook_xsd.validate(etree.parse(str(project.export_qdc(tmp_path / "o.qdc").path))), codebook_xsd.error_log


# ------------------------------------------------------------------- the demo study
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from qualcode.demo import build_demo_project

    folder = tmp_path_factory.mktemp("demo")
    project = build_demo_project(folder, progress=False)
    yield project
    project.close()


def test_demo_study_round_trip(tmp_path, demo):
    out = demo.export_qdpx(tmp_path / "demo.qdpx")
    again = Project.create(tmp_path / "again.qcproj")
    report = again.import_qdpx(out.path)

    before, after = snapshot(demo), snapshot(again)
    empty = sorted(s for s, t in before["texts"].items() if not t.strip())  # questionnaire responses with no open answer
    assert empty  # the demo has respondents who left every open question blank
    assert out.not_exported["sources with no text (questionnaire responses without an open answer)"] == len(empty)
    assert "source without text" not in report.dropped  # left out by the export, named there
    assert after["texts"] == {s: t for s, t in before["texts"].items() if s not in empty}
    assert after["codes"] == before["codes"]
    assert after["excerpts"] == before["excerpts"]
    assert after["codings"] == before["codings"]
    assert len(after["codings"]) >= 850

    src1, src2 = demo.sources().set_index("source"), again.sources().set_index("source")
    kept = src2.index
    assert src2["case"].equals(src1.loc[kept, "case"]) and src2["wave"].equals(src1.loc[kept, "wave"])
    d1 = demo.descriptors().set_index("case").sort_index()
    d2 = again.descriptors().set_index("case").sort_index()
    assert list(d1.columns) == list(d2.columns)
    for column in d1.columns:  # values equal; ordered-category levels do not travel (REFI has none)
        assert d1[column].astype(str).tolist() == d2[column].astype(str).tolist(), column
    assert str(d2["obj_confidence"].dtype) == "float64" and str(d2["recommend"].dtype) == "boolean"
    assert str(d2["joined"].dtype).startswith("datetime64")


def test_demo_study_export_imported_back_adds_nothing_and_validates(tmp_path, demo):
    out = demo.export_qdpx(tmp_path / "demo.qdpx", windows=True)
    copy = tmp_path / "copy.qcproj"
    src, dst = sqlite3.connect(demo.target), sqlite3.connect(copy)  # the backup API includes the WAL
    src.backup(dst)
    src.close()
    dst.close()
    project = Project.open(copy)
    report = project.import_qdpx(out.path)
    assert sum(report.added.values()) == 0
    assert report.conflicts == []  # REFI carries no weights: nothing to disagree about
    if (REFI / "Project.xsd").exists():
        xsd = etree.XMLSchema(etree.parse(str(REFI / "Project.xsd")))
        assert xsd.validate(etree.ElementTree(qde_root(out.path))), xsd.error_log
