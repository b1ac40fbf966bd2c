"""Numbers that mean one thing everywhere (issue 18): listings that honour their
filters, one definition of each headline number, bases named."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

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


def test_quotes_without_descriptors_get_a_neutral_label(project: Project, study_files: Path) -> None:
    """No descriptors at all: each quote is attributed to "Participant N" (cases in name
    order), never an empty "— "."""
    project.ingest(study_files / "interviews", progress=False)
    project.import_codebook(study_files / "codebook.yaml")
    (study_files / "cases.csv").write_text("participant\nCEO-07\nMentor-03\n", encoding="utf-8")
    project.import_descriptors(study_files / "cases.csv", key="participant")
    project.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.")
    project.code("Mentor-03 wave 1", "Impact/Confidence", quote="She found her voice with the trustees.")
    quotes = project.quotes("Impact/Confidence", fields=[])
    assert sorted(quotes["attribution"]) == ["Participant 1", "Participant 2"]
    project.close()
    shown = CliRunner().invoke(cli, ["-p", project.target, "quotes", "Impact/Confidence", "--field", "wave"])
    assert shown.exit_code == 0 and "\u2014 wave 1" in shown.output
    bare = CliRunner().invoke(cli, ["-p", project.target, "quotes", "Impact/Confidence"])
    assert "\u2014 \n" not in bare.output and bare.output.count("\u2014 ") == 2


def test_memos_are_listed_by_target_with_what_they_are_about(study: Project) -> None:
    excerpt = study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.")
    study.add_memo("Plan: CEOs first.", author="ana")
    study.add_memo("Check the board passage.", on="source", target="CEO-07 wave 1", author="ben")
    study.add_memo("Self-belief, not skills.", on="code", target="Impact/Confidence", author="ana")
    study.add_memo("Strong quote.", on="excerpt", target=excerpt, author="ana")
    study.close()
    runner = CliRunner()
    listed = _csv(runner.invoke(cli, ["-p", study.target, "memos", "--format", "csv"]))
    assert listed["about"].tolist() == ["project", "CEO-07 wave 1", "Impact/Confidence",
                                        f"excerpt {excerpt} (CEO-07 wave 1)"]
    assert listed["author"].tolist() == ["ana", "ben", "ana", "ana"]
    on_codes = _csv(runner.invoke(cli, ["-p", study.target, "memos", "--on", "code", "--format", "csv"]))
    assert on_codes["text"].tolist() == ["Self-belief, not skills."]
    table = runner.invoke(cli, ["-p", study.target, "memos"])
    assert table.exit_code == 0 and "Check the board passage." in table.output


def test_codebook_show_keeps_the_codebook_order_and_sources_print_no_na(study: Project, study_files: Path) -> None:
    (study_files / "notes.txt").write_text("Team meeting notes: recruitment is slow.\n", encoding="utf-8")
    study.ingest(study_files / "notes.txt", progress=False)
    (study_files / "ordered.yaml").write_text(
        "codebook: ordered\ncodes:\n  - name: Process\n    children:\n      - name: Matching\n"
        "      - name: Endings\n  - name: Arenas\n    children:\n      - name: Self\n      - name: Organisation\n",
        encoding="utf-8")
    study.import_codebook(study_files / "ordered.yaml")
    study.close()
    runner = CliRunner()
    shown = runner.invoke(cli, ["-p", study.target, "codebook", "show"]).output.splitlines()
    names = [line.split("  - ")[0].strip() for line in shown]
    ordered = [n for n in names if n in {"Process", "Matching", "Endings", "Arenas", "Self", "Organisation"}]
    assert ordered == ["Process", "Matching", "Endings", "Arenas", "Self", "Organisation"]
    listing = runner.invoke(cli, ["-p", study.target, "sources"]).output
    assert "notes" in listing and "<NA>" not in listing and "nan" not in listing


OTTER_LIKE = """Interviewer: So how did the mentoring go for you?

P04: Yeah, I think, you know, it was like the meetings that mattered. Okay, so the meeting in March, right,
that was the one where the board finally listened. I mean, honestly, the board meetings are a bit better now.

Interviewer: Anything else?

