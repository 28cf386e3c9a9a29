"""Chalice projects to test ChaliceApp on: every template Chalice bundles, rendered offline with
`chalice new-project`, and every_decorator/ (ours, every decorator and most config keys).

For each, `chalice package --pkg-format terraform` (Chalice's own view of what the app needs)
and ChaliceApp under Pulumi's mocks (harness.py) are run in subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chalice
import pytest

from harness import COMPONENT_NAME, REGION, RUN_DIR

HERE = Path(__file__).resolve().parent
# The package's own directory (pulumi-chalice/): the wheel is built from it.
PACKAGE_DIR = HERE.parent
HARNESS = HERE / "harness.py"
EVERY_DECORATOR = HERE / "every_decorator"
# Its entry point is kept under another name (a module named `app` in a test directory would
# shadow a project's); copy_project gives it Chalice's name.
EVERY_DECORATOR_ENTRY = "every_decorator_app.py"
CHALICE_CLI = str(Path(sys.executable).with_name("chalice"))
# Every template Chalice bundles, by the key `chalice new-project --project-type` takes.
TEMPLATES = sorted(
    path.name.split("-", 1)[1]
    for path in (Path(chalice.__file__).parent / "templates").iterdir()
    if path.is_dir()
)
# (project, Chalice stage): the bundled templates' only stage, and our app's two stages that
# Chalice's Terraform generator can package.
CASES = [(template, "dev") for template in TEMPLATES] + [
    ("every_decorator", "dev"),
    ("every_decorator", "private"),
]


# The wheels Chalice's packaging installs for the projects' requirements (of the bundled templates
# only the CDK one's runtime has any: boto3). The repository's `make test` downloads them into its
# build/template-wheels before any test runs (Makefile, TEMPLATE_WHEELS_STAMP), or the directory
# PULUMI_CHALICE_TEMPLATE_WHEELS names: packaging then reaches no package index, no network.
TEMPLATE_WHEELS = Path(
    os.environ.get(
        "PULUMI_CHALICE_TEMPLATE_WHEELS", PACKAGE_DIR.parent / "build" / "template-wheels"
    )
)
FILLED = ".filled"  # the stamp the Makefile writes once every wheel is there

# Chalice resolves service principals for a region (no credentials are needed). No bytecode
# caches in the project: Chalice's package cache is keyed by the project's files, so both runs
# then share one build (the CDK template installs its requirements only once). Chalice runs pip
# in a subprocess with this environment: no index, the local wheels alone, and no cache of its
# own in the user's home.
QUIET_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "PYTHONDONTWRITEBYTECODE": "1",
    "PIP_NO_INDEX": "1",
    "PIP_FIND_LINKS": str(TEMPLATE_WHEELS),
    "PIP_NO_CACHE_DIR": "1",
}


def has_requirements(requirements: Path) -> bool:
    """Whether Chalice's packaging runs pip for this file: a line naming a package (Chalice's
    own test, DependencyBuilder._has_at_least_one_package)."""
    if not requirements.is_file():
        return False
    lines = (line.strip() for line in requirements.read_text().splitlines())
    return any(line and not line.startswith("#") for line in lines)


def template_dir(template: str) -> Path:
    """The bundled template's Chalice project as Chalice ships it (the CDK one's is runtime/)."""
    (source,) = (Path(chalice.__file__).parent / "templates").glob(f"*-{template}")
    runtime = source / "runtime"
    return runtime if (runtime / ".chalice").is_dir() else source


def packaged_requirements() -> list[Path]:
    """Every requirements file the tests' packaging installs from: what TEMPLATE_WHEELS holds."""
    projects = [template_dir(template) for template in TEMPLATES] + [EVERY_DECORATOR]
    found = (project / "requirements.txt" for project in projects)
    return [requirements for requirements in found if has_requirements(requirements)]


def require_template_wheels(project_dir: Path) -> None:
    """Packaging a project with requirements needs the local wheels: said plainly, not as pip's
    'no matching distribution' from inside Chalice."""
    if (
        has_requirements(project_dir / "requirements.txt")
        and not (TEMPLATE_WHEELS / FILLED).exists()
    ):
        pytest.fail(
            f"{TEMPLATE_WHEELS} is empty: `make test` fills it (its TEMPLATE_WHEELS_STAMP step)"
        )


