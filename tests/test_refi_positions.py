"""REFI-QDA position conventions decided from the data (issue 17, item 5).

Fixtures: archives in NVivo 12's layout (BOM, CRLF, emoji in every text) whose positions
count in each of the eight conventions, built by ``tests/data/refi/make_nvivo_fixtures.py``
with positions computed there without qualcode. Every excerpt must come in with the words
the coder selected, whatever the convention, and survive an export and a re-import.
"""
from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from qualcode import Project
from qualcode.cli import cli
from qualcode.errors import ImportFormatError, UsageError
from qualcode.interop.refi_positions import parse_positions
from qualcode.interop.refi_read import read_qdpx

sys.path.insert(0, str(Path(__file__).parent / "data" / "refi"))
import make_nvivo_fixtures as nv  # noqa: E402

NS = {"q": "urn:QDA-XML:project:1.0"}


def excerpts(project: Project) -> list[tuple[str, str, str, str]]:
    """(source, excerpt text as stored in the source, code path, coder) for every coding."""
    a = project.applications()
    out = []
    for row in a.itertuples():
        text = project.source_text(row.source)[row.start:row.end]
        out.append((row.source, text, row.code, row.coder))
    return sorted(out)


@pytest.mark.parametrize("counting", nv.ALL_COUNTINGS, ids=lambda c: c.spec)
def test_every_convention_imports_every_excerpt_with_its_words(tmp_path, counting):
    path = nv.write(tmp_path / "chats.qdpx", counting)
    project = Project.create(tmp_path / "p.qcproj")
    report = project.import_qdpx(path)
    assert excerpts(project) == nv.expected_excerpts()
    assert {e["convention"] for e in report.positions} == {counting.spec}
    line = next(x for x in report.lines() if x.startswith("positions:"))
    assert "(sure): 30 of 30 selections on word boundaries" in line, line
    assert not [w for w in report.warnings if "inside a character" in w]


def test_nvivo_reading_is_not_the_standard_one(tmp_path):
    """The issue's file read as the old --utf16 did (BOM counted): every excerpt one off."""
    path = nv.write(tmp_path / "chats.qdpx", nv.NVIVO_12)
    project = Project.create(tmp_path / "forced.qcproj")
    report = project.import_qdpx(path, positions="utf16:bom:crlf2")
    right = {w for _, w, _, _ in nv.expected_excerpts()}
    got = [t for _, t, _, _ in excerpts(project)]
    assert sum(t in right for t in got) == 0  # forcing does force, and shows why detection matters
    assert any("as --positions says" in x for x in report.lines())


def test_a_forced_reading_that_cannot_fit_is_a_one_line_error(tmp_path):
    path = nv.write(tmp_path / "chats.qdpx", nv.NVIVO_12)
    project = Project.create(tmp_path / "p.qcproj")
    with pytest.raises(ImportFormatError, match=r"lies outside source 'Chat interview - Grace'.*try another --positions"):
        project.import_qdpx(path, positions="codepoint:bom:crlf2")
    assert project.applications().empty


def test_only_the_unit_forced_the_rest_decided(tmp_path):
    path = nv.write(tmp_path / "chats.qdpx", nv.NVIVO_12)
    project = Project.create(tmp_path / "p.qcproj")
    report = project.import_qdpx(path, positions="utf16")
    assert excerpts(project) == nv.expected_excerpts()
    assert {e["convention"] for e in report.positions} == {"utf16:nobom:crlf2"}


def test_names_that_carry_the_words_decide_too(tmp_path):
    """ATLAS.ti names a selection by its first words: that is evidence as well."""
    counting = nv.Counting("utf16", True, 2)
    path = nv.write(tmp_path / "atlas.qdpx", counting, origin="ATLAS.ti 9.1.3 (Windows)", names_carry_text=True)
    exchange = read_qdpx(path)
    assert {e["convention"] for e in exchange.positions} == {counting.spec}
    assert sum(e["quotes_matched"] for e in exchange.positions) == 30


def test_bad_positions_value_is_one_line_error(tmp_path):
    with pytest.raises(UsageError, match="unknown part 'utf8'"):
        parse_positions("utf8")
    path = nv.write(tmp_path / "chats.qdpx")
    project = Project.create(tmp_path / "p.qcproj")
    with pytest.raises(UsageError):
        project.import_qdpx(path, positions="utf16:crlf3")
    assert project.applications().empty