P04: Yeah, the budget. You know, the budget was the thing, really.
"""
MEMO_DOC = "Board paper. We think the budget is right. You know the board: like every board, it wants a plan.\n"


def _word_project(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "P04 interview.txt").write_text(OTTER_LIKE, encoding="utf-8")
    (tmp_path / "words" / "board paper.md").write_text(MEMO_DOC, encoding="utf-8")
    project.ingest(tmp_path / "words" / "P04 interview.txt", kind="transcript", progress=False)
    project.ingest(tmp_path / "words" / "board paper.md", kind="document", progress=False)
    return project


def test_transcript_words_leave_out_fillers_and_fold_plurals(project: Project, tmp_path: Path) -> None:
    """Counted by hand from the participant's turns: "meetings", "meeting", "meetings" are one
    lemma (3); board 2 in the interview + 3 in the paper; fillers (yeah, think, know, like,
    okay, right, mean, thing, bit) are gone from the interview but "think", "know", "like"
    and "right" still count in the written board paper."""
    _word_project(project, tmp_path)
    words = project.word_frequencies().set_index("word")["count"]
    meeting_forms = [w for w in words.index if w.startswith("meet")]
    assert len(meeting_forms) == 1 and words[meeting_forms[0]] == 3
    assert words["board"] == 5 and words["budget"] == 3
    assert {"yeah", "okay", "thing", "bit", "mean"}.isdisjoint(words.index)
    assert words["think"] == 1 and words["know"] == 1 and words["like"] == 1 and words["right"] == 1
    everything = project.word_frequencies(conversation_stop=False).set_index("word")["count"]
    assert everything["yes"] == 2 and everything["know"] == 3 and everything["think"] == 2  # "yeah" is "yes"


def test_wordcloud_takes_a_stop_file_and_keep_filler(project: Project, tmp_path: Path, monkeypatch) -> None:
    """The cloud is drawn from the words the stop lists leave (the drawing function is
    watched: the PNG itself holds pixels, not words)."""
    from qualcode.report import clouds

    drawn: list[set[str]] = []
    real = clouds.word_cloud
    monkeypatch.setattr(clouds, "word_cloud", lambda words, **kw: (drawn.append(set(words["word"])), real(words, **kw))[1])
    _word_project(project, tmp_path)
    project.close()
    (tmp_path / "stop.txt").write_text("board\nbudget\n", encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "cloud.png"
    done = runner.invoke(cli, ["-p", project.target, "wordcloud", "--words", "--out", str(out),
                               "--stop", str(tmp_path / "stop.txt")])
    assert done.exit_code == 0, done.output
    assert out.exists() and drawn[-1] and {"board", "budget", "yes"}.isdisjoint(drawn[-1])
    kept = runner.invoke(cli, ["-p", project.target, "wordcloud", "--words", "--out", str(out), "--keep-filler"])
    assert kept.exit_code == 0 and {"yes", "board"} <= drawn[-1]
    listed = _csv(runner.invoke(cli, ["-p", project.target, "stats", "words", "--stop", str(tmp_path / "stop.txt"),
                                      "--format", "csv"]))
    assert "board" not in set(listed["word"]) and "yes" not in set(listed["word"])


TRUST_CODEBOOK = """\
codebook: trust
codes:
  - name: Impact
    children:
      - name: Confidence
        rules:
          unit: sentence
          keywords: ["confidence", "voice"]
  - name: Issues
    children:
      - name: Governance
        rules:
          unit: sentence
          keywords: ["board"]