def chalice_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **QUIET_ENV}
    return subprocess.run(
        [CHALICE_CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


# A two-function project (the REST handler and `worker`), written where a test needs it; its
# chalicelib says which project it belongs to (a test of isolated imports reads it).
TINY_APP = """\
from chalice import Chalice

from chalicelib import OWNER

app = Chalice(app_name="tiny")


@app.route("/")
def index():
    return {"owner": OWNER}


@app.lambda_function()
def worker(event, context):
    return event
"""
TINY_CONFIG = {"version": "2.0", "app_name": "tiny", "stages": {"dev": {}}}


def tiny_project(where: Path, config: Any = None, config_text: str | None = None) -> Path:
    """The tiny project at `where` with this config (TINY_CONFIG: one stage, `dev`, empty)."""
    (where / ".chalice").mkdir(parents=True)
    (where / "chalicelib").mkdir()
    (where / "chalicelib" / "__init__.py").write_text("OWNER = 'tiny'\n")
    (where / "app.py").write_text(TINY_APP)
    text = config_text if config_text is not None else json.dumps(config or TINY_CONFIG)
    (where / ".chalice" / "config.json").write_text(text)
    return where


def render_template(template: str, where: Path) -> Path:
    """The template's Chalice project (for the CDK template, its `runtime/` directory)."""
    result = chalice_cli("new-project", f"app-{template}", "--project-type", template, cwd=where)
    assert result.returncode == 0, result.stderr
    rendered = where / f"app-{template}"
    runtime = rendered / "runtime"
    return runtime if (runtime / ".chalice").is_dir() else rendered


@dataclass
class Packaged:
    """One Chalice project and stage, as Terraform and as ChaliceApp."""

    project_dir: Path
    stage: str
    terraform: dict[str, Any]
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]

    def ours(self, token: str, key: str) -> dict[str, Any]:
        """Our resource of that type for a Terraform key (named `app-<key>`)."""
        name = f"{COMPONENT_NAME}-{key}"
        found = [r for r in self.resources if r["type"] == token and r["name"] == name]
        assert len(found) == 1, f"expected one {token} named {name}, got {len(found)}"
        return found[0]


def run_harness(*args: str) -> subprocess.CompletedProcess[str]:
    """harness.py in a process of its own, from RUN_DIR (archives' paths are relative to it)."""
    return subprocess.run(
        [sys.executable, str(HARNESS), *args],
        cwd=RUN_DIR,
        env={**os.environ, **QUIET_ENV},
        capture_output=True,
        text=True,
        check=False,
    )


def evaluate(project_dir: Path, stage: str) -> dict[str, Any]:
    require_template_wheels(project_dir)
    result = run_harness(str(project_dir), stage)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def package(project_dir: Path, stage: str, out: Path) -> dict[str, Any]:
    require_template_wheels(project_dir)
    result = chalice_cli(
        "package", "--stage", stage, "--pkg-format", "terraform", str(out), cwd=project_dir
    )
    assert result.returncode == 0, result.stderr
    return json.loads((out / "chalice.tf.json").read_text())


def copy_project(source: Path, target: Path) -> Path:
    """A runnable copy of a project of ours (entry point named app.py), without build outputs,
    so each run packages from scratch."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("deployments", "__pycache__"))
    entry = target / EVERY_DECORATOR_ENTRY
    if entry.exists():
        entry.rename(target / "app.py")
    return target


def package_and_evaluate(project: str, stage: str, work: Path) -> dict[str, Any]:
    # From an empty folder: an attempt that failed earlier in the run left a half-made project.
    shutil.rmtree(work)
    work.mkdir()
    project_dir = (
        copy_project(EVERY_DECORATOR, work / project)
        if project == "every_decorator"
        else render_template(project, work)
    )
    evaluated = evaluate(project_dir, stage)
    return {
        "project_dir": str(project_dir),
        "stage": stage,
        "terraform": package(project_dir, stage, work / "terraform"),
        "resources": evaluated["resources"],
        "outputs": evaluated["outputs"],
    }


if __name__ == "__main__":
    # `python chalice_projects.py`: pip's arguments for the requirements the tests package
    # (the Makefile's TEMPLATE_WHEELS_STAMP downloads them).
    print(" ".join(f"-r {requirements}" for requirements in packaged_requirements()))
