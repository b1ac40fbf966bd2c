"""Codebooks: YAML import/export, validation with line numbers, tree edits."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qualcode import Project
from qualcode.errors import CodebookError, NotFoundError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_builds_the_tree_with_attributes(study: Project) -> None:
    codes = study.codes().set_index("path")
    assert set(codes.index) == {
        "Impact", "Impact/Confidence", "Impact/Leadership", "Issues", "Issues/Governance",
        "Issues/Governance/Board relations", "Issues/Sustainability",
    }
    assert codes.loc["Issues/Governance/Board relations", "depth"] == 2
    assert codes.loc["Issues/Governance/Board relations", "top"] == "Issues"
    assert codes.loc["Impact/Confidence", "description"] == "Feeling more able to lead."
    assert codes.loc["Impact/Confidence", "weight_max"] == 5
    assert codes.loc["Impact", "colour"] == "#1b9e77"
    parent = codes.loc["Issues/Governance/Board relations", "parent_id"]
    assert parent == codes.loc["Issues/Governance", "code_id"]


def test_reimport_is_a_no_op_and_keeps_edits(study: Project, study_files: Path) -> None:
    study.update_code("Impact/Confidence", description="Edited by the team")
    result = study.import_codebook(study_files / "codebook.yaml")
    assert result["codes_added"] == 0
    assert study.codes().set_index("path").loc["Impact/Confidence", "description"] == "Edited by the team"


def test_export_then_import_round_trips(study: Project, tmp_path: Path) -> None:
    out = study.export_codebook(tmp_path / "out.yaml")
    fresh = Project.create(tmp_path / "fresh.qcproj")
    fresh.import_codebook(out)
    cols = ["path", "description", "colour", "weight_min", "weight_max"]
    a = study.codes()[cols].sort_values("path").reset_index(drop=True)
    b = fresh.codes()[cols].sort_values("path").reset_index(drop=True)
    assert a.equals(b)
    assert yaml.safe_load(out.read_text())["codes"][0]["name"] == "Impact"


def test_duplicate_name_reports_both_lines(tmp_path: Path, project: Project) -> None:
    path = write(tmp_path, "codes:\n  - name: A\n  - name: B\n  - name: A\n")
    with pytest.raises(CodebookError, match=r"cb.yaml:4: duplicate code 'A' \(also line 2\)"):
        project.import_codebook(path)
    assert project.codes().empty


def test_cycle_in_flat_codebook(tmp_path: Path, project: Project) -> None:
    path = write(tmp_path, "codes:\n  - name: A\n    parent: C\n  - name: B\n    parent: A\n  - name: C\n    parent: B\n")
    with pytest.raises(CodebookError, match="cycle"):
        project.import_codebook(path)
    assert project.codes().empty


def test_unknown_parent_names_the_line(tmp_path: Path, project: Project) -> None:
    path = write(tmp_path, "codes:\n  - name: Top\n  - name: Child\n    parent: Nowhere\n")
    with pytest.raises(CodebookError, match=r":3: code 'Child' has an unknown parent 'Nowhere'"):
        project.import_codebook(path)


def test_flat_codebook_with_parents(tmp_path: Path, project: Project) -> None:
    path = write(tmp_path, "codes:\n  - name: Leaf\n    parent: Mid\n  - name: Mid\n    parent: Top\n  - name: Top\n")
    project.import_codebook(path)
    assert sorted(project.codes()["path"]) == ["Top", "Top/Mid", "Top/Mid/Leaf"]


def test_bad_yaml_and_bad_rules_name_the_line(tmp_path: Path, project: Project) -> None:
    with pytest.raises(CodebookError, match=r"cb.yaml:3: not valid YAML"):
        project.import_codebook(write(tmp_path, "codes:\n  - name: A\n   - name: [\n"))
    bad_rule = "codes:\n  - name: A\n    rules:\n      regex: ['(unclosed']\n"
    with pytest.raises(CodebookError, match=r"cb.yaml:4: rules of 'A': regex"):
        project.import_codebook(write(tmp_path, bad_rule))
    with pytest.raises(CodebookError, match="unknown key"):
        project.import_codebook(write(tmp_path, "codes:\n  - name: A\n    colur: red\n"))


def test_rename_moves_the_subtree_and_keeps_applications(study: Project) -> None:
    study.code("Mentor-03 wave 1", "Issues/Governance/Board relations", quote="The board relations improved a lot.", coder="anna")
    assert study.rename_code("Issues/Governance", "Board and governance") == "Issues/Board and governance"
    assert "Issues/Board and governance/Board relations" in set(study.codes()["path"])
    assert study.applications()["code"].tolist() == ["Issues/Board and governance/Board relations"]


def test_move_refuses_a_cycle(study: Project) -> None:
    with pytest.raises(CodebookError, match="cycle"):
        study.move_code("Issues", "Issues/Governance")
    assert study.move_code("Issues/Governance/Board relations", None) == "Board relations"


def test_merge_moves_applications_without_duplicates(study: Project) -> None:
    quote = "The board relations improved a lot."
    study.code("Mentor-03 wave 1", ["Issues/Governance/Board relations", "Issues/Governance"], quote=quote, coder="anna")
    study.code("Mentor-03 wave 1", "Issues/Governance/Board relations", quote="She found her voice with the trustees.", coder="anna")
    moved = study.merge_codes("Issues/Governance/Board relations", "Issues/Governance")
    apps = study.applications()
    # the first excerpt already had Governance by anna: that one is dropped, not duplicated
    assert moved == 1
    assert sorted(apps["code"]) == ["Issues/Governance", "Issues/Governance"]
    assert "Issues/Governance/Board relations" not in set(study.codes()["path"])


def test_remove_deletes_children_and_applications(study: Project) -> None:
    study.code("Mentor-03 wave 1", "Issues/Governance/Board relations", quote="The board relations improved a lot.", coder="anna")
    assert study.remove_code("Issues/Governance") == 2
    assert study.applications().empty
    assert study.excerpts().empty


def test_unknown_code_suggests_close_names(study: Project) -> None:
    with pytest.raises(NotFoundError, match="did you mean 'Impact/Confidence'"):
        study.code("CEO-07 wave 1", "Impact/Confidense", start=0, end=5)


def test_codebook_view_shows_tree_with_counts(study: Project) -> None:
    study.code("Mentor-03 wave 1", "Issues/Governance/Board relations", quote="The board relations improved a lot.", coder="anna")
    view = study.codebook()
    text = repr(view).splitlines()
    assert "    Board relations (1)" in text and "Issues" in text
    html = view._repr_html_()
    assert "<b>Board relations</b>" in html and "Feeling more able to lead." in html and "#1b9e77" in html
