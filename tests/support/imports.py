"""The package's import graph, read from the source with ``ast`` (nothing is imported).

Every ``import`` counts, wherever it stands: at module level, inside a function, or under
``if TYPE_CHECKING``. A function-level import hides a cycle from the interpreter, not from
the design, so it is an edge here like any other.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def package_dirs(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Path]:
    """``{"euradar.crawlers": <repo>/crawlers, ...}`` from setuptools' package-dir table."""
    table = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    return {name: (pyproject.parent / path).resolve() for name, path in table.items()}


def module_files(dirs: dict[str, Path]) -> dict[str, Path]:
    """Every module of the mapped packages, by dotted name. A subpackage mapped on its own
    (``euradar.crawlers``) is not walked again from its parent's folder."""
    mapped = set(dirs.values())
    found: dict[str, Path] = {}
    for name, folder in dirs.items():
        for path in sorted(folder.rglob("*.py")):
            if any(p in mapped and p != folder for p in path.parents):
                continue  # belongs to another mapped package
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([name, *parts])] = path
    return found


@dataclass
class ImportGraph:
    edges: dict[str, set[str]] = field(default_factory=dict)

    def cycles(self) -> list[list[str]]:
        """Strongly connected components with more than one module (Tarjan), sorted."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        out: list[list[str]] = []
        counter = [0]

        def visit(node: str) -> None:
            index[node] = low[node] = counter[0]
            counter[0] += 1
            stack.append(node)
            on_stack.add(node)
            for nxt in sorted(self.edges.get(node, ())):
                if nxt not in index:
                    visit(nxt)
                    low[node] = min(low[node], low[nxt])
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))

        for node in sorted(self.edges):
            if node not in index:
                visit(node)
        return sorted(out)


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def build_graph(dirs: dict[str, Path] | None = None) -> ImportGraph:
    files = module_files(dirs or package_dirs())
    graph = ImportGraph({name: set() for name in files})
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target in _imported_names(tree, name, path.name == "__init__.py"):
            # "from pkg import mod" names a module; "from mod import func" names mod itself
            if target in files and target != name:
                graph.edges[name].add(target)
    return graph
