"""Helpers for tests in a real browser: Debian's Chromium driven by Selenium, and the
workspace server running in a thread of the test process."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)
CHROMEDRIVER = next((p for p in ("/usr/bin/chromedriver", shutil.which("chromedriver") or "") if p and Path(p).exists()), None)
NO_BROWSER = ("no Chromium and ChromeDriver here (apt-get install chromium chromium-driver, as .ci/run does)"
              if not (CHROMIUM and CHROMEDRIVER) else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(project, host: str = "127.0.0.1", token: str | None = None) -> Iterator[str]:
    """The workspace app over ``project``, served by uvicorn in a thread; yields its URL."""
    import uvicorn

    from qualcode.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(project, token=token), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("the workspace server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chromium(width: int = 1400, height: int = 900):
    """A headless Chromium (the flags HELPERS.md asks for: no sandbox, no network extras)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def select_text(driver, css_chunk: str, phrase: str, nth: int = 0) -> None:
    """Select ``phrase`` inside the text chunk by dragging the mouse over it, as a person
    does: the drag starts and ends at the phrase's first and last characters' screen
    positions."""
    box = driver.execute_script(
        """
        const [css, phrase, nth] = arguments;
        const chunks = [...document.querySelectorAll(css)];
        let seen = 0;
        for (const el of chunks) {
          const node = el.firstChild; let at = node.data.indexOf(phrase);
          while (at >= 0) {
            if (seen++ === nth) {
              el.scrollIntoView({block: 'center'});
              const r = document.createRange();
              r.setStart(node, at); r.setEnd(node, at + 1);
              const a = r.getBoundingClientRect();
              r.setStart(node, at + phrase.length - 1); r.setEnd(node, at + phrase.length);
              const b = r.getBoundingClientRect();
              return [a.left + 1, a.top + a.height / 2, b.right - 1, b.top + b.height / 2];
            }
            at = node.data.indexOf(phrase, at + 1);
          }
        }
        return null;
        """, css_chunk, phrase, nth)
    assert box is not None, f"{phrase!r} is not in the text on the page"
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    x0, y0, x1, y1 = box
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(x0), int(y0)).pointer_down() \
        .move_to_location(int((x0 + x1) / 2), int((y0 + y1) / 2)).move_to_location(int(x1), int(y1)).pointer_up()
    actions.perform()