"""


def _trust_project(study: Project, tmp_path: Path) -> Project:
    (tmp_path / "trust.yaml").write_text(TRUST_CODEBOOK, encoding="utf-8")
    study.import_codebook(tmp_path / "trust.yaml")
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="ana")
    return study


def test_rule_evaluation_uses_completely_coded_sources_or_says_what_it_assumes(study: Project,
                                                                              tmp_path: Path) -> None:
    """Rule units by hand: Confidence hits three sentences (two with "confidence" in CEO-07,
    one with "voice" in Mentor-03), Governance two ("board", one in each). ana coded one
    Confidence sentence. Unmarked, only CEO-07 (where ana coded) is compared, and the
    summary says loudly what is assumed; with both sources marked done by ana, Mentor-03
    counts too, its hits wrong: Confidence precision 1/3, Governance 0/2."""
    _trust_project(study, tmp_path)
    unmarked = study.evaluate_rules(progress=False)
    assert unmarked.summary().startswith("ASSUMED: no source is marked as coded completely")
    assert unmarked.sources == 1
    assert unmarked.table.set_index("code").loc["Impact/Confidence", "precision"] == pytest.approx(1 / 2)
    study.mark_coded(["CEO-07 wave 1", "Mentor-03 wave 1"], coder="ana")
    marked = study.evaluate_rules(progress=False)
    assert marked.assumption is None and not marked.summary().startswith("ASSUMED")
    table = marked.table.set_index("code")
    assert marked.sources == 2
    assert (table.loc["Impact/Confidence", "agreed"], table.loc["Impact/Confidence", "suggested"]) == (1, 3)
    assert (table.loc["Issues/Governance", "agreed"], table.loc["Issues/Governance", "suggested"]) == (0, 2)


def test_each_suggestion_has_its_own_confidence_and_a_batch_accept_undoes_alone(study: Project,
                                                                               tmp_path: Path) -> None:
    """Calibrated on ana's complete coding of both sources: keyword "confidence" brought in
    2 units, 1 agreed -> (1+1)/(2+2) = .5; "voice" 1 unit, 0 agreed -> 1/3; so the two
    "confidence" sentences and the "voice" one differ (one number per code would give all
    three (1+1)/(3+2) = .4). Accepting above .45 takes the two; undoing that batch puts
    back the one nobody touched since, keeps the one the reviewer rejected afterwards, and
    leaves the run's other suggestions and the hand coding alone."""
    _trust_project(study, tmp_path)
    study.mark_coded(["CEO-07 wave 1", "Mentor-03 wave 1"], coder="ana")
    study.autocode(calibrate=True, coders="ana", progress=False)
    queue = study.review_queue()
    confidence = queue[queue["code"] == "Impact/Confidence"].set_index("text")["confidence"]
    assert confidence["I regained that confidence I had lost."] == pytest.approx(0.5)
    assert confidence["I regained that confidence slowly."] == pytest.approx(0.5)
    assert confidence["She found her voice with the trustees."] == pytest.approx(1 / 3)
    assert queue.loc[queue["code"] == "Issues/Governance", "confidence"].tolist() == pytest.approx([1 / 4, 1 / 4])

    assert study.accept_above("Impact/Confidence", 0.45, by="ana") == 2
    accepted = study.applications(status="applied", origin="rule")
    later = int(accepted[accepted["start"] == accepted["start"].max()]["application_id"].iloc[0])
    study.reject(later, by="ana")  # a later edit of the reviewer's own
    study.code("Mentor-03 wave 1", "Issues/Governance", quote="The board relations improved a lot.", coder="ana")
    done = study.undo_batch()
    assert done == {"undone": 1, "kept": 1}
    after = study.applications(status=None).set_index("application_id")
    assert after.loc[later, "status"] == "rejected"
    assert len(study.review_queue()) == len(queue) - 1  # all but the rejected one are suggestions again
    assert len(study.applications(coder="ana")) == 2  # the hand coding stays
    assert study.decision_batches()["undone"].notna().all()
    with pytest.raises(Exception, match="undone already"):
        study.undo_batch(1)


def _headline_from_markdown(text: str) -> dict[str, int]:
    import re

    line = next(line for line in text.splitlines() if line.startswith("**") and "coded excerpt" in line)
    found = dict((kind, int(n.replace(",", ""))) for n, kind in
                 re.findall(r"([\d,]+) (source|coded excerpt|participant)s?", line))
    base = re.search(r"\(([\d,]+) of them with coded material, the base of every %\)", line)
    return {"sources": found["source"], "coded_excerpts": found["coded excerpt"], "cases": found["participant"],
            "base": int(base.group(1)) if base else -1}


