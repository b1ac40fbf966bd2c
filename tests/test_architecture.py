"""The house rules of docs/architecture.md, checked on the source (no import is executed).

Every module of ``qualcode/`` is parsed with ``ast`` and its imports collected: at module
level, inside functions (they run when the function does), and inside ``if
TYPE_CHECKING:`` blocks (kept apart: they never run, but they still say what a module
knows about). The rules:

* no import cycle among the package's modules (the imports that run: module level and
  function level);
* nothing below the study report and the command line imports :mod:`qualcode.project` or
  :mod:`qualcode.reporting` (not even for type hints), and ``Project`` reaches the report
  only from inside a method (``Project.report()`` and friends, thin conveniences);
* the store is the bottom of the house: it imports nothing of qualcode but itself,
  ``errors`` and ``version``;
* only ``store/`` speaks SQL: no SQLAlchemy statement builders, no ``store.schema``
  tables, no ``.execute(...)`` anywhere else.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"

#: Packages and modules at the top of the house: they may import anything.
TOP = ("qualcode", "qualcode.__main__", "qualcode.cli", "qualcode.web", "qualcode.demo")
#: The study report: above Project, below the top.
REPORTING = "qualcode.reporting"
PROJECT = "qualcode.project"
STORE = "qualcode.store"
#: What the store may import from qualcode besides itself.
STORE_MAY_IMPORT = ("qualcode.errors", "qualcode.version")
#: SQLAlchemy names that are types, not SQL: a module may take a Connection it hands down.
SQLALCHEMY_TYPES = {"Connection", "Engine", "Row", "RowMapping"}
#: Modules that run SQL on a file that is not the project store.
FOREIGN_SQL = {"qualcode.interop.qualcoder_read": "reads a QualCoder .qda file (SQLite) with sqlite3"}


@dataclass
class ModuleImports:
    """What one module imports: ``runtime`` (module and function level), ``lazy`` (the
    function-level subset) and ``typing`` (inside ``if TYPE_CHECKING:``), as module names;
    ``sqlalchemy`` names imported from SQLAlchemy; ``executes`` lines that call
    ``.execute(``/``.exec_driver_sql(``."""

    runtime: set[str] = field(default_factory=set)
    lazy: set[str] = field(default_factory=set)
    typing: set[str] = field(default_factory=set)
    sqlalchemy: set[str] = field(default_factory=set)
    executes: list[int] = field(default_factory=list)


def module_names(package: Path) -> dict[str, Path]:
    """Dotted name -> file, for every ``.py`` below ``package`` (``pkg/__init__.py`` is ``pkg``)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def collect_imports(name: str, path: Path, modules: dict[str, Path]) -> ModuleImports:
    """Parse ``path`` and sort its imports of ``modules`` into runtime, lazy and typing."""
    found = ModuleImports()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    root = name.split(".")[0]

    def targets(node: ast.Import | ast.ImportFrom) -> set[str]:
        out: set[str] = set()
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == root:
                    out.add(alias.name)
                elif alias.name.split(".")[0] == "sqlalchemy":
                    found.sqlalchemy.add(alias.name)
            return {t for t in out if t in modules}
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        if base.split(".")[0] == "sqlalchemy":
            found.sqlalchemy.update(base if base != "sqlalchemy" else alias.name for alias in node.names)
            return out
        if base.split(".")[0] != root:
            return out
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            out.add(sub if sub in modules else base)
        return {t for t in out if t in modules}

    def visit(node: ast.AST, in_function: bool, in_typing: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                names = targets(child) - {name}
                if in_typing:
                    found.typing |= names
                else:
                    found.runtime |= names
                    if in_function:
                        found.lazy |= names
            elif isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function, in_typing)
            else:
                if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                        and child.func.attr in ("execute", "exec_driver_sql")):
                    found.executes.append(child.lineno)
                visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)),
                      in_typing)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), False, False)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, ModuleImports]:
    modules = module_names(package)
    return {name: collect_imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.fixture(scope="module")
def graph() -> dict[str, ModuleImports]:
    return import_graph()


def test_the_walk_sees_the_whole_package(graph: dict[str, ModuleImports]) -> None:
    """A guard on the checker itself: it finds the modules and their imports."""
    assert len(graph) > 150
    assert "qualcode.project.core" in graph["qualcode.project"].runtime
    assert "qualcode.store.database" in graph["qualcode.project.core"].runtime
    assert "qualcode.reporting.study" in graph["qualcode.project.reports"].lazy
    assert "qualcode.project" in graph["qualcode.reporting.study"].typing


def test_the_checker_finds_a_cycle_and_ignores_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "qualcode"
    (pkg / "low").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "low" / "a.py").write_text("from qualcode.low import b\n")
    (pkg / "low" / "b.py").write_text("def f():\n    from qualcode.low.c import x\n")
    (pkg / "low" / "c.py").write_text("from .a import y\n")
    (pkg / "low" / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qualcode.low import e\n")
    (pkg / "low" / "e.py").write_text("from qualcode.low import d\n")
    found = import_graph(pkg)
    assert cycles({name: imports.runtime for name, imports in found.items()}) == [
        ["qualcode.low.a", "qualcode.low.b", "qualcode.low.c"]]
    assert found["qualcode.low.d"].typing == {"qualcode.low.e"}


def test_no_import_cycle(graph: dict[str, ModuleImports]) -> None:
    found = cycles({name: imports.runtime for name, imports in graph.items()})
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_nothing_below_the_report_imports_project_or_reporting(graph: dict[str, ModuleImports]) -> None:
    wrong = []
    for name, imports in graph.items():
        if within(name, *TOP, REPORTING, PROJECT):
            continue
        for target in sorted(imports.runtime | imports.typing):
            if within(target, PROJECT, REPORTING):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_project_reaches_the_report_only_from_a_method(graph: dict[str, ModuleImports]) -> None:
    """``Project.report()`` is a convenience: the report package is imported when it is
    called, never when ``Project`` loads."""
    wrong = [f"{name} imports {target} at module level"
             for name, imports in graph.items() if within(name, PROJECT)
             for target in sorted(imports.runtime - imports.lazy) if within(target, REPORTING)]
    assert not wrong, "\n".join(wrong)


def test_the_store_is_the_bottom_of_the_house(graph: dict[str, ModuleImports]) -> None:
    wrong = [f"{name} imports {target}"
             for name, imports in graph.items() if within(name, STORE)
             for target in sorted(imports.runtime | imports.typing)
             if not within(target, STORE, *STORE_MAY_IMPORT)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.xfail(reason="issue 16, phase 2: memos, coder look-ups, bulk-import and ingest writes still run SQL "
                          "outside store/ (project/core.py, ingest/load.py, coding/bulk_import.py, "
                          "coding/rules/autocode.py)", strict=True)
def test_only_the_store_speaks_sql(graph: dict[str, ModuleImports]) -> None:
    wrong = []
    for name, imports in graph.items():
        if within(name, STORE) or name in FOREIGN_SQL:
            continue
        builders = sorted(n for n in imports.sqlalchemy if n not in SQLALCHEMY_TYPES)
        if builders:
            wrong.append(f"{name} imports SQLAlchemy's {', '.join(builders)}")
        if f"{STORE}.schema" in imports.runtime | imports.typing:
            wrong.append(f"{name} imports the store's tables (qualcode.store.schema)")
        if imports.executes:
            wrong.append(f"{name} runs SQL (line {', '.join(map(str, imports.executes))})")
    assert not wrong, "\n".join(wrong)
