"""Every notebook in notebooks/ runs from top to bottom without an error (as CI runs it)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert any(o.get("output_type") in ("display_data", "execute_result") for cell in notebook.cells
               if cell.cell_type == "code" for o in cell.get("outputs", []))
    if path.stem == "walkthrough":
        _the_review_section_shows_a_queue(notebook)


def _the_review_section_shows_a_queue(notebook) -> None:
    """The text promises a review queue, least certain first: the notebook must show one."""
    import re

    cell = next(c for c in notebook.cells if c.cell_type == "code" and "queue = project.review_queue()" in c.source)
    printed = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    waiting = int(re.search(r"(\d+) suggestions await review", printed).group(1))
    assert waiting > 0
    table = next(o for o in cell.outputs if o.get("output_type") == "execute_result")["data"]["text/html"]
    assert table.count("<tr") >= 6  # a header and five suggestions
    after = next(c for c in notebook.cells if c.cell_type == "code" and "project.accept(queue" in c.source)
    left = "".join(o.get("text", "") for o in after.outputs if o.get("output_type") == "stream")
    assert f"{waiting - 2} still to review" in left
