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


def test_report_by_a_field_the_project_lacks_is_one_line(study: Project, tmp_path: Path) -> None:
    study.close()
    result = CliRunner().invoke(cli, ["-p", study.target, "report", "--out", str(tmp_path / "r"), "--by", "cohort"])
    assert result.exit_code == 2 and "--by 'cohort': the project has no such field" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "r").exists()


def test_report_polish(study: Project, study_files: Path, tmp_path: Path) -> None:
    """Seen in the demo report: pandas row numbers as a first column, sheet names cut
    mid-word, wave stored as text, pct_change labelled a percentage, a waves figure
    mixing code levels, a co-occurrence figure of the most used codes rather than the
    pairs, labels cut short."""
    import re

    from openpyxl import load_workbook

    later = (study_files / "CEO-07 wave 2.txt")
    later.write_text("Interviewer: And now?\n\nCEO-07: The board relations are calmer. Funding is still the worry, "
                     "but my confidence is back.\n", encoding="utf-8")
    study.ingest(later, progress=False, wave="2")
    study.code("CEO-07 wave 1", ["Impact/Confidence", "Issues/Sustainability"],
               quote="I regained that confidence I had lost.")
    study.code("CEO-07 wave 1", ["Issues/Governance/Board relations", "Issues/Sustainability"],
               quote="our chair and I argued about the budget")
    study.code("CEO-07 wave 2", ["Issues/Governance/Board relations", "Issues/Sustainability"],
               quote="The board relations are calmer.")
    study.code("CEO-07 wave 2", "Impact/Confidence", quote="my confidence is back")
    study.code("Mentor-03 wave 1", ["Issues/Governance/Board relations", "Impact/Confidence"],
               quote="The board relations improved a lot.")
    study.add_memo("Ask the chair about the budget row.", on="source", target="CEO-07 wave 1", author="ana")
    written = study.report(tmp_path / "report")

    markdown = written.markdown.read_text(encoding="utf-8")
    assert "Ask the chair about the budget row." in markdown.split("## ")[-2] + markdown.split("## ")[-1]
    frequencies = markdown.split("Code frequencies**", 1)[1]
    assert next(line for line in frequencies.splitlines() if line.startswith("|")).startswith("| code |")
    wb = load_workbook(written.xlsx)
    # "Participants and sources by role" is 32 characters: cut at a word, not "… by rol"
    assert "Participants and sources" in wb.sheetnames and "Participants and sources by rol" not in wb.sheetnames
    assert "Codes by role" in wb.sheetnames  # not "Codes by role (%"
    memos = wb["Memos by target"]
    assert [c.value for c in memos[3]][:3] == ["id", "target", "about"]
    assert memos.cell(row=4, column=3).value == "CEO-07 wave 1"
    excerpts = wb[next(n for n in wb.sheetnames if n.startswith("Excerpts"))]
    header = [c.value for c in excerpts[3]]
    waves = [row[header.index("wave")] for row in excerpts.iter_rows(min_row=4, values_only=True)]
    assert set(waves) == {1, 2}  # numbers, not "1"/"2" stored as text
    change = markdown.split("Change between waves**", 1)[1].split("\n\n", 2)[1]
    assert "percentage points" in markdown.split("Change between waves**", 1)[1][:3000]
    assert "| pct_change |" in change.replace("\\_", "_") or "pct_change" in change.replace("\\_", "_")

    waves_svg = next(p for p in written.figures if p.stem == "waves").with_suffix(".svg").read_text(encoding="utf-8")
    assert "Board relations" not in waves_svg  # a third-level code beside its parent would count twice
    assert "Governance" in waves_svg
    heat = next(p for p in written.figures if p.stem == "cooccurrence").with_suffix(".svg").read_text(encoding="utf-8")
    # the pairs: Sustainability with Board relations (2 excerpts) and with Confidence (1); Board relations
    # with Confidence (1): each label once per axis, the same on both
    for name in ("Sustainability", "Board relations", "Confidence"):
        assert heat.count(f">{name}<") in (0, 2) or heat.count(name) >= 2
    assert "Leadership" not in heat  # used by nobody: not in a top pair


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
