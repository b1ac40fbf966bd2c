"""The coding workspace opened like a person opens it, in Debian's Chromium (Selenium):
say who you are, pick a source, select a passage with the mouse, choose a code, see the
stripe, and find the coding in the project; review a suggestion; two people coding the
same source at once; a transcript with an XSS payload. Screenshots go to
``$QUALCODE_SCREENSHOTS`` when set (they were looked at when these tests were written)."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import NO_BROWSER, chromium, running_server, select_text

pytestmark = pytest.mark.skipif(NO_BROWSER is not None, reason=NO_BROWSER or "")
SHOTS = os.environ.get("QUALCODE_SCREENSHOTS")


def shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def wait_for(driver, script: str, *args, timeout: float = 10.0):
    """Poll a JavaScript expression until it is truthy; its value."""
    deadline = time.time() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


def click(driver, css: str, timeout: float = 10.0) -> None:
    """Click the element; again when the page re-drew it in between (it refreshes itself)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.time() + timeout
    while True:
        try:
            driver.find_element("css selector", css).click()
            return
        except (StaleElementReferenceException, NoSuchElementException):
            if time.time() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    d = chromium()
    try:
        yield d
    finally:
        d.quit()


def start(driver, url: str, coder: str, source: str) -> None:
    """Open the page, give a coder name, open a source."""
    driver.get(url)
    driver.execute_script("localStorage.clear()")
    driver.get(url)
    wait_for(driver, "return document.querySelector('.qc-coder-input')")
    driver.find_element("css selector", ".qc-coder-input").send_keys(coder)
    click(driver, ".qc-coder-ok")
    wait_for(driver, "return document.querySelector(`.qc-source[data-source='${arguments[0]}']`)", source)
    click(driver, f".qc-source[data-source='{source}']")
    wait_for(driver, "return document.querySelector('.qc-doc-title').textContent === arguments[0] && "
                     "document.querySelectorAll('.qc-chunk').length", source)


