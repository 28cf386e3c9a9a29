"""Every module of this repository imports under one name, with no file editing sys.path.

hello is installed editable (the Makefile: `-e .`, pyproject.toml's package-dir): the
app's modules as Lambda imports them (`app`, `chalicelib`), the rest from the root, and
pulumi-chalice as its own package. The one sys.path edit left is pulumi-chalice's loading of a
user's app.py the way Chalice does, restored afterwards (its own tests check that).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# Where sys.path may change: Chalice's loader runs inside, and it is put back.
RESTORES_SYS_PATH = {"pulumi-chalice/src/pulumi_chalice/chalice_graph.py"}


# Not the project's sources: environments, build outputs, caches.
NOT_SOURCES = {".venv", "build", "node_modules", ".chalice", "mutants", ".git", "__pycache__"}


def python_files() -> list[str]:
    found = []
    for root, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in NOT_SOURCES and not d.endswith("egg-info")]
        relative = Path(root).relative_to(ROOT)
        found += [(relative / name).as_posix() for name in filenames if name.endswith(".py")]
    return sorted(found)


def is_sys_path(node: ast.AST) -> bool:
    """`sys.path`, or an item or slice of it."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def sys_path_edits(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if is_sys_path(node.func.value):  # sys.path.insert/append/extend/remove...
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines += [node.lineno for target in targets if is_sys_path(target)]
    return sorted(lines)


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_checks_see_an_edit_and_a_second_name() -> None:
    tree = ast.parse("import sys\nsys.path.insert(0, 'x')\nsys.path[:] = []\nsys.path += ['y']\n")
    assert sys_path_edits(tree) == [2, 3, 4]
    assert imported_modules(ast.parse("from hello_app.chalicelib import contract")) == {
        "hello_app.chalicelib"
    }


def test_no_file_edits_sys_path_but_the_chalice_loaders_restore() -> None:
    edits = {}
    for path in python_files():
        lines = sys_path_edits(ast.parse((ROOT / path).read_text(), path))
        if lines:
            edits[path] = lines
    assert set(edits) == RESTORES_SYS_PATH


def test_the_apps_modules_are_imported_by_their_lambda_names_only() -> None:
    """`chalicelib.x`, never `hello_app.chalicelib.x` (hello_app/ is the Lambda zip's root)."""
    offenders = {}
    for path in python_files():
        names = imported_modules(ast.parse((ROOT / path).read_text()))
        if any(name.split(".")[0] == "hello_app" for name in names):
            offenders[path] = sorted(names)
    assert offenders == {}


PROBE = """
import importlib.util, json
import app, chalicelib.contract, components.cdn, hello_stack.config, policy.hello_policies
import pulumi_chalice, testing.evaluate_stack
print(json.dumps({
    "files": {m.__name__: m.__file__ for m in
              (app, chalicelib.contract, components.cdn, pulumi_chalice, testing.evaluate_stack)},
    "hello_app": importlib.util.find_spec("hello_app") is not None,
}))
"""


def test_installed_names_resolve_from_any_directory(tmp_path: Path) -> None:
    """From outside the repository, as Pulumi runs bootstrap/ and policy/: each module by its
    one name, to this checkout's files; `hello_app` is not a package at all."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    found = json.loads(result.stdout)
    assert found["files"] == {
        "app": str(ROOT / "hello_app" / "app.py"),
        "chalicelib.contract": str(ROOT / "hello_app" / "chalicelib" / "contract.py"),
        "components.cdn": str(ROOT / "components" / "cdn.py"),
        "pulumi_chalice": str(ROOT / "pulumi-chalice" / "src" / "pulumi_chalice" / "__init__.py"),
        "testing.evaluate_stack": str(ROOT / "testing" / "evaluate_stack.py"),
    }
    assert found["hello_app"] is False
