"""The bundled demo study, built end to end: the product's showcase.

``build_demo_project`` makes a fresh project from ``corpora/advance-demo`` and
``codebooks/mentoring-impact.yaml`` exactly as a researcher would with the CLI: ingest the
interviews and the questionnaire, import descriptors, the codebook and the team's codings.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from qualcode.errors import ProjectError
from qualcode.project import Project

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.reporting.study import WrittenReport

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_NAME = "advance-demo"
DEMO_TITLE = "Advance mentoring programme: impact study (demo)"


@dataclass(frozen=True)
class DemoPaths:
    corpus: Path
    codebook: Path

    @property
    def interviews(self) -> Path:
        return self.corpus / "interviews"

    @property
    def questionnaire(self) -> Path:
        return self.corpus / "questionnaire.xlsx"

    @property
    def participants(self) -> Path:
        return self.corpus / "participants.csv"

    @property
    def codings(self) -> Path:
        return self.corpus / "codings.csv"

    @property
    def redactions(self) -> Path:
        """The names a researcher confirmed (and the candidates ruled out) after
        ``qualcode redact suggest``: every export of the demo is clean of names."""
        return self.corpus / "redactions.csv"


def demo_paths(root: Path | None = None) -> DemoPaths:
    """Where the bundled corpus lives (next to the package in a clone or editable install)."""
    root = root or REPO_ROOT
    paths = DemoPaths(root / "corpora" / DEMO_NAME, root / "codebooks" / "mentoring-impact.yaml")
    if not paths.corpus.is_dir() or not paths.codebook.is_file():
        raise ProjectError(
            f"the demo corpus was not found in {root}; install qualcode from a clone: pip install -e ."
        )
    return paths


def build_demo_project(out_dir: str | Path, root: Path | None = None, progress: bool | None = None) -> Project:
    """Create ``OUT_DIR/advance-demo.qcproj`` afresh and fill it with the demo study."""
    paths = demo_paths(root)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{DEMO_NAME}.qcproj"
    for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    project = Project.create(target, title=DEMO_TITLE)
    return fill_demo_project(project, paths, progress)


def fill_demo_project(project: Project, paths: DemoPaths | None = None, progress: bool | None = None) -> Project:
    """Fill an empty project (a SQLite file or a PostgreSQL database) with the demo study."""
    paths = paths or demo_paths()
    project.ingest(paths.interviews, progress=progress)
    if paths.questionnaire.exists():
        project.ingest(paths.questionnaire, kind="questionnaire", key_column="respondent", progress=progress)
    project.import_descriptors(paths.participants, key="participant", types={"cohort": "category"})
    project.import_codebook(paths.codebook)
    if paths.codings.exists():
        project.import_codings(paths.codings)
    if paths.redactions.exists():
        project.import_redactions(paths.redactions)
    return project


def add_machine_suggestions(project: Project, progress: bool | None = None) -> None:
    """The codebook's rules propose codings for review (status ``suggested``): the demo
    shows the queue a team would work through, without counting any of it in analyses.
    Each suggestion's confidence is its rule's agreement with the demo's hand coding
    (``calibrate``), so the queue opens with the suggestions least sure to be right."""
    project.autocode(progress=progress, calibrate=True)


def run_demo(out_dir: str | Path, root: Path | None = None, progress: bool | None = None) -> tuple[Project, "WrittenReport"]:
    """Build the demo project and write its full report into ``out_dir``."""
    from qualcode.reporting import ReportOptions, write_report

    paths = demo_paths(root)
    models = [paths.codebook.with_name(name) for name in ("advance-impact-model.yaml", "advance-logic-model.yaml")]
    project = build_demo_project(out_dir, root, progress)
    # the rules' suggestions are made while the report computes its code analyses, which
    # do not count them (on a second CPU; first thing in the report's own process otherwise)
    options = ReportOptions(impact_models=[m for m in models if m.exists()], agreement_coders=["anna", "ben"],
                            machine_run=lambda p: add_machine_suggestions(p, progress))
    written = write_report(project, out_dir, options)
    return project, written
