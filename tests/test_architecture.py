"""The package's structure: layers that only import downwards, no import circle, short functions.

The layers are declared once, in ``rgdl.LAYERS``; these tests read every
module's imports with :mod:`ast` (module level and inside functions alike).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rgdl

PACKAGE = Path(rgdl.__file__).parent

#: Longest function or method allowed in the package, in lines from ``def`` to its last line.
MAX_FUNCTION_LINES = 80


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """``module -> modules of rgdl it imports`` (a submodule where one is named, else the package)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def layer(module: str) -> int:
    """The layer of a module: that of its top-level subpackage (``rgdl`` itself is above all)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return max(rgdl.LAYERS.values()) + 1
    if parts[1] not in rgdl.LAYERS:
        raise AssertionError(f"{module} is in no layer: add {parts[1]!r} to rgdl.LAYERS")
    return rgdl.LAYERS[parts[1]]


def test_every_module_has_a_layer():
    for module in _modules():
        layer(module)


def test_imports_only_go_down():
    upward = [f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
              for a, targets in import_graph().items() for b in targets
              if layer(b) > layer(a) and b != "rgdl"]
    assert not upward, "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    assert _cycles(import_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(PACKAGE.parent), node


@pytest.mark.parametrize("limit", [MAX_FUNCTION_LINES])
def test_no_function_longer_than_the_limit(limit):
    long = [f"{path}:{node.lineno} {node.name} has {node.end_lineno - node.lineno + 1} lines"
            for path, node in _functions() if node.end_lineno - node.lineno + 1 > limit]
    assert not long, "\n".join(long)
