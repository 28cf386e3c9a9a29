"""The layers cannot be crossed: `make lint` runs the import contracts in pyproject.toml
(`[tool.importlinter]`, `lint-imports`), these tests keep them covering every folder of ours, and
show a wrong import of each kind failing them."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
IMPORTLINTER = PYPROJECT["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in IMPORTLINTER["contracts"]}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# Packages that live below the repository's root: the app's (Lambda's name) and pulumi-chalice's.
NESTED_PACKAGES = {
    "chalicelib": ROOT / "hello_app" / "chalicelib",
    "pulumi_chalice": ROOT / "pulumi-chalice" / "src" / "pulumi_chalice",
}
NOT_OURS = {".venv", "build", "node_modules", ".git", "mutants"}


def top_level_packages() -> set[str]:
    """Every folder of the repository's root that Python imports as a package."""
    return {
        path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in NOT_OURS
    }


def layer_members(layer: str) -> list[str]:
    return [name.strip() for name in re.split(r"[|:]", layer)]


def layered_packages() -> list[str]:
    return [name for layer in CONTRACTS["layers"]["layers"] for name in layer_members(layer)]


def test_every_package_of_ours_is_a_root_of_the_contracts_and_in_one_layer() -> None:
    """A new folder cannot escape the rules: it is in the graph and has its place."""
    ours = top_level_packages() | set(NESTED_PACKAGES)
    assert {"bootstrap", "hello_stack", "local", "testing", "tests"} <= ours  # the glob sees them
    assert all((path / "__init__.py").is_file() for path in NESTED_PACKAGES.values())
    assert set(IMPORTLINTER["root_packages"]) == ours
    layered = layered_packages()
    assert sorted(layered) == sorted(ours)  # each once


def test_every_folder_holding_python_is_a_package_the_contracts_see() -> None:
    """A new folder without `__init__.py` (a namespace package) would escape the glob above,
    and so the contracts: every top-level folder with Python code is a package, but the two
    that hold packages below them."""
    holding_python = {
        folder.name
        for folder in ROOT.iterdir()
        if folder.is_dir()
        and folder.name not in NOT_OURS
        and not folder.name.startswith(".")
        and next(folder.rglob("*.py"), None)
    }
    assert holding_python - {"hello_app", "pulumi-chalice"} <= top_level_packages()


def test_the_installed_packages_and_ruffs_first_party_are_the_same_list() -> None:
    """hello installs every package of ours but its tests and the separate pulumi-chalice
    (pyproject's setuptools lists), and ruff sorts each as first-party."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    installed = set(setuptools["packages"])
    assert installed == set(IMPORTLINTER["root_packages"]) - {"tests", "pulumi_chalice"}
    assert set(setuptools["package-dir"]) - {""} == installed
    assert setuptools["py-modules"] == ["app"]
    first_party = set(PYPROJECT["tool"]["ruff"]["lint"]["isort"]["known-first-party"])
    assert installed | {"app", "pulumi_chalice"} <= first_party


def test_the_forbidden_contracts_name_every_other_package_of_ours() -> None:
    """The app and pulumi-chalice import nothing of ours: the lists are whole."""
    ours = set(IMPORTLINTER["root_packages"]) | {"app"}
    for contract_id in ("app", "generic-component"):
        contract = CONTRACTS[contract_id]
        (source,) = contract["source_modules"]
        assert set(contract["forbidden_modules"]) == ours - {source}, contract_id
    assert {"pulumi", "pulumi_aws"} <= set(CONTRACTS["no-pulumi-at-run-time"]["forbidden_modules"])


def test_code_run_outside_pulumi_has_no_exception_to_the_contract() -> None:
    """No ignored import: the settings the restore script reads import no Pulumi."""
    assert "ignore_imports" not in CONTRACTS["no-pulumi-at-run-time"]


@pytest.mark.parametrize(
    "module", ["hello_stack.config", "bootstrap.config", "deploy.restore_table"]
)
def test_the_settings_and_the_restore_script_load_no_pulumi(module: str) -> None:
    """What lint-imports sees statically, at run time: importing them loads no Pulumi package
    (hello_stack/pulumi_config.py and bootstrap/pulumi_config.py read Pulumi config)."""
    path = [ROOT, ROOT / "hello_app", ROOT / "pulumi-chalice" / "src"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}; print(sorted(m for m in sys.modules if 'pulumi' in m))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def imported_roots(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_lambda_entry_point_imports_only_the_app_package() -> None:
    """hello_app/app.py is a module, which grimp cannot take as a root: checked here."""
    ours = set(IMPORTLINTER["root_packages"])
    assert imported_roots(ROOT / "hello_app" / "app.py") & ours == {"chalicelib"}


def test_the_readme_layout_table_lists_the_layers_in_their_order() -> None:
    """The layout table is the map: one row per layer's folder, top to bottom as the contract."""
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    (table,) = [
        text.split("| layer: path | what | may import |", 1)[1].split("\n\n", 1)[0]
        for text in (path.read_text() for path in documents)
        if "| layer: path | what | may import |" in text
    ]
    folders = {"chalicelib": "hello_app/", "pulumi_chalice": "pulumi-chalice/"}
    first_cells = [row.split("|")[1] for row in table.strip().splitlines()[1:]]
    positions = []
    for package in layered_packages():
        folder = folders.get(package, f"{package}/")
        rows = [i for i, cell in enumerate(first_cells) if f"`{folder}" in cell]
        assert len(rows) == 1, package
        positions.append(rows[0])
    assert positions == sorted(positions)