def utf16_slice(raw: str, start: int, end: int) -> str:
    """NVivo's reading of a written text (BOM not counted, UTF-16 units), without qualcode."""
    body = raw[1:] if raw.startswith("\ufeff") else raw
    return body.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


@pytest.mark.parametrize("windows", [False, True])
def test_round_trip_keeps_every_excerpt_and_every_user(tmp_path, windows):
    source = nv.write(tmp_path / "chats.qdpx", nv.NVIVO_12)
    first = Project.create(tmp_path / "first.qcproj")
    first.import_qdpx(source)
    out = first.export_qdpx(tmp_path / "out.qdpx", windows=windows).path
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
        users = sorted(u.get("name") for u in root.iterfind(".//q:User", NS))
        assert users == sorted(nv.USERS.values())  # also Sam Taylor, who coded nothing
        words = set()
        for ts in root.iterfind(".//q:TextSource", NS):
            raw = z.read("sources/" + ts.get("plainTextPath").split("://")[1]).decode("utf-8")
            assert raw.startswith("\ufeff") == windows
            for sel in ts.iterfind("q:PlainTextSelection", NS):
                words.add(utf16_slice(raw, int(sel.get("startPosition")), int(sel.get("endPosition"))))
    assert words == {w for _, w, _, _ in nv.expected_excerpts()}
    second = Project.create(tmp_path / "second.qcproj")
    second.import_qdpx(out)
    assert excerpts(second) == nv.expected_excerpts()


def test_export_for_qualcoder_counts_code_points_and_reads_back(tmp_path):
    first = Project.create(tmp_path / "first.qcproj")
    first.import_qdpx(nv.write(tmp_path / "chats.qdpx"))
    out = first.export_qdpx(tmp_path / "qc.qdpx", positions="codepoint").path
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
        ts = next(root.iterfind(".//q:TextSource", NS))
        raw = z.read("sources/" + ts.get("plainTextPath").split("://")[1]).decode("utf-8")
        for sel in ts.iterfind("q:PlainTextSelection", NS):
            assert raw[int(sel.get("startPosition")):int(sel.get("endPosition"))] in {w for _, w, _, _ in nv.expected_excerpts()}
    second = Project.create(tmp_path / "second.qcproj")
    second.import_qdpx(out)
    assert excerpts(second) == nv.expected_excerpts()


def test_cli_says_which_reading_it_used(tmp_path):
    path = nv.write(tmp_path / "chats.qdpx")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["init", "p.qcproj"]).exit_code == 0
        result = runner.invoke(cli, ["import", "qdpx", str(path)])
        assert result.exit_code == 0, result.output
        assert "read as UTF-16 code units, BOM not counted, CRLF as two (sure)" in result.output
        bad = runner.invoke(cli, ["import", "qdpx", str(path), "--positions", "words"])
        assert bad.exit_code != 0 and "unknown part 'words'" in bad.output
    finally:
        os.chdir(old)


REAL = Path(os.environ.get("QUALCODE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "refi"


@pytest.mark.skipif(not (REAL / "qc-demo.qdpx").exists(), reason="real REFI-QDA files not present")
def test_real_files_with_one_way_of_counting_need_no_decision(tmp_path):
    """QualCoder's and NVivo for Mac's real exports: no BOM, CRLF or emoji, so every reading
    counts alike; the reader says nothing about positions and keeps every excerpt."""
    exchange = read_qdpx(REAL / "qc-demo.qdpx")
    assert exchange.positions and {e["decided_by"] for e in exchange.positions} == {"no difference"}
    project = Project.create(tmp_path / "p.qcproj")
    report = project.import_qdpx(REAL / "qc-demo.qdpx")
    assert not [x for x in report.lines() if x.startswith("positions:")]
    assert len(project.excerpts()) == report.added["excerpts"] > 0
    users = {u.name for u in exchange.users}
    out = project.export_qdpx(tmp_path / "back.qdpx").path
    assert {u.name for u in read_qdpx(out).users} >= users  # every user of the file kept
