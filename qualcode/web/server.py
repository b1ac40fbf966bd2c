"""Starting the workspace server (what ``qualcode serve`` runs)."""
from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.errors import UsageError

if TYPE_CHECKING:  # the web sits above Project and only names it
    from qualcode.project import Project

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def is_local(host: str) -> bool:
    """True when only this machine can reach ``host``."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerPlan:
    """Where the server listens, the token it demands (None on 127.0.0.1), the URL to open."""

    host: str
    port: int
    token: str | None

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        shown = f"[{shown}]" if ":" in shown else shown
        return f"http://{shown}:{self.port}/" + (f"?token={self.token}" if self.token else "")


def plan(host: str = "127.0.0.1", port: int = 8765, token: str | None = None) -> ServerPlan:
    """A local address needs no token; any other address gets one (made up if not given)."""
    if not 0 < port < 65536:
        raise UsageError(f"port {port} is not between 1 and 65535")
    if token is not None and len(token) < 16:
        raise UsageError("a token has at least 16 characters")
    if not is_local(host) and token is None:
        token = secrets.token_urlsafe(24)
    return ServerPlan(host, port, token)


def serve(project: Project, where: ServerPlan, log_level: str = "warning") -> None:
    """Run until interrupted (Ctrl-C)."""
    import uvicorn

    from qualcode.web.app import create_app

    uvicorn.run(create_app(project, token=where.token), host=where.host, port=where.port, log_level=log_level)