def _tiles_from_html(text: str) -> dict[str, str]:
    import re

    tiles = re.search(r'<ul class="headline">(.*?)</ul>', text, re.S).group(1)
    return {what: n for n, what in re.findall(r'<span class="n">([^<]+)</span><span class="what">([^<]+)</span>', tiles)}


def test_headline_numbers_are_the_same_through_cli_api_notebook_and_report(study: Project, tmp_path: Path) -> None:
    """Two interviews coded by hand, a document nobody coded, rule suggestions nobody
    accepted: coded excerpts are the 3 hand-coded passages (not the suggestions), sources
    3, cases 2, and Impact/Confidence is raised by 1 of the 2 participants with coded
    material (50%, not 1 of 3 units with material) -- the same through all four. A third
    participant (R-11) is a case with no coded material: the project holds 3 participants, 2 of
    them with coded material, the base of every % -- and every headline says both."""
    import json

    import nbformat
    from nbclient import NotebookClient

    (tmp_path / "rules.yaml").write_text(RULES_CODEBOOK, encoding="utf-8")
    study.import_codebook(tmp_path / "rules.yaml")
    (tmp_path / "notes.txt").write_text("Steering group notes: the board asked about confidence.\n", encoding="utf-8")
    study.ingest(tmp_path / "notes.txt", progress=False)
    (tmp_path / "cases.csv").write_text("participant,role\nCEO-07,CEO\nMentor-03,Mentor\nR-11,CEO\n", encoding="utf-8")
    study.import_descriptors(tmp_path / "cases.csv", key="participant")
    study.autocode(progress=False)
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="ana")
    study.code("CEO-07 wave 1", "Issues/Governance", quote="The board was difficult", coder="ana")
    study.code("Mentor-03 wave 1", "Issues/Governance/Board relations", quote="The board relations improved a lot.",
               coder="ana")
    expected = {"sources": 3, "coded_excerpts": 3, "cases": 3, "base": 2}
    sentence = "3 sources, 3 coded excerpts, 3 participants in the project (2 of them with coded material, " \
               "the base of every %)"
    api = study.summary()
    assert api["headline"] == sentence
    api_pct = study.frequencies().set_index("code").loc["Impact/Confidence", "pct_cases"]
    assert {k: api[k] for k in expected} == expected and api_pct == 50.0
    study.close()

    runner = CliRunner()
    status = json.loads(runner.invoke(cli, ["-p", study.target, "status", "--format", "json"]).output)
    cli_pct = _csv(runner.invoke(cli, ["-p", study.target, "stats", "frequencies", "--format", "csv"])) \
        .set_index("code").loc["Impact/Confidence", "pct_cases"]
    assert {k: status[k] for k in expected} == expected and cli_pct == 50.0
    assert status["headline"] == sentence
    table = runner.invoke(cli, ["-p", study.target, "status"]).output.splitlines()
    assert table[0] == sentence + "."
    assert any(line.split() == ["participants", "in", "the", "project", "3"] for line in table)
    assert any(line.split()[-1:] == ["2"] and "base of %" in line for line in table)
    shown = runner.invoke(cli, ["-p", study.target, "stats", "frequencies"]).output
    assert "Base: the 2 participants whose material carries a code (2 coded sources)." in shown

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json\nfrom qualcode import Project\n"
        f"p = Project.open({study.target!r})\n"
        "s = p.summary()\n"
        "pct = float(p.frequencies().set_index('code').loc['Impact/Confidence', 'pct_cases'])\n"
        "print(json.dumps({'sources': s['sources'], 'coded_excerpts': s['coded_excerpts'], 'cases': s['cases'], "
        "'base': s['base'], 'pct': pct, 'headline': s['headline'], 'shown': p._repr_html_()}))")])
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    printed = json.loads(notebook.cells[0].outputs[0]["text"])
    assert {k: printed[k] for k in expected} == expected and printed["pct"] == 50.0
    assert printed["headline"] == sentence and sentence in printed["shown"].replace("&amp;", "&")

    written = runner.invoke(cli, ["-p", study.target, "report", "--out", str(tmp_path / "report")])
    assert written.exit_code == 0, written.output
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert _headline_from_markdown(markdown) == expected
    assert f"**{sentence}.**" in markdown
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert _tiles_from_html(html) == {"sources": "3", "coded excerpts": "3", "participants in the project": "3",
                                      "participants with coded material: the base of every %": "2"}
    assert f"{sentence}." in html
    table = next((tmp_path / "report" / "tables").glob("*code-frequencies*.csv"))
    report_pct = pd.read_csv(table, encoding="utf-8-sig").set_index("code").loc["Impact/Confidence", "pct_cases"]
    assert float(str(report_pct).rstrip("%")) == 50.0
    assert "Base: the 2 participants whose material carries a code (2 coded sources)." in markdown
    # the workbook's excerpts are the coded ones, not the rule suggestions nobody accepted
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "report" / "report.xlsx")
    sheet = book[next(name for name in book.sheetnames if name.startswith("Excerpts"))]
    header = [c.value for c in sheet[3]]
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if any(v is not None for v in row)]
    assert len(rows) == 3 and all(row[header.index("codes")] for row in rows)


