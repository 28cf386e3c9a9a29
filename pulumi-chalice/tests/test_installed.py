"""pulumi-chalice as a user gets it: the wheel built from pulumi-chalice/, installed into a fresh
virtualenv with nothing but its declared dependencies, and the README's example deployed under
Pulumi's mocks from a Chalice project outside this repository, run with `python -I` (no
PYTHONPATH, no script directory, no user site: nothing of this repository can be imported).

Offline: the wheels come from the repository's build/wheels, which its `make test` fills
(Makefile, WHEELS_STAMP), or from the directory PULUMI_CHALICE_WHEELS names.
The virtualenv is kept under build/installed/<the wheel's hash>, so only a changed package
installs again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalice_projects import PACKAGE_DIR

# The checkout the package lives in: the example must deploy from outside it.
CHECKOUT = PACKAGE_DIR.parent
WHEELS = Path(os.environ.get("PULUMI_CHALICE_WHEELS", CHECKOUT / "build" / "wheels"))
VENVS = WHEELS.parent / "installed"
README = PACKAGE_DIR / "README.md"
# A fixed timestamp for the wheel's entries: the same sources give the same wheel (and hash).
SOURCE_DATE_EPOCH = "315532800"
CHALICE_APP = "pulumi-chalice:index:ChaliceApp"
NOT_SOURCES = ("build", "*.egg-info", "__pycache__", "tests")

# Runs the README's __main__.py as `pulumi up` would, under mocks that return each resource's
# inputs plus an ARN and the few outputs the component reads; prints what was registered.
HARNESS = """
import json, runpy
import pulumi
from pulumi.runtime import mocks
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

ARN = "arn:aws:{service}:eu-west-1:123456789012:{name}"


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        service = args.typ.split(":")[1].split("/")[0]
        state = {"arn": ARN.format(service=service, name=args.name), **args.inputs}
        if args.typ == "aws:lambda/function:Function":
            state["arn"] = ARN.format(service="lambda", name="function:" + args.name)
            state["invokeArn"] = "arn:aws:apigateway:eu-west-1:lambda:path/" + state["arn"]
        if args.typ == "aws:apigateway/restApi:RestApi":
            state["executionArn"] = ARN.format(service="execute-api", name="abc123")
        if args.typ == "aws:apigateway/stage:Stage":
            state["invokeUrl"] = "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
        return args.name + "-id", state

    def call(self, args):
        raise NotImplementedError(args.token)


class Monitor(mocks.MockMonitor):
    registered = []

    def RegisterResource(self, request):
        self.registered.append({"type": request.type, "name": request.name})
        return super().RegisterResource(request)


monitor = Monitor(Mocks())
pulumi.runtime.set_mocks(monitor.mocks, project="demo", stack="dev", preview=False,
                         monitor=monitor)
outputs = {}


def program():
    runpy.run_path("__main__.py", run_name="__main__")
    exported = pulumi.Output.from_input(dict(get_root_resource().outputs))
    outputs.update(_sync_await(exported.future()))


