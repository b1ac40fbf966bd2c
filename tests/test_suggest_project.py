"""The suggester inside a project: training data from hand coding, suggestions, rejections, models.

A small study is written and coded by hand here. "Funding" sentences all talk about
funding, grants or income, "Board" sentences about the board or trustees, so a working
suggester must find exactly the funding and board sentences of the sources nobody coded.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode import Project
from qualcode.coding.suggest.project_models import codebook_hash, training_data
from qualcode.coding.suggest.suggester import CodeSuggester
from qualcode.errors import ModelError, NotFoundError, UsageError

CODEBOOK = """\
codebook: small
codes:
  - name: Funding
    description: Money coming in or going out.
  - name: Board
  - name: Rare
"""

FUNDING = [
    "Our funding from the council was cut by a third this year.",
    "We applied for a grant from the lottery to keep the funding going.",
    "The funding gap means we may close the drop-in centre.",
    "A new grant covered the salary of our outreach worker.",
    "Most of our income now comes from one funding stream.",
    "Without that grant the income would not cover the rent.",
    "We are chasing funding from three trusts at once.",
    "The grant application about income took me most of the spring.",
    "Council funding is the biggest worry for our income.",
    "A small grant from a local trust paid for the funding bid.",
    "Our income fell when the funding contract ended.",
    "We got grant funding for two more years.",
]
BOARD = [
    "The board asked for a monthly report from me.",
    "Our trustees on the board meet every quarter.",
    "The chair of the board supported me with the trustees.",
    "Two new trustees joined the board in May.",
    "The board of trustees was worried about the plan.",
    "I present to the board and the trustees twice a year.",
    "The trustees on our board are all volunteers.",
    "One board member and two trustees left in the summer.",
]
NEUTRAL = [
    "I enjoyed the sessions with my mentor.",
    "We usually met in a cafe near the station.",
    "She asked good questions about my week.",
    "The weather made travelling difficult.",
    "I learnt to listen before I answered.",
    "My team noticed I was calmer.",
    "We talked about my holiday plans.",
    "The sessions lasted about an hour.",
    "I kept a notebook of what we discussed.",
    "He shared stories from his own career.",
    "It took a while to find a good time to talk.",
    "I would recommend it to a colleague.",
    "The first meeting felt a bit awkward.",
    "We laughed a lot in the later sessions.",
    "I felt listened to for the first time in years.",
    "Sometimes we just walked and talked.",
]
# Sources nobody coded: new sentences with the same telling words.
NEW_FUNDING = ["The funding from the health trust ends in March.", "We lost a grant and our income dropped."]
NEW_BOARD = ["The board and the trustees signed off the budget."]
NEW_NEUTRAL = ["My mentor lent me a book about listening.", "We met online when the trains were on strike.",
               "The sessions gave me time to think."]
RARE = NEUTRAL[:2]  # two sentences coded "Rare": too few to learn from


def transcript(name: str, sentences: list[str]) -> str:
    """An interview: the participant's sentences in three turns between interviewer questions."""
    thirds = [sentences[i::3] for i in range(3)]
    turns = []
    for i, part in enumerate(thirds):
        turns.append(f"Interviewer: What about question {i + 1}?")
        turns.append(f"{name}: " + " ".join(part))
    return "\n\n".join(turns) + "\n"