def test_report_by_a_field_the_project_lacks_is_one_line(study: Project, tmp_path: Path) -> None:
    study.close()
    result = CliRunner().invoke(cli, ["-p", study.target, "report", "--out", str(tmp_path / "r"), "--by", "cohort"])
    assert result.exit_code == 2 and "--by 'cohort': the project has no such field" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def polished(tmp_path_factory):
    """The tiny study with a second wave, a structural Questionnaire/ code, a cohort
    descriptor and a memo, and its report: what the report polish tests below read."""
    from conftest import CEO_07, CODEBOOK_YAML, MENTOR_03

    folder = tmp_path_factory.mktemp("polish")
    (folder / "interviews").mkdir()
    (folder / "interviews" / "CEO-07 wave 1.txt").write_text(CEO_07, encoding="utf-8")
    (folder / "interviews" / "Mentor-03 wave 1.txt").write_text(MENTOR_03, encoding="utf-8")
    (folder / "CEO-07 wave 2.txt").write_text(
        "Interviewer: And now?\n\nCEO-07: The board relations are calmer. Funding is still the worry, "
        "but my confidence is back.\n", encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK_YAML + "  - name: Questionnaire\n    children:\n"
                                          "      - name: q1\n", encoding="utf-8")
    (folder / "people.csv").write_text("participant,role,mode,cohort\nCEO-07,CEO,online,2023\n"
                                       "Mentor-03,Mentor,face to face,2024\n", encoding="utf-8")
    study = Project.create(folder / "study.qcproj", title="Tiny study")
    study.ingest(folder / "interviews", progress=False)
    study.ingest(folder / "CEO-07 wave 2.txt", progress=False, wave="2")
    study.import_descriptors(folder / "people.csv", key="participant")
    study.import_codebook(folder / "codebook.yaml")
    study.code("CEO-07 wave 1", ["Impact/Confidence", "Issues/Sustainability"],
               quote="I regained that confidence I had lost.")
    study.code("CEO-07 wave 1", ["Issues/Governance/Board relations", "Issues/Sustainability"],
               quote="our chair and I argued about the budget")
    study.code("CEO-07 wave 2", ["Issues/Governance/Board relations", "Issues/Sustainability"],
               quote="The board relations are calmer.")
    study.code("CEO-07 wave 2", ["Impact/Confidence", "Questionnaire/q1"], quote="my confidence is back")
    study.code("Mentor-03 wave 1", ["Issues/Governance/Board relations", "Impact/Confidence", "Questionnaire/q1"],
               quote="The board relations improved a lot.")
    study.add_memo("Ask the chair about the budget row.", on="source", target="CEO-07 wave 1", author="ana")
    written = study.report(folder / "report")
    study.close()
    return written


def _table_lines(markdown: str, caption: str) -> list[str]:
    after = markdown.split(f"{caption}**", 1)[1]
    return [line for line in after.split("\n\n", 2)[1].splitlines() if line.startswith("|")]


