"""The web app behind ``qualcode serve``: one page, its own assets, and a JSON API.

Security, since a project holds interview transcripts:

* the server binds 127.0.0.1 unless told otherwise, and then it requires a token
  (printed once at start, as Jupyter does); the token arrives once in the page's URL
  and is kept in an HttpOnly, SameSite=Strict cookie;
* every POST carries the CSRF token of a double-submit cookie in a header, and a
  request from another origin is refused (a page elsewhere cannot make the browser code
  on the researcher's behalf);
* the page builds every piece of text (transcripts, code names, memos, coder names)
  with ``textContent``, never as HTML, so a ``<script>`` in a transcript is shown as
  text; the responses carry a Content-Security-Policy that runs only our own script;
* only the files in ``qualcode/web/static`` are served from disk.
"""
from __future__ import annotations

import hmac
import json
import secrets
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from qualcode.errors import QualcodeError
from qualcode.web.actions import Workspace

if TYPE_CHECKING:  # the web sits above Project and only names it
    from qualcode.project import Project

CSRF_COOKIE = "qualcode_csrf"
AUTH_COOKIE = "qualcode_auth"
CSRF_HEADER = "x-csrf-token"
MAX_BODY = 1_000_000
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def static_folder() -> str:
    return str(resources.files("qualcode.web") / "static")


class Guard:
    """ASGI middleware: the token check (when one is set) and the security headers."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.token is not None and not self._authorised(request):
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given, self.token) and request.url.path == "/":
                response: Response = RedirectResponse("/", status_code=303)
                response.set_cookie(AUTH_COOKIE, self.token, httponly=True, samesite="strict")
            else:
                response = PlainTextResponse(
                    "This qualcode server needs its token: open the address with ?token=… that 'qualcode serve' "
                    "printed when it started.", status_code=403)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _authorised(self, request: Request) -> bool:
        assert self.token is not None
        cookie = request.cookies.get(AUTH_COOKIE, "")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("token "):
            cookie = cookie or header[6:].strip()
        return bool(cookie) and hmac.compare_digest(cookie, self.token)


def create_app(project: Project, token: str | None = None) -> Starlette:
    """The app over an open project; with ``token``, every request must carry it."""
    workspace = Workspace(project)

    async def index(request: Request) -> Response:
        page = (resources.files("qualcode.web") / "static" / "index.html").read_text(encoding="utf-8")
        response = Response(page, media_type="text/html; charset=utf-8",
                            headers={"cache-control": "no-store"})
        if not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), samesite="strict")
        return response

    async def api(request: Request) -> Response:
        problem = _refused(request)
        if problem:
            return JSONResponse({"error": problem}, status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "request too large"}, status_code=413)
        try:
            message = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return JSONResponse({"error": "the request body is not JSON"}, status_code=400)
        if not isinstance(message, dict):
            return JSONResponse({"error": "the request body is a JSON object"}, status_code=400)
        try:
            result = workspace.call(request.path_params["action"], message.get("payload"), message.get("coder"))
        except QualcodeError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"result": result})

    routes = [
        Route("/", index),
        Route("/api/{action:str}", api, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=static_folder()), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, token=token)])
    app.state.workspace = workspace
    return app


def _refused(request: Request) -> str | None:
    """Why a POST is refused as a possible cross-site request, or None."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not hmac.compare_digest(cookie, header):
        return "missing or wrong CSRF token: reload the page"
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            return f"requests from {origin} are refused"
    if not request.headers.get("content-type", "").startswith("application/json"):
        return "the request must be JSON"
    return None