def coded_sources() -> dict[str, dict[str, list[str]]]:
    """Four coded interviews: three funding, two board and four neutral sentences each."""
    out = {}
    for i in range(4):
        out[f"P-0{i + 1}"] = {"Funding": FUNDING[3 * i: 3 * i + 3], "Board": BOARD[2 * i: 2 * i + 2],
                             "": NEUTRAL[4 * i: 4 * i + 4]}
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    (folder / "interviews").mkdir()
    for name, parts in coded_sources().items():
        sentences = [s for group in parts.values() for s in group]
        (folder / "interviews" / f"{name}.txt").write_text(transcript(name, sentences), encoding="utf-8")
    (folder / "interviews" / "P-05.txt").write_text(
        transcript("P-05", [NEW_FUNDING[0], NEW_NEUTRAL[0], NEW_BOARD[0], NEW_NEUTRAL[1]]), encoding="utf-8")
    (folder / "interviews" / "P-06.txt").write_text(
        transcript("P-06", [NEW_NEUTRAL[2], NEW_FUNDING[1]]), encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = Project.create(folder / "study.qcproj")
    project.ingest(folder / "interviews", progress=False)
    project.import_codebook(folder / "codebook.yaml")
    for name, parts in coded_sources().items():
        for code, sentences in parts.items():
            for sentence in sentences:
                if code:
                    project.code(name, code, quote=sentence, coder="anna")
    for sentence in RARE:
        project.code("P-01", "Rare", quote=sentence, coder="anna")
    project.close()
    return folder / "study.qcproj"


@pytest.fixture
def small(template, tmp_path) -> Project:
    target = tmp_path / "study.qcproj"
    shutil.copy(template, target)
    project = Project.open(target)
    yield project
    project.close()


def model_apps(project: Project, status: str | None = "suggested") -> pd.DataFrame:
    apps = project.applications(status=status)
    return apps[apps["origin"] == "model"] if not apps.empty else apps


def suggested_texts(project: Project) -> set[tuple[str, str, str]]:
    apps = model_apps(project)
    texts = project.excerpts(status=None).set_index("excerpt_id")["text"]
    return {(s, c, texts[e]) for s, c, e in zip(apps["source"], apps["code"], apps["excerpt_id"])}


EXPECTED = {("P-05", "Funding", NEW_FUNDING[0]), ("P-05", "Board", NEW_BOARD[0]), ("P-06", "Funding", NEW_FUNDING[1])}


def test_training_data_counts_match_the_hand_coding(small):
    report = small.train_suggester(cv=False, progress=False)
    assert report.model_id == 1 and report.unit == "sentence"
    assert report.codes == ["Board", "Funding"]  # codebook order by path
    assert report.skipped == {"Rare": 2}  # two positives: left out and reported
    positives = report.scores.set_index("code")["positives"].to_dict()
    assert positives == {"Funding": 12, "Board": 8}
    # units: every participant sentence of the four coded interviews; interviewer turns and the
    # uncoded interviews are not used (unknown, not negative)
    assert report.n_units == 4 * (3 + 2 + 4) and report.n_sources == 4
    assert report.path == Path(small.target).resolve().with_name("study.models") / "1.joblib"
    assert report.path.is_file()


def test_suggestions_land_on_the_right_units_with_status_and_confidence(small):
    small.train_suggester(cv=False, progress=False)
    report = small.suggest(progress=False)
    assert report.run_id is not None and report.inserted == len(EXPECTED)
    assert suggested_texts(small) == EXPECTED
    apps = model_apps(small)
    assert set(apps["coder"]) == {"model:1"} and set(apps["status"]) == {"suggested"}
    assert apps["confidence"].between(0.5, 1.0).all()  # sure calls on such telling words
    assert (apps["run_id"] == report.run_id).all()
    # the units already coded by anna carry their codes: nothing is suggested there
    assert set(apps["source"]) == {"P-05", "P-06"}
    counts = report.counts.set_index("code")
    assert counts.loc["Funding", "new"] == 2 and counts.loc["Board", "new"] == 1


def test_rerunning_adds_nothing_and_dry_run_writes_nothing(small):
    small.train_suggester(cv=False, progress=False)
    dry = small.suggest(dry_run=True, progress=False)
    assert dry.new == len(EXPECTED) and dry.run_id is None and model_apps(small, None).empty
    first = small.suggest(progress=False)
    before = len(small.applications(status=None))
    again = small.suggest(progress=False)
    assert again.run_id is None and again.inserted == 0 and again.new == 0
    assert again.summary().startswith("nothing new")
    assert len(small.applications(status=None)) == before
    assert first.inserted == len(EXPECTED)


def test_two_processes_suggest_the_same_as_one(small):
    small.train_suggester(cv=False, progress=False)
    one = small.suggest(threshold=0.0, dry_run=True, progress=False).suggestions
    two = small.suggest(threshold=0.0, dry_run=True, n_process=2, progress=False).suggestions
    pd.testing.assert_frame_equal(one, two)
    with pytest.raises(UsageError):
        small.suggest(n_process=0, progress=False)


def test_a_dask_cluster_suggests_the_same_as_one_process(small):
    pytest.importorskip("distributed")
    small.train_suggester(cv=False, progress=False)
    one = small.suggest(threshold=0.0, dry_run=True, progress=False).suggestions
    on_cluster = small.suggest(threshold=0.0, dry_run=True, cluster="local:2", progress=False).suggestions
    pd.testing.assert_frame_equal(one, on_cluster)


def test_apply_stores_applied_codes_decided_by_the_runner(small, monkeypatch):
    monkeypatch.setenv("QUALCODE_CODER", "ben")
    small.train_suggester(cv=False, progress=False)
    small.suggest(apply=True, progress=False)
    apps = model_apps(small, "applied")
    assert len(apps) == len(EXPECTED) and set(apps["decided_by"]) == {"ben"}
    assert model_apps(small).empty


def test_threshold_and_top_k(small):
    small.train_suggester(cv=False, progress=False)
    every = small.suggest(sources="P-06", threshold=0.0, dry_run=True, progress=False).suggestions
    # threshold 0: every code the model knows, for each of P-06's two participant sentences
    assert len(every) == 2 * 2 and set(every["code"]) == {"Funding", "Board"}
    top = small.suggest(sources="P-06", threshold=0.0, top_k=1, dry_run=True, progress=False).suggestions
    assert len(top) == 2
    best = every.sort_values("confidence", ascending=False).drop_duplicates(["start"])
    assert set(zip(top["start"], top["code"])) == set(zip(best["start"], best["code"]))
    with pytest.raises(UsageError):
        small.suggest(threshold=1.5, progress=False)


def test_rejected_suggestions_are_negative_evidence(small):
    first = small.train_suggester(cv=False, progress=False)
    small.suggest(progress=False)
    queue = small.review_queue(origin="model")
    target = queue[(queue["code"] == "Funding") & (queue["text"] == NEW_FUNDING[0])]
    assert len(target) == 1
    before = float(target["confidence"].iloc[0])
    assert small.reject(target["application_id"], by="anna") == 1

    second = small.train_suggester(cv=False, progress=False)
    assert second.model_id > first.model_id and second.rejected == 1  # ids are run ids, shared with suggestion runs
    # the rejected unit of a source nobody coded is now a training unit: a weighted negative
    assert second.n_units == first.n_units + 1
    column = list(CodeSuggester.load(second.path).classes_).index("Funding")
    after = float(CodeSuggester.load(second.path).predict_proba([NEW_FUNDING[0]])[0, column])
    old = float(CodeSuggester.load(first.path).predict_proba([NEW_FUNDING[0]])[0, column])
    assert old == pytest.approx(before)
    assert after < before - 0.05
    # the new model does not bring the rejected suggestion back
    small.suggest(progress=False)
    again = small.applications(status=None, code="Funding")
    mine = again[again["source"] == "P-05"]
    assert mine["status"].tolist() == ["rejected"]


def test_model_is_saved_recorded_and_refused_after_the_codebook_changed(small):
    report = small.train_suggester(cv=False, progress=False)
    models = small.models()
    assert models[["model_id", "unit", "coders", "codes", "units", "file"]].values.tolist() == [
        [1, "sentence", "all", 2, report.n_units, True]]
    loaded = CodeSuggester.load(report.path)
    assert loaded.metadata_["codebook_hash"] == codebook_hash(small.codes()["path"])
    assert loaded.metadata_["model_id"] == 1 and list(loaded.classes_) == ["Board", "Funding"]
    small.add_code("Staff")
    with pytest.raises(ModelError, match=r"model 1 \(1.joblib\): the codebook changed"):
        small.suggest(progress=False)
    with pytest.raises(NotFoundError, match="no model 7"):
        small.suggest(model=7, progress=False)


def test_a_model_file_moved_with_the_project_is_found(small, tmp_path):
    report = small.train_suggester(cv=False, progress=False)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    small.close()
    shutil.move(str(tmp_path / "study.qcproj"), moved / "study.qcproj")
    shutil.move(str(report.path.parent), moved / "study.models")
    project = Project.open(moved / "study.qcproj")
    try:
        assert project.suggest(progress=False).inserted == len(EXPECTED)
    finally:
        project.close()


def test_coders_and_errors(small):
    small.code("P-05", "Board", quote=NEW_NEUTRAL[0], coder="ben")  # ben's odd coding
    only_anna = small.train_suggester(coders="anna", cv=False, progress=False)
    assert only_anna.n_sources == 4  # P-05 is read by ben, not anna: unknown for anna's model
    everyone = small.train_suggester(cv=False, progress=False)
    assert everyone.n_sources == 5
    # ben read P-05 but only ever uses Board: its sentences are Board negatives, Funding unknowns
    data = training_data(small.database)
    row = data.units.index[data.units["text"] == NEW_FUNDING[0]][0]
    assert data.Y.loc[row].to_dict() == {"Board": 0, "Funding": -1}
    with pytest.raises(NotFoundError, match="coder 'carl'"):
        small.train_suggester(coders="carl", cv=False, progress=False)
    with pytest.raises(ModelError, match="no code has 50 or more"):
        small.train_suggester(cv=False, min_positives=50, progress=False)


def test_evaluate_suggester_cross_validates_per_code(small):
    frame = small.evaluate_suggester(folds=4)
    assert frame["code"].tolist() == ["Board", "Funding"]
    scores = frame.set_index("code")
    assert scores.loc["Funding", "support"] == 12 and scores.loc["Board", "support"] == 8
    # every held-out unit was predicted: true + false positives equals what was predicted
    tp = scores["recall"] * scores["support"]
    assert np.allclose(tp / scores["predicted"], scores["precision"])
    assert scores.loc["Funding", "f1"] >= 0.8  # the telling words carry across folds
    assert frame.attrs["unit"] == "sentence" and frame.attrs["skipped"] == {"Rare": 2}
    assert 0.0 <= frame.attrs["macro_f1"] <= 1.0


def test_cv_scores_are_recorded_with_the_model(small):
    report = small.train_suggester(folds=3, progress=False)
    assert report.scores["f1"].notna().all()
    recorded = small.models().iloc[0]
    assert recorded["cv_macro_f1"] == pytest.approx(report.scores["f1"].mean())


def test_model_suggestions_come_least_certain_first_in_the_review_queue(small):
    small.train_suggester(cv=False, progress=False)
    small.suggest(threshold=0.0, progress=False)  # every code on every unit: a spread of confidences
    queue = small.review_queue()
    assert len(queue) > 3 and (queue["origin"] == "model").all()
    distance = (queue["confidence"] - 0.5).abs().to_numpy()
    assert (np.diff(distance) >= 0).all()
    assert distance[0] < distance[-1]


def test_auto_unit_follows_the_coded_excerpts(small):
    assert training_data(small.database, unit="auto").unit == "sentence"  # anna codes sentences
    turns = small.segments()
    turns = turns[turns["speaker"].str.startswith("P-0") & turns["source"].isin(["P-01", "P-02", "P-03"])]
    for row in turns.itertuples():  # carl codes whole answers
        small.code(row.source, "Board", start=int(row.start), end=int(row.end), coder="carl")
    data = training_data(small.database, unit="auto", coders="carl", min_positives=3)
    # each turn is one paragraph in these transcripts: the two kinds tie, the finer wins
    assert data.unit == "paragraph" and len(data.units) == len(turns) == 9
    assert (data.Y["Board"] == 1).all()



def test_the_questions_own_codes_are_not_learnt(small, tmp_path):
    """Ingesting a questionnaire codes each open answer with its question's code; that
    code says where a text came from, not what it says, so the suggester never learns it."""
    answers = [f"My mentor helped me think about {topic} in a new and practical way."
               for topic in ("staff", "volunteers", "the budget", "our partners", "the premises", "the website")]
    rows = "\n".join(f'R{i},"{text}"' for i, text in enumerate(answers, 1))
    (tmp_path / "survey.csv").write_text("respondent,what_changed\n" + rows + "\n", encoding="utf-8")
    small.ingest(tmp_path / "survey.csv", kind="questionnaire", key_column="respondent", progress=False)
    question_codes = [c for c in small.applications()["code"].unique() if c.startswith("Questionnaire/")]
    assert question_codes and (small.applications()["code"].isin(question_codes)).sum() == len(answers)
    report = small.train_suggester(cv=False, progress=False)
    assert report.codes == ["Board", "Funding"]
    assert not any(code.startswith("Questionnaire") for code in report.skipped)
