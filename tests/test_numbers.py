"""Numbers that mean one thing everywhere (issue 18): listings that honour their
filters, one definition of each headline number, bases named."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli

RULES_CODEBOOK = """\
codebook: tiny-rules
codes:
  - name: Impact
    children:
      - name: Confidence
        rules:
          unit: sentence
          keywords: ["confidence"]
  - name: Issues
    children:
      - name: Governance
        rules:
          unit: sentence
          keywords: ["board"]
"""


def _csv(result) -> pd.DataFrame:
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.output))


def test_excerpts_listing_honours_status_without_a_code(study: Project, tmp_path: Path) -> None:
    """Two rule suggestions (one rejected, one left suggested) and one passage a person
    coded: the default listing is the one coded excerpt, --status suggested the suggestion,
    --status any all three."""
    (tmp_path / "rules.yaml").write_text(RULES_CODEBOOK, encoding="utf-8")
    study.import_codebook(tmp_path / "rules.yaml")
    study.autocode(progress=False)
    queue = study.review_queue()
    assert queue["excerpt_id"].nunique() == len(queue) >= 2
    study.reject(int(queue["application_id"].iloc[0]))
    study.code("Mentor-03 wave 1", "Impact/Leadership", quote="She found her voice with the trustees.",
               coder="ana")
    study.close()
    runner = CliRunner()
    listed = _csv(runner.invoke(cli, ["-p", study.target, "excerpts", "--format", "csv"]))
    assert listed["text"].tolist() == ["She found her voice with the trustees."]
    assert (listed["codes"] != "").all()
    suggested = _csv(runner.invoke(cli, ["-p", study.target, "excerpts", "--status", "suggested", "--format", "csv"]))
    assert len(suggested) == len(queue) - 1
    assert "She found her voice with the trustees." not in suggested["text"].tolist()
    everything = _csv(runner.invoke(cli, ["-p", study.target, "excerpts", "--status", "any", "--format", "csv"]))
    assert len(everything) == len(queue) + 1