def copy_of_the_packages(target: Path) -> Path:
    """The packages' sources and pyproject.toml, at the same relative paths."""
    ignore = shutil.ignore_patterns(*NOT_OURS, "__pycache__", ".chalice", "*.json", "*.yaml")
    for package in top_level_packages():
        shutil.copytree(ROOT / package, target / package, ignore=ignore)
    for path in NESTED_PACKAGES.values():
        shutil.copytree(path, target / path.relative_to(ROOT), ignore=ignore)
    shutil.copy(ROOT / "hello_app" / "app.py", target / "hello_app" / "app.py")
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    path = [project, project / "hello_app", project / "pulumi-chalice" / "src"]
    env: dict[str, Any] = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# (module, the import added, the arrow lint-imports must report): one per rule.
WRONG_IMPORTS = [
    ("hello_stack/naming.py", "import components.cdn", "hello_stack.naming -> components.cdn"),
    ("components/iam.py", "import bootstrap.config", "components.iam -> bootstrap.config"),
    ("hooks/release_hook.py", "import deploy.probe", "hooks.release_hook -> deploy.probe"),
    ("testing/paths.py", "import tests.conftest", "testing.paths -> tests.conftest"),
    ("tools/config_table.py", "import bench.report", "tools.config_table -> bench.report"),
    ("hello_app/chalicelib/clock.py", "import app", "chalicelib.clock -> app"),
    (
        "pulumi-chalice/src/pulumi_chalice/checks.py",
        "import chalicelib.contract",
        "pulumi_chalice.checks -> chalicelib.contract",
    ),
    ("synthetics/metrics.py", "import pulumi", "synthetics.metrics -> pulumi"),
    # The restore script imports the stack's settings with no exception: were they to import
    # Pulumi again, the script's chain to it breaks the contract.
    ("hello_stack/config.py", "import pulumi", "deploy.restore_table -> hello_stack.config"),
    ("deploy/release_gate.py", "import pulumi_aws", "deploy.release_gate -> pulumi_aws"),
    ("local/server.py", "import pulumi_chalice", "local.server -> pulumi_chalice"),
    ("components/cdn.py", "import local.server", "components.cdn -> local.server"),
    (
        "synthetics/checks.py",
        "import chalicelib.validation",
        "synthetics.checks -> chalicelib.validation",
    ),
]


@pytest.fixture(scope="module")
def wrong_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    project = copy_of_the_packages(tmp_path_factory.mktemp("layers"))
    clean = lint_imports(project)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # the copy keeps the contracts
    for module, statement, _ in WRONG_IMPORTS:
        with (project / module).open("a") as source:
            source.write(f"\n{statement}  # the wrong arrow\n")
    return lint_imports(project)


@pytest.mark.parametrize(
    ("module", "statement", "arrow"), WRONG_IMPORTS, ids=[w[2] for w in WRONG_IMPORTS]
)
def test_a_wrong_import_breaks_a_contract(
    wrong_run: subprocess.CompletedProcess[str], module: str, statement: str, arrow: str
) -> None:
    assert wrong_run.returncode == 1, wrong_run.stderr
    assert re.search(rf"^-\s+{re.escape(arrow)} \(l\.\d+\)$", wrong_run.stdout, re.M), arrow


def test_the_stage_program_imports_only_the_stage_and_the_layers_below() -> None:
    """__main__.py (Pulumi's entry point, not in a package) builds on the components and what
    they build on: never the bootstrap, delivery, test support or developer tools."""
    ours = set(IMPORTLINTER["root_packages"])
    below = {"components", "hello_stack", "hooks", "synthetics", "pulumi_chalice", "chalicelib"}
    imported = imported_roots(ROOT / "__main__.py") & ours
    assert {"components", "hello_stack", "pulumi_chalice", "chalicelib"} <= imported <= below


def test_pulumi_chalices_own_tests_import_nothing_of_hello() -> None:
    """The package's tests (not a package lint-imports sees) go with it: its harness is its own.
    The sample Chalice project they deploy has a `chalicelib` of its own, so it is left out."""
    ours = (set(IMPORTLINTER["root_packages"]) | {"app"}) - {"pulumi_chalice"}
    tests = ROOT / "pulumi-chalice" / "tests"
    files = [path for path in tests.rglob("*.py") if "every_decorator" not in path.parts]
    assert tests / "harness.py" in files
    assert {path.name: imported_roots(path) & ours for path in files} == {
        path.name: set() for path in files
    }
