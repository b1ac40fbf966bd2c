"""The Jupyter widget's front end rendered in Chromium: anywidget's ``render({model, el})``
from ``workspace.js``, given a stand-in for the notebook's model whose messages reach the
real ``CodeView`` in this process (what the notebook's comm does), so the same code a
notebook runs draws the source, takes a selection and codes it."""
from __future__ import annotations

import json
import os
import threading
import time

import pytest

from browser import NO_BROWSER, chromium, free_port, select_text

pytestmark = pytest.mark.skipif(NO_BROWSER is not None, reason=NO_BROWSER or "")

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/static/workspace.css">
<script type="module" src="/harness.js"></script></head><body><div id="cell"></div></body></html>"""

# A stand-in for anywidget's model: get() reads the synced traits, send() goes to the
# kernel (here: POST /msg, answered by CodeView.handle), on("msg:custom") gets replies.
HARNESS_JS = """
import widget from "/static/workspace.js";
const traits = await (await fetch("/traits")).json();
const listeners = [];
const model = {
  get: (name) => traits[name],
  on: (event, fn) => { if (event === "msg:custom") listeners.push(fn); },
  send: async (content) => {
    const reply = await (await fetch("/msg", {method: "POST", body: JSON.stringify(content)})).json();
    listeners.forEach((fn) => fn(reply));
  },
};
widget.render({model, el: document.getElementById("cell")});
"""


def test_the_notebook_view_draws_a_source_and_codes_a_selection(study) -> None:
    pytest.importorskip("anywidget")
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from qualcode.web.app import static_folder

    view = study.code_view("CEO-07 wave 1", coder="anna")

    async def message(request: Request) -> JSONResponse:
        return JSONResponse(view.handle(json.loads(await request.body())))

    app = Starlette(routes=[
        Route("/", lambda r: HTMLResponse(HARNESS)),
        Route("/harness.js", lambda r: Response(HARNESS_JS, media_type="text/javascript")),
        Route("/traits", lambda r: JSONResponse({"source": view.source, "coder": view.coder})),
        Route("/msg", message, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=static_folder())),
    ])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    driver = chromium(1000, 700)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        deadline = time.time() + 15
        while not driver.execute_script("return document.querySelectorAll('.qc-chunk').length"):
            assert time.time() < deadline, "the widget drew no text"
            time.sleep(0.1)
        # one source, no sources list, no question about who is coding: the view knows
        assert driver.execute_script("return document.querySelector('.qc-sources')") is None
        assert driver.execute_script("return document.querySelector('.qc-modal').hidden") is True
        select_text(driver, ".qc-chunk", "Funding is the big worry.")
        while driver.execute_script("return document.querySelector('.qc-picker').hidden"):
            assert time.time() < deadline + 5, "no code picker after selecting"
            time.sleep(0.1)
        search = driver.find_element("css selector", ".qc-picker-search")
        search.send_keys("Sustain\n")
        while not driver.execute_script("return document.querySelectorAll('.qc-stripe').length"):
            assert time.time() < deadline + 10, "no stripe after coding"
            time.sleep(0.1)
        if os.environ.get("QUALCODE_SCREENSHOTS"):
            driver.save_screenshot(os.path.join(os.environ["QUALCODE_SCREENSHOTS"], "widget-01-coded.png"))
        apps = study.applications()
        text = study.source_text("CEO-07 wave 1")
        assert apps[["code", "coder"]].values.tolist() == [["Issues/Sustainability", "anna"]]
        assert text[apps["start"][0]:apps["end"][0]] == "Funding is the big worry."
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(timeout=10)