def test_report_md_has_no_pandas_row_numbers(polished) -> None:
    """Polish: "a pandas index column in report.md and some sheets": no table opens with a
    nameless column of row numbers."""
    from openpyxl import load_workbook

    markdown = polished.markdown.read_text(encoding="utf-8")
    lines = markdown.splitlines()
    headers = [line for line, below in zip(lines, lines[1:]) if line.startswith("|") and below.startswith(("|:", "|-"))]
    assert len(headers) >= 8
    assert [h for h in headers if h.split("|")[1].strip() == ""] == []
    assert _table_lines(markdown, "Code frequencies")[0].startswith("| code |")
    book = load_workbook(polished.xlsx)
    for name in book.sheetnames[1:]:
        sheet = book[name]
        if sheet.max_row >= 4 and sheet.cell(row=3, column=2).value is not None:
            assert sheet.cell(row=3, column=1).value not in (None, ""), name


def test_sheet_names_are_cut_at_a_word(polished) -> None:
    """Polish: sheet names cut mid-word at 31 characters ("Do answers differ by role Krusk")."""
    from openpyxl import load_workbook

    names = load_workbook(polished.xlsx).sheetnames
    # "Participants and sources by role" is 32 characters: cut at a word, not "… by rol"
    assert "Participants and sources" in names and "Participants and sources by rol" not in names
    assert "Codes by role" in names  # not "Codes by role (%"
    words = {w for name in names for w in name.split()}
    assert not {"rol", "Krusk", "(%", "differ by role Krusk"} & words


def test_wave_and_cohort_are_numbers_in_the_workbook(polished) -> None:
    """Polish: "wave and cohort stored as text"."""
    from openpyxl import load_workbook

    book = load_workbook(polished.xlsx)
    excerpts = book[next(n for n in book.sheetnames if n.startswith("Excerpts"))]
    header = [c.value for c in excerpts[3]]
    rows = list(excerpts.iter_rows(min_row=4, values_only=True))
    assert {row[header.index("wave")] for row in rows} == {1, 2}
    assert {row[header.index("cohort")] for row in rows} == {2023, 2024}


def test_pct_change_is_in_percentage_points(polished) -> None:
    """Polish: "pct_change shown as % but is percentage points". CEO-07 raised
    Sustainability in wave 1 (1 of 2 participants: 50%) and wave 2 (1 of 1: 100%):
    +50 points, not "50.0%"."""
    markdown = polished.markdown.read_text(encoding="utf-8")
    section = markdown.split("Change between waves**", 1)[1][:3000]
    assert "percentage points" in section
    lines = _table_lines(markdown, "Change between waves")
    header = [c.strip().replace("\\_", "_") for c in lines[0].strip("|").split("|")]
    row = next(line for line in lines if line.startswith("| Issues/Sustainability |"))
    cell = [c.strip() for c in row.strip("|").split("|")][header.index("pct_change")]
    assert not cell.endswith("%") and float(cell.lstrip("+")) == 50.0


def test_waves_figure_shows_one_level(polished) -> None:
    """Polish: "the waves figure mixes code levels"."""
    svg = next(p for p in polished.figures if p.stem == "waves").with_suffix(".svg").read_text(encoding="utf-8")
    assert "Board relations" not in svg  # a third-level code beside its parent would count twice
    assert "Governance" in svg


def test_cooccurrence_shows_the_top_pairs_with_the_same_labels(polished) -> None:
    """Polish: "the co-occurrence heat map is mostly zeros with cut, differently-prefixed
    labels". The pairs (by hand): Sustainability with Board relations (2 excerpts) and
    with Confidence (1); Board relations with Confidence (1): each label once per axis."""
    heat = next(p for p in polished.figures if p.stem == "cooccurrence").with_suffix(".svg").read_text(encoding="utf-8")
    for name in ("Sustainability", "Board relations", "Confidence"):
        assert heat.count(name) >= 2
    assert "Leadership" not in heat  # used by nobody: not in a top pair


