"""No test run leaves files outside the repository's ignored build folders: the results a run's
workers share live under build/test-runs and go when the run ends; a passing test's tmp_path goes
when it ends."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from testing import shared_results
from tests.conftest import ROOT

PACKAGE_TESTS = ROOT / "pulumi-chalice" / "tests"


def package_copy() -> ModuleType:
    """pulumi-chalice's own copy of the helper (its tests import nothing of the repository)."""
    spec = importlib.util.spec_from_file_location(
        "package_shared", PACKAGE_TESTS / "shared_results.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ignored_by_git(path: Path) -> bool:
    git = shutil.which("git")
    assert git
    result = subprocess.run([git, "check-ignore", "-q", str(path)], cwd=ROOT, check=False)
    return result.returncode == 0


@pytest.mark.parametrize("module", [shared_results, package_copy()], ids=["repository", "package"])
def test_shared_results_live_in_an_ignored_build_folder(module: ModuleType) -> None:
    folder = module.shared_dir()
    assert folder.is_relative_to(ROOT)
    assert "build" in folder.relative_to(ROOT).parts
    assert ignored_by_git(folder)


RUN = """
from pathlib import Path
from testing.shared_results import computed_once, end_run, shared_dir, start_run

def pytest_configure(config):
    start_run(config)

def pytest_sessionfinish(session):
    end_run(session.config)
"""
TEST = """
import os
from pathlib import Path
from testing.shared_results import computed_once, shared_dir

def test_{n}():
    assert computed_once("x", lambda work: {{"work": str(work)}})["work"]
    assert (shared_dir() / "x.json").exists()
    Path(os.environ["SEEN"], f"{n}-{{os.getpid()}}").write_text(str(shared_dir()))
"""


def test_a_run_shares_one_folder_and_removes_it(tmp_path: Path) -> None:
    """Two xdist workers compute into one folder under build/test-runs; it is gone after."""
    project, seen = tmp_path / "project", tmp_path / "seen"
    project.mkdir()
    seen.mkdir()
    (project / "conftest.py").write_text(RUN)
    for n in range(4):
        (project / f"test_{n}.py").write_text(TEST.format(n=n))
    # Only xdist of the installed plugins: the others (schemathesis's takes seconds to import
    # here) would start in each of the three processes and matter nothing to this run.
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "xdist.plugin"]
    result = subprocess.run(
        # Its temporary files inside this test's (pytest would leave its base folder in /tmp).
        [*command, "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "tmp"), str(project)],
        cwd=project,
        env={
            **os.environ,
            "SEEN": str(seen),
            "PYTHONPATH": str(ROOT),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    folders = {Path(path.read_text()) for path in seen.iterdir()}
    assert len({path.name.split("-")[1] for path in seen.iterdir()}) == 2  # two workers
    (folder,) = folders  # one folder for the whole run, not this run's own
    assert folder != shared_results.shared_dir()
    assert folder.parent == shared_results.BUILD
    assert not folder.exists()


def test_a_worker_leaves_the_folder_to_the_process_that_started_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_results, "BUILD", tmp_path)
    monkeypatch.setenv(shared_results.RUN_ID, "a-run")
    shared_results.computed_once("x", lambda _: {"answer": 42})
    assert (tmp_path / "hello-tests-a-run" / "x.json").exists()

    class Worker:
        workerinput = ("given by xdist",)

    shared_results.end_run(Worker())
    assert (tmp_path / "hello-tests-a-run").exists()

    class Starter:
        option = None

    shared_results.end_run(Starter())
    assert not (tmp_path / "hello-tests-a-run").exists()


def test_a_passing_test_s_tmp_path_is_removed() -> None:
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert pytest_options["ini_options"]["tmp_path_retention_policy"] == "failed"


def test_no_test_or_tool_makes_its_own_temporary_files() -> None:
    """tempfile's mkdtemp/gettempdir leave files behind; tmp_path or build/ are the places."""
    calls = ("mkdtemp" + "(", "gettempdir" + "(", "mkstemp" + "(")
    found = [
        f"{path.relative_to(ROOT)}: {call}"
        for folder in ("tests", "tools", "bench", "pulumi-chalice/tests")
        for path in (ROOT / folder).rglob("*.py")
        for call in calls
        if call in path.read_text()
    ]
    assert found == []


def test_hypothesis_keeps_what_it_stores_in_the_build_folder() -> None:
    from hypothesis import settings
    from hypothesis.configuration import storage_directory
    from hypothesis.database import DirectoryBasedExampleDatabase

    home = storage_directory(intent_to_write=False).path
    assert home == ROOT / "build" / "hypothesis"
    assert ignored_by_git(home)
    # A developer's run stores failing examples (the "default" profile); under CI (the CI variable
    # set, as on GitHub's runners) Hypothesis loads its own "ci" profile, which stores nothing.
    database = settings.get_profile("default").database
    assert isinstance(database, DirectoryBasedExampleDatabase)
    assert Path(database.path).is_relative_to(home)
    assert settings.default is not None  # Hypothesis loads a profile when imported
    assert settings.default.database in (database, None)
