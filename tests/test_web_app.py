"""The workspace's server without a browser: its security rules and its JSON actions
(each checked against the project's own API, not against the page)."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from qualcode.web.app import AUTH_COOKIE, CSRF_COOKIE, create_app
from qualcode.web.server import is_local, plan


def client_for(project, token: str | None = None) -> TestClient:
    return TestClient(create_app(project, token=token), base_url="http://127.0.0.1:8765")


def csrf(client: TestClient) -> str:
    page = client.get("/")
    assert page.status_code == 200
    return page.cookies.get(CSRF_COOKIE) or client.cookies.get(CSRF_COOKIE)


def post(client: TestClient, action: str, payload: dict, coder: str = "anna", token: str | None = None, **headers):
    head = {"x-csrf-token": token or "", "content-type": "application/json", **headers}
    return client.post(f"/api/{action}", json={"coder": coder, "payload": payload}, headers=head)


def test_a_post_without_the_csrf_token_or_from_another_site_changes_nothing(study) -> None:
    client = client_for(study)
    token = csrf(client)
    span = {"source": "CEO-07 wave 1", "start": 0, "end": 9, "codes": ["Impact/Confidence"]}
    assert post(client, "apply", span).status_code == 403
    assert post(client, "apply", span, token="forged").status_code == 403
    refused = post(client, "apply", span, token=token, origin="http://evil.example")
    assert refused.status_code == 403 and "evil.example" in refused.json()["error"]
    assert study.applications().empty
    done = post(client, "apply", span, token=token, origin="http://127.0.0.1:8765")
    assert done.status_code == 200, done.text
    assert study.applications()[["code", "coder", "start", "end"]].values.tolist() == [["Impact/Confidence", "anna", 0, 9]]


def test_the_page_runs_only_its_own_script_and_serves_only_its_own_files(study) -> None:
    client = client_for(study)
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert client.get("/static/workspace.js").status_code == 200
    for path in ("/static/../actions.py", "/static/%2e%2e/app.py", "/static/../../project.py", "/etc/passwd"):
        assert client.get(path).status_code == 404, path


def test_another_address_than_this_machine_needs_the_printed_token(study) -> None:
    assert plan("127.0.0.1").token is None and is_local("::1") and not is_local("0.0.0.0")
    where = plan("0.0.0.0", 8765)
    assert where.token and len(where.token) >= 24 and where.url.endswith(f"?token={where.token}")
    client = client_for(study, token=where.token)
    assert client.get("/").status_code == 403
    assert client.get("/static/workspace.js").status_code == 403
    assert client.get("/?token=wrong-token-wrong-token").status_code == 403
    entered = client.get(f"/?token={where.token}", follow_redirects=False)
    assert entered.status_code == 303 and entered.cookies.get(AUTH_COOKIE) == where.token
    assert client.get("/").status_code == 200  # the cookie carries it from now on
    token = csrf(client)
    assert post(client, "sources", {}, token=token).json()["result"][0]["source"] == "CEO-07 wave 1"


def test_bad_requests_get_one_line_and_change_nothing(study) -> None:
    client = client_for(study)
    token = csrf(client)
    wrong_span = post(client, "apply", {"source": "CEO-07 wave 1", "start": 5, "end": 99999, "codes": ["Impact"]}, token=token)
    assert wrong_span.status_code == 400 and "\n" not in wrong_span.json()["error"]
    no_code = post(client, "apply", {"source": "CEO-07 wave 1", "start": 0, "end": 9, "codes": ["Nope"]}, token=token)
    assert "no code 'Nope'" in no_code.json()["error"]
    nobody = post(client, "apply", {"source": "CEO-07 wave 1", "start": 0, "end": 9, "codes": ["Impact"]}, coder="", token=token)
    assert "who you are" in nobody.json()["error"]
    machine = post(client, "apply", {"source": "CEO-07 wave 1", "start": 0, "end": 9, "codes": ["Impact"]},
                   coder="rule:tiny", token=token)
    assert machine.status_code == 400
    assert post(client, "drop_everything", {}, token=token).status_code == 400
    assert client.post("/api/apply", content=b"{not json", headers={"x-csrf-token": token,
                                                                    "content-type": "application/json"}).status_code == 400
    assert study.applications().empty


def test_the_actions_code_change_respan_and_remove_through_the_project(study) -> None:
    from qualcode.web.actions import Workspace

    ws = Workspace(study)
    text = study.source_text("CEO-07 wave 1")
    start = text.index("The board was difficult")
    ws.call("apply", {"source": "CEO-07 wave 1", "start": start, "end": start + 23, "codes": ["Board relations"],
                      "weight": 3}, "anna")
    doc = ws.call("source", {"source": "CEO-07 wave 1"}, "anna")
    assert [(t["speaker"], text[t["start"]:t["end"]][:12]) for t in doc["turns"]][:2] == [
        ("Interviewer", "How has the "), ("CEO-07", "I regained t")]
    (coding,) = doc["codings"]
    assert (coding["code"], coding["coder"], coding["weight"]) == ("Issues/Governance/Board relations", "anna", 3.0)
    counts = {c["path"]: (c["here"], c["count"]) for c in doc["codes"]}
    assert counts["Issues/Governance/Board relations"] == (1, 1)

    wider = text.index("and our chair")
    ws.call("change", {"application_id": coding["application_id"], "start": start, "end": wider + 13}, "ben")
    apps = study.applications()
    assert text[apps["start"][0]:apps["end"][0]] == "The board was difficult, and our chair"
    assert (apps["coder"][0], apps["decided_by"][0], apps["weight"][0]) == ("anna", "ben", 3.0)
    assert len(study.excerpts()) == 1  # the old span's excerpt went with its last coding

    ws.call("change", {"application_id": coding["application_id"], "code": "Issues/Governance", "weight": ""}, "anna")
    changed = study.applications()
    assert changed["code"].tolist() == ["Issues/Governance"] and changed["weight"].isna().all()
    # a page polling for others' work gets "unchanged" until someone changes something
    seen = ws.call("codings", {"source": "CEO-07 wave 1"}, "anna")["revision"]
    assert ws.call("codings", {"source": "CEO-07 wave 1", "since": seen}, "ben") == {"unchanged": True, "revision": seen}
    study.add_memo("ask about the chair", on="source", target="Mentor-03 wave 1", author="ben")
    assert ws.call("codings", {"source": "CEO-07 wave 1", "since": seen}, "anna")["revision"] != seen
    assert ws.call("remove", {"application_id": coding["application_id"]}, "anna") == {"removed": 1}
    assert ws.call("remove", {"application_id": coding["application_id"]}, "anna") == {"removed": 0}
    assert study.applications().empty and study.excerpts().empty


def test_the_sources_list_knows_what_this_coder_has_coded(study) -> None:
    from qualcode.web.actions import Workspace

    ws = Workspace(study)
    study.code("CEO-07 wave 1", "Impact", quote="Funding is the big worry.", coder="anna")
    ws.call("done", {"source": "Mentor-03 wave 1"}, "anna")
    rows = {r["source"]: (r["mine"], r["marked"]) for r in ws.call("sources", {}, "anna")}
    assert rows == {"CEO-07 wave 1": (1, False), "Mentor-03 wave 1": (0, True)}
    assert {r["source"]: r["mine"] for r in ws.call("sources", {}, "ben")} == {"CEO-07 wave 1": 0, "Mentor-03 wave 1": 0}
    filters = ws.call("bootstrap", {}, "anna")["filters"]
    assert filters["descriptors"]["role"] == {"CEO-07": "CEO", "Mentor-03": "Mentor"}
    assert filters["waves"] == ["1"] and filters["kinds"] == ["transcript"]
    ws.call("done", {"source": "Mentor-03 wave 1", "undo": True}, "anna")
    assert study.coverage()["marked"].tolist() == [False]


def test_the_jupyter_view_answers_through_the_same_actions(study) -> None:
    pytest.importorskip("anywidget")
    from qualcode.errors import NotFoundError

    view = study.code_view("CEO-07 wave 1", coder="anna")
    assert view.source == "CEO-07 wave 1" and view.coder == "anna"
    assert "export default" in view._esm and "qc-stripe" in view._css
    sent = []
    view.send = sent.append  # what would go to the notebook's front end
    text = study.source_text("CEO-07 wave 1")
    start = text.index("Funding is the big worry.")
    view._on_message(view, {"id": 7, "action": "apply", "coder": "mallory",
                            "payload": {"source": "CEO-07 wave 1", "start": start, "end": start + 25, "codes": ["Sustainability"]}}, [])
    assert sent[-1]["id"] == 7 and "excerpt_id" in sent[-1]["result"]
    # the coder is the one the view was opened for, whatever the page says
    assert study.applications()[["code", "coder"]].values.tolist() == [["Issues/Sustainability", "anna"]]
    view._on_message(view, {"id": 8, "action": "codings", "payload": {"source": "CEO-07 wave 1"}}, [])
    assert [c["code"] for c in sent[-1]["result"]["codings"]] == ["Issues/Sustainability"]
    view._on_message(view, {"id": 9, "action": "apply", "payload": {"source": "CEO-07 wave 1", "start": 0, "end": 3,
                                                                     "codes": ["Nope"]}}, [])
    assert sent[-1]["id"] == 9 and "no code 'Nope'" in sent[-1]["error"]
    with pytest.raises(NotFoundError):
        study.code_view("CEO-99 wave 9", coder="anna")


def test_review_actions_record_who_and_when_and_each_answers_with_its_undo(study) -> None:
    from qualcode.web.actions import Workspace

    ws = Workspace(study)
    study.update_code("Issues/Governance/Board relations", rules={"unit": "sentence", "keywords": ["board"]})
    study.autocode(progress=False)
    queue = {q["source"]: q for q in ws.call("queue", {}, "ben")}
    ceo, mentor = queue["CEO-07 wave 1"], queue["Mentor-03 wave 1"]
    text = study.source_text("CEO-07 wave 1")

    # right code, wrong passage: the reviewer's selection becomes the span
    start = text.index("The board was difficult")
    moved = ws.call("adjust", {"application_id": ceo["application_id"], "start": start, "end": start + 23}, "ben")
    after = study.applications(source="CEO-07 wave 1")
    assert text[after["start"][0]:after["end"][0]] == "The board was difficult"
    assert (after["status"][0], after["decided_by"][0]) == ("applied", "ben")
    undo = moved["undo"]
    ws.call(undo.pop("action"), undo, "ben")  # back to its old span, back in the queue
    back = study.review_queue()
    assert sorted(back["application_id"]) == sorted([ceo["application_id"], mentor["application_id"]])
    assert (int(back.loc[back["application_id"] == ceo["application_id"], "start"].iloc[0]), ) == (ceo["start"],)

    rejected = ws.call("reject", {"ids": [mentor["application_id"]]}, "cara")
    decided = study.applications(source="Mentor-03 wave 1", status="rejected")
    assert decided[["decided_by"]].values.tolist() == [["cara"]] and decided["decided_at"].notna().all()
    assert rejected["undo"] == {"action": "reopen", "ids": [mentor["application_id"]]}

    # a code added on the fly, memos on a source and on a code
    ws.call("add_code", {"path": "Issues/Funding gaps"}, "ben")
    assert "Issues/Funding gaps" in study.codes()["path"].tolist()
    ws.call("memo", {"on": "source", "target": "CEO-07 wave 1", "text": "Second interview booked"}, "ben")
    ws.call("memo", {"on": "code", "target": "Issues/Funding gaps", "text": "Split from Sustainability"}, "ben")
    memos = study.memos()
    assert memos[["target", "text", "author"]].values.tolist() == [
        ["source", "Second interview booked", "ben"], ["code", "Split from Sustainability", "ben"]]
    shown = ws.call("codings", {"source": "CEO-07 wave 1"}, "ben")["memos"]
    assert sorted(m["text"] for m in shown) == ["Second interview booked", "Split from Sustainability"]


def test_serve_refuses_bad_options_in_one_line(tmp_path) -> None:
    from click.testing import CliRunner

    from qualcode.cli import cli

    runner = CliRunner()
    missing = runner.invoke(cli, ["serve", "-p", str(tmp_path / "nope.qcproj")], env={"QUALCODE_PROJECT": None})
    assert missing.exit_code == 1 and missing.output.strip().endswith(f"create it with: qualcode init {tmp_path / 'nope.qcproj'}")
    port = runner.invoke(cli, ["serve", "-p", str(tmp_path / "nope.qcproj"), "--port", "99999"])
    assert port.exit_code == 2 and port.output.strip() == "Error: port 99999 is not between 1 and 65535"
    token = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--token", "short"])
    assert token.exit_code == 2 and "at least 16 characters" in token.output
    assert list(tmp_path.iterdir()) == []