def test_structural_codes_stay_out_of_crosstab_and_wave_tables(polished) -> None:
    """Polish: "the structural Questionnaire/… code appears in crosstab and wave tables":
    not in ``stats crosstab``, ``stats waves`` nor the report's tables."""
    target = str(polished.folder.parent / "study.qcproj")
    runner = CliRunner()
    for command in (["stats", "crosstab", "--by", "role"], ["stats", "waves"]):
        shown = runner.invoke(cli, ["-p", target, *command, "--format", "csv"])
        assert shown.exit_code == 0, shown.output
        assert "Questionnaire" not in shown.output and "Impact/Confidence" in shown.output
    tables = [t for t in polished.csv if "codes-by" in t.name or "wave" in t.name]
    assert tables
    for table in tables:
        frame = pd.read_csv(table, encoding="utf-8-sig")
        column = "code" if "code" in frame.columns else frame.columns[0]
        assert not frame[column].astype(str).str.startswith("Questionnaire").any(), table.name


def test_memos_are_in_the_report_and_the_workbook(polished) -> None:
    from openpyxl import load_workbook

    markdown = polished.markdown.read_text(encoding="utf-8")
    assert "Ask the chair about the budget row." in markdown.split("## ")[-2] + markdown.split("## ")[-1]
    memos = load_workbook(polished.xlsx)["Memos by target"]
    assert [c.value for c in memos[3]][:3] == ["id", "target", "about"]
    assert memos.cell(row=4, column=3).value == "CEO-07 wave 1"


