"""Pulumi runs every program of this repository (the stage stacks, bootstrap/, the policy pack)
with uv in the one .venv that `make venv` makes from the locks.

Pulumi's uv toolchain (pulumi/pulumi, sdk/python/toolchain/uv.go) looks `uv` up on the PATH,
starts the program as `uv run python ...` with UV_PROJECT_ENVIRONMENT set to the `virtualenv`
option, and installs (`pulumi install`) with `uv sync`. uv's project mode would write a uv.lock
and sync .venv to pyproject.toml's (empty) dependency list; pyproject.toml's
`[tool.uv] managed = false` turns that off (https://docs.astral.sh/uv/reference/settings/#managed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

MAKEFILE = (ROOT / "Makefile").read_text()
VENV = ROOT / re.findall(r"^VENV := (\S+)$", MAKEFILE, re.MULTILINE)[0]
UV = VENV / "bin" / "uv"
PROJECTS = [ROOT / "Pulumi.yaml", ROOT / "bootstrap" / "Pulumi.yaml"]
PROJECTS.append(ROOT / "policy" / "PulumiPolicy.yaml")
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_pulumi_project_runs_with_uv_in_the_makefiles_venv(project: Path) -> None:
    runtime = yaml.safe_load(project.read_text())["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["toolchain"] == "uv"
    assert (project.parent / runtime["options"]["virtualenv"]).resolve() == VENV


def test_uv_leaves_the_environment_to_the_makefile() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["managed"] is False
    assert not (ROOT / "uv.lock").exists()
    # uv never downloads a Python: the machine's, which .python-version names, runs everything.
    assert re.search(r"^export UV_PYTHON_DOWNLOADS := never$", MAKEFILE, re.MULTILINE)


def pulumis_uv(
    args: list[str], cwd: Path, environment: Path, cache: Path
) -> subprocess.CompletedProcess:
    """uv as Pulumi starts it: found on the PATH, with UV_PROJECT_ENVIRONMENT; offline here."""
    env = {
        "PATH": f"{UV.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "UV_PROJECT_ENVIRONMENT": str(environment),
        "UV_CACHE_DIR": str(cache),
        "UV_OFFLINE": "1",
        "UV_PYTHON_DOWNLOADS": "never",
    }
    uv = shutil.which("uv", path=env["PATH"])  # Pulumi's exec.LookPath("uv")
    assert uv is not None and uv == str(UV)
    return subprocess.run([uv, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_program_starts_in_the_venv_with_its_locked_packages(
    project: Path, tmp_path: Path
) -> None:
    assert UV.exists(), "make venv installs uv into the venv"
    virtualenv = yaml.safe_load(project.read_text())["runtime"]["options"]["virtualenv"]
    environment = (project.parent / virtualenv).resolve()
    started = pulumis_uv(
        [
            "run",
            "python",
            "-c",
            "import sys, importlib.util as u; print(sys.prefix, bool(u.find_spec('pulumi')))",
        ],
        project.parent,
        environment,
        tmp_path / "cache",
    )
    assert started.returncode == 0, started.stderr
    prefix, has_pulumi = started.stdout.split()
    assert Path(prefix) == VENV and has_pulumi == "True"
    assert not (ROOT / "uv.lock").exists() and not (project.parent / "uv.lock").exists()


def test_pulumi_install_is_refused_rather_than_syncing_the_venv_away(tmp_path: Path) -> None:
    """`pulumi install` runs `uv sync`: in a copy of this pyproject.toml it stops at once and
    changes nothing (the repository's .venv is `make venv`'s)."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    refused = pulumis_uv(["sync"], tmp_path, tmp_path / ".venv", tmp_path / "cache")
    assert refused.returncode != 0
    assert "unmanaged" in refused.stderr
    assert not (tmp_path / ".venv").exists() and not (tmp_path / "uv.lock").exists()


def steps_of_jobs_using_pulumi() -> list[tuple[str, list[dict]]]:
    found = []
    for workflow in WORKFLOWS:
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items():
            steps = job.get("steps", [])
            if any(str(s.get("uses", "")).startswith("pulumi/actions@") for s in steps):
                found.append((f"{workflow.name}:{name}", steps))
    return found


def test_every_job_running_pulumi_puts_the_venvs_uv_on_the_path_first() -> None:
    jobs = steps_of_jobs_using_pulumi()
    assert {job.split(":")[0] for job, _ in jobs} == {"deploy.yml", "drift.yml", "preview.yml"}
    for job, steps in jobs:
        runs = [s.get("run", "") for s in steps]
        first_pulumi = next(
            i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("pulumi/actions@")
        )
        venv = runs.index("make venv")
        path = runs.index('echo "$PWD/.venv/bin" >> "$GITHUB_PATH"')
        assert venv < path < first_pulumi, job