def stripes(driver) -> list[dict[str, str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll('.qc-stripe')].map(s => ({code: s.dataset.code, coder: s.dataset.coder,"
        " id: s.dataset.id, suggested: s.classList.contains('qc-suggested')}))")


def apply_by_typing(driver, phrase: str, code_search: str, weight: str | None = None) -> None:
    select_text(driver, ".qc-chunk", phrase)
    wait_for(driver, "return !document.querySelector('.qc-picker').hidden")
    search = driver.find_element("css selector", ".qc-picker-search")
    if weight is not None:
        driver.find_element("css selector", ".qc-picker-weight").send_keys(weight)
    search.send_keys(code_search)
    search.send_keys("\n")


def test_a_person_selects_a_passage_applies_a_code_and_sees_the_stripe(study, driver) -> None:
    with running_server(study) as url:
        start(driver, url, "anna", "CEO-07 wave 1")
        assert "Interviewer" in driver.execute_script(
            "return [...document.querySelectorAll('.qc-speaker')].map(s => s.textContent).join(',')")
        apply_by_typing(driver, "I regained that confidence I had lost.", "confid", weight="4")
        wait_for(driver, "return [...document.querySelectorAll('.qc-stripe')].some(s => s.dataset.code === 'Impact/Confidence')")
        shot(driver, "web-01-coded")
        apps = study.applications()
        assert len(apps) == 1
        text = study.source_text("CEO-07 wave 1")
        row = apps.iloc[0]
        assert (row["code"], row["coder"], row["weight"]) == ("Impact/Confidence", "anna", 4.0)
        assert text[row["start"]:row["end"]] == "I regained that confidence I had lost."
        assert stripes(driver) == [{"code": "Impact/Confidence", "coder": "anna", "id": str(row["application_id"]),
                                    "suggested": False}]
        # the codebook beside the text counts it, here and in the project
        count = driver.execute_script(
            "return document.querySelector(\".qc-code[data-path='Impact/Confidence'] .qc-count\").textContent")
        assert count == "1 / 1"

        # click the stripe: change its code, then remove it
        click(driver, ".qc-stripe")
        wait_for(driver, "return !document.querySelector('.qc-detail').hidden")
        assert driver.find_element("css selector", ".qc-detail-quote").text == "I regained that confidence I had lost."
        click(driver, ".qc-change-code")
        search = driver.find_element("css selector", ".qc-picker-search")
        search.send_keys("Leadership\n")
        wait_for(driver, "return [...document.querySelectorAll('.qc-stripe')].some(s => s.dataset.code === 'Impact/Leadership')")
        assert study.applications()["code"].tolist() == ["Impact/Leadership"]

        # a memo on the excerpt, then the coding goes
        click(driver, ".qc-stripe")
        driver.find_element("css selector", ".qc-detail .qc-memo-input").send_keys("Turning point of the interview")
        click(driver, ".qc-detail .qc-memo-save")
        wait_for(driver, "return document.querySelector('.qc-detail .qc-memo-text')")
        memos = study.memos()
        assert memos[["target", "text", "author"]].values.tolist() == [["excerpt", "Turning point of the interview", "anna"]]
        click(driver, ".qc-remove")
        wait_for(driver, "return document.querySelectorAll('.qc-stripe').length === 0")
        assert study.applications().empty

        # "nothing (more) to code here" is what 'qualcode done' records
        click(driver, ".qc-done")
        wait_for(driver, "return document.querySelector('.qc-done').classList.contains('qc-on')")
        coverage = study.coverage()
        assert coverage.loc[coverage["coder"] == "anna", ["source", "marked"]].values.tolist() == [["CEO-07 wave 1", True]]


def test_a_reviewer_accepts_changes_and_undoes_a_suggestion(study, driver) -> None:
    study.update_code("Issues/Governance/Board relations", rules={"unit": "sentence", "keywords": ["board", "trustees"]})
    study.autocode(progress=False)
    queue = study.review_queue()
    assert sorted(queue["source"]) == ["CEO-07 wave 1", "Mentor-03 wave 1", "Mentor-03 wave 1"]
    with running_server(study) as url:
        start(driver, url, "ben", "CEO-07 wave 1")
        click(driver, ".qc-tab[data-mode='review']")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 1")
        assert [s["suggested"] for s in stripes(driver)] == [True]
        shot(driver, "web-02-review")
        click(driver, ".qc-suggestion .qc-accept")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 0")
        apps = study.applications(source="CEO-07 wave 1")
        assert apps[["code", "status", "decided_by"]].values.tolist() == [["Issues/Governance/Board relations", "applied", "ben"]]
        assert apps["decided_at"].notna().all()
        # undo puts it back in the queue, undecided
        click(driver, ".qc-undo")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 1")
        assert study.applications(source="CEO-07 wave 1").empty
        # right passage, wrong code
        click(driver, ".qc-suggestion .qc-recode")
        driver.find_element("css selector", ".qc-picker-search").send_keys("Sustainability\n")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 0")
        decided = study.applications(source="CEO-07 wave 1", status=None)
        assert sorted(decided[["code", "coder", "status"]].values.tolist()) == [
            ["Issues/Governance/Board relations", "rule:tiny", "rejected"], ["Issues/Sustainability", "ben", "applied"]]
        # batch: every Board relations suggestion in all sources at confidence >= 0 (Mentor-03's
        # two sentences, "board" and "trustees")
        driver.execute_script("const s = document.querySelector('.qc-queue-scope'); s.value = 'all';"
                              "s.dispatchEvent(new Event('change'))")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 2")
        driver.find_element("css selector", ".qc-batch-threshold").clear()
        driver.find_element("css selector", ".qc-batch-threshold").send_keys("0")
        click(driver, ".qc-batch-accept")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 0")
        assert study.review_queue().empty
        mentor = study.applications(source="Mentor-03 wave 1")
        assert mentor[["status", "decided_by"]].values.tolist() == [["applied", "ben"]] * 2
        batches = study.decision_batches()
        assert len(batches) == 1 and batches["undone"].isna().all()
        # meanwhile anna rejects one of them; ben's Undo takes back his batch (the numbered
        # batch of 'review --undo-batch N', not the queue's difference): the other goes back
        # in the queue and anna's later rejection stands
        text = study.source_text("Mentor-03 wave 1")
        trustees = next(int(row.application_id) for row in mentor.itertuples()
                        if "trustees" in text[row.start:row.end])
        study.reject(int(trustees), by="anna")
        click(driver, ".qc-undo")
        wait_for(driver, "return document.querySelectorAll('.qc-suggestion').length === 1")
        wait_for(driver, "return document.querySelector('.qc-status').textContent.startsWith("
                         "'Batch 1 undone: 1 back in the queue, 1 kept')")
        assert study.review_queue()["text"].tolist() == ["The board relations improved a lot."]
        after = study.applications(source="Mentor-03 wave 1", status=None).set_index("application_id")
        assert after.loc[int(trustees), ["status", "decided_by"]].tolist() == ["rejected", "anna"]
        assert study.decision_batches()["undone"].notna().all()
        assert study.applications(source="CEO-07 wave 1")["code"].tolist() == ["Issues/Sustainability"]


def test_two_coders_on_one_source_see_each_others_codings(study) -> None:
    first, second = chromium(1100, 800), chromium(1100, 800)
    try:
        with running_server(study) as url:
            start(first, url, "anna", "CEO-07 wave 1")
            start(second, url, "ben", "CEO-07 wave 1")
            apply_by_typing(first, "Funding is the big worry.", "Sustain")
            # ben's page shows anna's coding without a reload (it asks every 2 s)
            wait_for(second, "return [...document.querySelectorAll('.qc-stripe')].some(s => s.dataset.coder === 'anna')")
            apply_by_typing(second, "The board was difficult", "Board rel")
            wait_for(first, "return [...document.querySelectorAll('.qc-stripe')].some(s => s.dataset.coder === 'ben')")
            second.execute_script("const s = document.querySelector('.qc-colour-by'); s.value = 'coder';"
                                  "s.dispatchEvent(new Event('change'))")
            shot(first, "web-03-anna-sees-ben")
            shot(second, "web-04-ben-sees-anna")
            assert sorted(map(tuple, study.applications()[["coder", "code"]].values.tolist())) == [
                ("anna", "Issues/Sustainability"), ("ben", "Issues/Governance/Board relations")]
            assert sorted((s["coder"], s["code"]) for s in stripes(first)) == sorted(
                (s["coder"], s["code"]) for s in stripes(second))
    finally:
        first.quit()
        second.quit()


XSS_TRANSCRIPT = """Interviewer: What did you write in the chat?

CEO-09: I typed <script>window.__qualcodeXss = 1</script> and <img src=x onerror="window.__qualcodeXss = 2"> to test it.
"""


def test_markup_in_a_transcript_code_memo_and_name_stays_text(project, tmp_path: Path, driver) -> None:
    path = tmp_path / "CEO-09 wave 1.txt"
    path.write_text(XSS_TRANSCRIPT, encoding="utf-8")
    project.ingest(path, progress=False)
    project.add_code('<img src=x onerror="window.__qualcodeXss = 3">')
    with running_server(project) as url:
        start(driver, url, '<b onmouseover="window.__qualcodeXss = 4">eve</b>', "CEO-09 wave 1")
        apply_by_typing(driver, "I typed <script>", "img")
        wait_for(driver, "return document.querySelectorAll('.qc-stripe').length === 1")
        click(driver, ".qc-stripe")
        driver.find_element("css selector", ".qc-detail .qc-memo-input").send_keys("<script>window.__qualcodeXss = 5</script>")
        click(driver, ".qc-detail .qc-memo-save")
        wait_for(driver, "return document.querySelector('.qc-detail .qc-memo-text')")
        shot(driver, "web-05-xss-inert")
        assert driver.execute_script("return window.__qualcodeXss") is None
        assert driver.execute_script("return document.querySelectorAll('.qc-text script, .qc-root img').length") == 0
        page_text = driver.find_element("css selector", ".qc-root").text
        assert "<script>window.__qualcodeXss = 1</script>" in page_text
        assert '<img src=x onerror="window.__qualcodeXss = 3">' in page_text
        assert "<script>window.__qualcodeXss = 5</script>" in page_text
        assert project.applications()["coder"].tolist() == ['<b onmouseover="window.__qualcodeXss = 4">eve</b>']


def test_a_passage_can_be_selected_and_coded_with_the_keyboard(study, driver) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with running_server(study) as url:
        start(driver, url, "anna", "CEO-07 wave 1")
        text_before = driver.find_element("css selector", ".qc-text").text
        # put the caret before "Funding" (a click there), then Shift+Right over "Funding"
        driver.execute_script("""
            const chunk = [...document.querySelectorAll('.qc-chunk')].find(c => c.textContent.startsWith('Funding'));
            chunk.closest('.qc-text').focus();
            const r = document.createRange(); r.setStart(chunk.firstChild, 0); r.collapse(true);
            const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);""")
        ActionChains(driver).send_keys("x").key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT * 7).key_up(Keys.SHIFT).perform()
        wait_for(driver, "return !document.querySelector('.qc-picker').hidden")
        driver.find_element("css selector", ".qc-picker-search").send_keys("Sustain\n")
        wait_for(driver, "return document.querySelectorAll('.qc-stripe').length === 1")
        apps = study.applications()
        text = study.source_text("CEO-07 wave 1")
        assert text[apps["start"][0]:apps["end"][0]] == "Funding"
        assert driver.find_element("css selector", ".qc-text").text == text_before  # typing changed nothing
