"""The coding view in Jupyter: ``project.code_view("CEO-07 wave 1", coder="anna")``.

An anywidget whose front end is the very module the web page runs
(``static/workspace.js``), so a researcher codes in the notebook they analyse in, with
the same stripes, picker, memos and review. The browser side sends ``{id, action,
payload, coder}`` through the widget's comm; :meth:`CodeView.handle` answers with the
same :class:`~qualcode.web.actions.Workspace` actions the web app serves.
"""
from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from qualcode.errors import QualcodeError
from qualcode.web.actions import Workspace, check_coder

if TYPE_CHECKING:  # the web sits above Project and only names it
    from qualcode.project import Project


def _asset(name: str) -> str:
    return (resources.files("qualcode.web") / "static" / name).read_text(encoding="utf-8")


class CodeView(anywidget.AnyWidget):
    """One source to read and code in a notebook cell."""

    _esm = _asset("workspace.js")
    _css = _asset("workspace.css")
    source = traitlets.Unicode("").tag(sync=True)
    coder = traitlets.Unicode("").tag(sync=True)

    def __init__(self, project: Project, source: str, coder: str, **kwargs: Any) -> None:
        super().__init__(source=source, coder=check_coder(coder), **kwargs)
        self._workspace = Workspace(project)
        project.source_text(source)  # a wrong name is a one-line error now, not a blank cell
        self.on_msg(self._on_message)

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        """One request from the front end -> its answer (``result`` or ``error``)."""
        reply: dict[str, Any] = {"id": message.get("id")}
        try:
            # the coder is the one this view was opened for, whatever the page sends
            reply["result"] = self._workspace.call(str(message.get("action")), message.get("payload"), self.coder)
        except QualcodeError as exc:
            reply["error"] = str(exc)
        return reply

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict):
            self.send(self.handle(content))
