"""The package's layers, read from the source: no cycles, no upward imports,
and no module reaching into another module's private state.

docs/architecture.rst draws these layers; this test keeps the drawing true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module may import modules of a lower layer, and modules of
# its own layer within its own subpackage (adapters.pyramid imports
# adapters.pyramid_settings); never a higher layer. A new module must be
# placed here before it can ship.
LAYERS: list[tuple[str, ...]] = [
    ("exceptions", "_clock", "_keys", "_base64"),
    ("serializers", "_security_log"),
    ("settings",),
    ("_codec", "_aead", "_keyusage"),
    ("_headers", "_expiry", "readers", "readers.*"),
    ("revocation", "revocation.*"),
    ("store",),
    ("_response",),
    ("middleware", "asgi", "inspection"),
    ("adapters", "adapters.*"),
    ("demo", "demo.*"),
    ("cli", "flask_format", "pyramid_format", "__init__", "__main__"),
]

# The named-tuple API is public despite its underscores.
PUBLIC_UNDERSCORE = {"_replace", "_make", "_fields", "_asdict", "_field_defaults"}


def shipped_modules() -> dict[str, Path]:
    """Every shipped module, by its name under ``signedsession``."""
    modules = {}
    for base, prefix in (
        (ROOT / "signedsession", ""),
        (ROOT / "adapters", "adapters."),
    ):
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__" and (prefix or len(parts) > 1):
                parts.pop()
            name = prefix + ".".join(parts) if parts else prefix.rstrip(".")
            modules[name or "__init__"] = path
    return modules


MODULES = shipped_modules()


def layer_of(name: str) -> int:
    for rank, patterns in enumerate(LAYERS):
        if any(fnmatchcase(name, pattern) for pattern in patterns):
            return rank
    raise AssertionError(f"signedsession.{name} is in no layer: add it to LAYERS")


def package_of(name: str) -> str:
    """The package that relative imports in module ``name`` start from."""
    if name == "__init__":
        return ""
    if name in MODULES and MODULES[name].name == "__init__.py":
        return name
    return name.rpartition(".")[0]


def imported(name: str, tree: ast.Module) -> Iterator[tuple[str, int]]:
    """The shipped modules that module ``name`` imports, with line numbers,
    inside functions and ``TYPE_CHECKING`` blocks too."""
    package = package_of(name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _ours(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)]
                base = "signedsession." + ".".join(
                    [*parts, *(node.module or "").split(".")]
                )
            else:
                base = node.module or ""
            base = base.rstrip(".")
            for alias in node.names:
                submodule = _strip(f"{base}.{alias.name}")
                if submodule in MODULES:
                    yield submodule, node.lineno
                else:
                    yield from _ours(base, node.lineno)


def _strip(dotted: str) -> str:
    return dotted.removeprefix("signedsession").removeprefix(".")


def _ours(dotted: str, line: int) -> Iterator[tuple[str, int]]:
    if dotted == "signedsession" or dotted.startswith("signedsession."):
        yield _strip(dotted) or "__init__", line


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        edges[name] = {target for target, _ in imported(name, tree) if target != name}
    return edges


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_no_import_cycles() -> None:
    edges = graph()
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == []


def test_imports_go_down_only() -> None:
    upward = []
    for key, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        for target, line in imported(key, tree):
            if target == key:
                continue
            same_package = package_of(target) == package_of(key)
            source, dest = layer_of(key), layer_of(target)
            if dest > source or (dest == source and not same_package):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


def private_defined(tree: ast.Module) -> set[str]:
    """The private names a module defines: functions, classes, attributes."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)  # its own attributes; obj._x = ... defines nothing
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # setattr(obj, "_name", ...) and __slots__
    return {name for name in names if _is_private(name)}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_reaches(path: Path, name: str) -> list[str]:
    """Where module ``name`` uses a private name that another module defines:
    ``obj._attr`` for an ``_attr`` it does not define itself, or
    ``from module import _name`` (private modules of ours may be imported)."""
    tree = ast.parse(path.read_text(), str(path))
    own = private_defined(tree)
    package = package_of(name)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            if node.attr not in own and node.attr not in PUBLIC_UNDERSCORE:
                found.append((node.lineno, f"uses .{node.attr}"))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if _is_private(alias.name) and not _is_our_module(
                    node, alias.name, package
                ):
                    found.append((node.lineno, f"imports {alias.name}"))
    return [f"{path.name}:{line} {text}" for line, text in sorted(found)]


def _is_our_module(node: ast.ImportFrom, alias: str, package: str) -> bool:
    if node.level:
        parts = package.split(".") if package else []
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *(node.module or "").split(".")]).strip(".")
    else:
        base = _strip(node.module or "")
    return f"{base}.{alias}".strip(".") in MODULES


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_reaches_into_another_modules_private_state(name: str) -> None:
    assert private_reaches(MODULES[name], name) == []


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    # The rules themselves, on code that breaks them and code that does not.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from signedsession import _clock\n"
        "from signedsession.store import SessionStore\n"
        "from signedsession._codec import _b64\n"
        "def f(store):\n"
        "    store._header = 'x'\n"
        "    return store._data(), _clock.time()\n"
        "class S(SessionStore):\n"
        "    def g(self):\n"
        "        return self._session\n"
        "    def h(self):\n"
        "        self._mine = 1\n"
        "        return self._mine\n"
    )
    assert private_reaches(bad, "adapters.bad") == [
        "bad.py:3 imports _b64",
        "bad.py:5 uses ._header",
        "bad.py:6 uses ._data",
        "bad.py:9 uses ._session",
    ]
    assert layer_of("store") > layer_of("_codec")
    with pytest.raises(AssertionError, match="in no layer"):
        layer_of("brand_new_module")