_sync_await(run_pulumi_func(program))
print(json.dumps({"registered": monitor.registered, "outputs": outputs}, default=str))
"""


def run(*command: str | Path, cwd: Path, **env: str) -> str:
    # No PYTHONPATH or virtualenv leaks in from the test run; pip keeps no cache in the home.
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    quiet_pip = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"}
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**clean, **quiet_pip, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def readme_example() -> str:
    """The README's `__main__.py` (the first python block after "## Use it")."""
    section = README.read_text().split("## Use it", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert example, "the README has no python block after ## Use it"
    return example.group(1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (WHEELS / ".filled").exists():
        pytest.fail(f"{WHEELS} is empty: `make test` fills it (its WHEELS_STAMP step)")
    out = tmp_path_factory.mktemp("wheel")
    # From a clean copy: setuptools builds in the tree, and a stale build/ there could reach
    # the wheel. Built as a user builds it (isolated, the backend from the local wheels).
    sources = shutil.copytree(
        PACKAGE_DIR, out / "pulumi-chalice", ignore=shutil.ignore_patterns(*NOT_SOURCES)
    )
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--find-links", WHEELS,
        "--wheel-dir", out, sources,
        cwd=out, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
    )  # fmt: skip
    (built,) = out.glob("pulumi_chalice-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path) -> Path:
    """A virtualenv holding the wheel and its declared dependencies only, kept by wheel hash."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    target = VENVS / digest
    VENVS.mkdir(parents=True, exist_ok=True)
    # pytest-xdist's workers may both get here: one builds, the other waits and reuses it.
    with open(VENVS / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".ready").exists():
            shutil.rmtree(target, ignore_errors=True)  # a build cut short
            run(sys.executable, "-m", "venv", target, cwd=VENVS)
            run(target / "bin" / "python", "-m", "pip", "install", "--quiet", "--find-links",
                WHEELS, wheel, cwd=VENVS)  # fmt: skip
            (target / ".ready").write_text(wheel.name)
    return target


def installed(venv: Path) -> dict[str, Any]:
    script = (
        "import importlib.metadata as m, importlib.util as u, json, pulumi_chalice;"
        "print(json.dumps({'file': pulumi_chalice.__file__, 'version': pulumi_chalice.__version__,"
        "'requires': m.requires('pulumi-chalice'),"
        "'urls': m.metadata('pulumi-chalice').get_all('Project-URL'),"
        "'dists': sorted(d.metadata['Name'].lower() for d in m.distributions()),"
        "'reachable': [n for n in ('pulumi_random', 'components', 'hello_app', 'tools',"
        "'chalicelib') if u.find_spec(n)]}))"
    )
    return json.loads(run(venv / "bin" / "python", "-I", "-c", script, cwd=venv))


def test_the_wheel_carries_the_package_its_types_and_declared_dependencies(
    wheel: Path, venv: Path
) -> None:
    facts = installed(venv)
    assert Path(facts["file"]).is_relative_to(venv / "lib")
    assert wheel.name == f"pulumi_chalice-{facts['version']}-py3-none-any.whl"
    assert (Path(facts["file"]).parent / "py.typed").exists()
    assert (Path(facts["file"]).parent / "compile_bytecode.py").exists()  # run by the packager
    assert sorted(facts["requires"]) == [
        "botocore<2,>=1.44",
        "chalice<1.35,>=1.34.0",
        "pulumi-aws<8,>=7",
        "pulumi<4,>=3",
    ]
    # Where it comes from (the owner and name a fork fills in), and its changes.
    assert sorted(facts["urls"]) == [
        "Changelog, https://github.com/OWNER/REPO/blob/main/pulumi-chalice/CHANGELOG.md",
        "Repository, https://github.com/OWNER/REPO/tree/main/pulumi-chalice",
    ]
    # Nothing of hello's and no pulumi-random: only what the package declares (and theirs).
    assert facts["reachable"] == []
    assert "pulumi-random" not in facts["dists"] and "hello" not in facts["dists"]


def test_the_readmes_example_deploys_a_chalice_project_from_outside_the_repository(
    venv: Path, tmp_path: Path
) -> None:
    assert not tmp_path.is_relative_to(CHECKOUT)
    run(venv / "bin" / "chalice", "new-project", "my_app", cwd=tmp_path)
    (tmp_path / "__main__.py").write_text(readme_example())
    (tmp_path / "harness.py").write_text(HARNESS)
    result = json.loads(
        run(
            venv / "bin" / "python",
            "-I",
            "harness.py",
            cwd=tmp_path,
            AWS_DEFAULT_REGION="eu-west-1",
        )
    )
    types = [r["type"] for r in result["registered"]]
    assert {"type": CHALICE_APP, "name": "api"} in result["registered"]
    for token in (
        "aws:iam/role:Role",
        "aws:lambda/function:Function",
        "aws:apigateway/restApi:RestApi",
        "aws:apigateway/deployment:Deployment",
        "aws:apigateway/stage:Stage",
        "aws:lambda/permission:Permission",
    ):
        assert types.count(token) == 1, token
    assert result["outputs"]["url"] == "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
    assert list(result["outputs"]["functions"]) == ["api_handler"]
    # Chalice's build cache went to the user's project, not anywhere in this repository.
    assert list((tmp_path / "my_app" / ".chalice" / "deployments").glob("*.zip"))
