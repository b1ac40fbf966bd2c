"""The coding workspace: ``qualcode serve`` in the browser and ``Project.code_view`` in Jupyter.

A client of the ``Project`` API like the command line (it sits beside ``qualcode.cli``):
``actions`` turns JSON requests into ``Project`` calls, ``app`` is the Starlette web app
with its security, ``server`` starts it, ``widget`` is the Jupyter widget, and ``static``
holds the one page, its script and its style that both front ends share.
"""