def test_an_imported_qualcoder_project_keeps_interviewer_questions_out_of_words(tmp_path: Path) -> None:
    """The QualCoder fixture's four interviews open with the same question, "I: What stops
    you going?": the interviewer's turns are not the participants' words, so "stop" and
    "go" (4 times each, counted by hand) must not top -- or enter -- the counts, the cloud
    or the report, as for an ingested transcript. By hand, from the "R:" turns: cost 2
    (cost, Cost), time 2, and nothing else twice. The single-letter labels are no one's
    name, and the quotes say how they are attributed without claiming a role or wave."""
    from test_numbers_without_cases import make_caseless_qualcoder

    project = Project.create(tmp_path / "imported.qcproj")
    report = project.import_qualcoder(make_caseless_qualcoder(tmp_path / "access.qda"))
    assert set(project.sources()["kind"]) == {"transcript"}
    roles = project.speakers().set_index("speaker")["role"]
    assert (roles["I"], roles["R"]) == ("interviewer", "participant")
    words = project.word_frequencies().set_index("word")["count"]
    assert {"stop", "go", "stops", "going"}.isdisjoint(words.index)
    assert words[words >= 2].to_dict() == {"cost": 2, "time": 2}
    candidates = project.redaction_candidates(use_ner=False)
    assert not {"R", "I"} & set(candidates["candidate"].astype(str))
    project.close()

    result = CliRunner().invoke(cli, ["-p", project.target, "report", "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    words_table = markdown.split("Most frequent words**", 1)[1].split("\n\n", 2)[1]
    assert "| stop |" not in words_table and "| go |" not in words_table and "| cost |" in words_table
    assert "for example R)" not in markdown
    assert "attributed by role" not in markdown and "at most one per source" in markdown
    bars = (tmp_path / "report" / "figures" / "code-frequencies.svg").read_text(encoding="utf-8")
    assert "top 20" not in bars  # three codes are not a "top 20"


def test_report_options_add_what_the_demo_shows(tmp_path: Path) -> None:
    """``qualcode report`` can include what ``qualcode demo`` includes (issue 18): two
    impact models (an impact and a logic model, sheets named apart, never "… (2)"),
    agreement between two named coders, the top priorities of a branch and of a group,
    and a stop list; structural ``Questionnaire/`` codes stay out of the crosstab and
    wave tables; cohort, a number, is written to the workbook as one. The study is the
    hand-counted one of test_impact.py (anna and bob coded CEO-2's confidence passage)."""
    from openpyxl import load_workbook

    from test_impact import LOGIC, MODEL, make_study, write

    project = make_study(tmp_path)
    project.import_descriptors(write(tmp_path / "cohorts.csv", "participant,role,cohort\nCEO-1,CEO,2023\n"
                                     "CEO-2,CEO,2024\nMentor-1,Mentor,2023\nMentor-2,Mentor,2024\n"
                                     "Trustee-1,Trustee,2024\n"), key="participant")
    project.close()
    out = tmp_path / "report"
    result = CliRunner().invoke(cli, [
        "-p", project.target, "report", "--out", str(out), "--by", "role",
        "--impact", str(write(tmp_path / "model.yaml", MODEL)), "--impact", str(write(tmp_path / "logic.yaml", LOGIC)),
        "--agreement", "anna,bob", "--priorities-branch", "Issues", "--priorities-for", "role=CEO",
        "--stop", str(write(tmp_path / "stop.txt", "confident\n"))])
    assert result.exit_code == 0, result.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    titles = [line[3:].split(". ", 1)[-1] for line in markdown.splitlines() if line.startswith("## ")]
    assert "Agreement between coders (anna, bob)" in titles
    assert "Test impact model" in titles and "logic" in titles  # the logic model has no title: its file's name
    assert "Top priorities in Issues" in markdown and "raised by CEO (role)" in markdown

    sheets = load_workbook(out / "report.xlsx").sheetnames
    assert not [s for s in sheets if s.endswith("(2)")] and len(sheets) == len(set(sheets))

    # "confident" is the one word said three times (CEO-1, CEO-2, Mentor-1): the stop list takes it out
    assert "confident" in _csv(CliRunner().invoke(cli, ["-p", project.target, "stats", "words", "--format", "csv"]))[
        "word"].tolist()
    assert "| confident |" not in markdown.split("Words participants used", 2)[-1]
    for table in list((out / "tables").glob("*codes-by-role*.csv")) + list((out / "tables").glob("*wave*.csv")):
        frame = pd.read_csv(table, encoding="utf-8-sig")
        if "code" in frame.columns:
            assert not frame["code"].astype(str).str.startswith("Questionnaire").any(), table.name

    excerpts = load_workbook(out / "report.xlsx")[next(s for s in sheets if s.startswith("Excerpts"))]
    header = [c.value for c in excerpts[3]]
    cohorts = {row[header.index("cohort")] for row in excerpts.iter_rows(min_row=4, values_only=True)}
    assert cohorts == {2023, 2024}


def test_heat_map_group_labels_keep_their_n() -> None:
    """A group's size is what makes its percentages readable: "(n=12)" stays whole on a
    heat map's column even when the group's name is too long for the label (issue 18:
    "heat-map group labels cut off their n")."""
    from qualcode.report.charts import heatmap

    table = pd.DataFrame({"Chief executive of a small charity in the north (n=12)": [50.0, 25.0],
                          "Mentor (n=5)": [20.0, 40.0]}, index=["Impact/Confidence", "Issues/Governance"])
    fig = heatmap(table, title="% of participants", fmt="percent")
    labels = [t.get_text() for ax in fig.axes[:1] for t in ax.get_xticklabels()]
    assert labels[0].startswith("Chief executive") and labels[0].endswith("(n=12)")
    assert labels[1] == "Mentor (n=5)"


def test_the_other_base_is_an_explicit_option(tmp_path: Path) -> None:
    """The hand-counted study of test_impact.py: Impact/Confidence is raised by CEO-1, CEO-2
    and Mentor-1. By default that is 3 of the 4 participants with coded material (75%);
    ``--base all`` (``base="all"``) counts Trustee-1 too, whose only code is structural
    (3 of 5, 60%), and each says which base it used."""
    from test_impact import make_study

    project = make_study(tmp_path)
    coded = project.frequencies().set_index("code").loc["Impact/Confidence", "pct_cases"]
    every = project.frequencies(base="all").set_index("code").loc["Impact/Confidence", "pct_cases"]
    assert (coded, every) == (75.0, 60.0)
    project.close()
    runner = CliRunner()
    shown = _csv(runner.invoke(cli, ["-p", project.target, "stats", "frequencies", "--base", "all", "--format", "csv"]))
    assert shown.set_index("code").loc["Impact/Confidence", "pct_cases"] == 60.0
    table = runner.invoke(cli, ["-p", project.target, "stats", "frequencies", "--base", "all"]).output
    assert "Base: the 5 participants with any material (6 sources)." in table
    default = runner.invoke(cli, ["-p", project.target, "stats", "frequencies"]).output
    assert "Base: the 4 participants whose material carries a code (5 coded sources)." in default
