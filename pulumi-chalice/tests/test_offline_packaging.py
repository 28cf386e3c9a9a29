"""The tests package Chalice projects offline: the pip that Chalice runs installs the projects'
requirements from the local wheels alone (chalice_projects.TEMPLATE_WHEELS), never an index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import chalice

from chalice_projects import (
    FILLED,
    QUIET_ENV,
    TEMPLATE_WHEELS,
    packaged_requirements,
    require_template_wheels,
    template_dir,
)

# Chalice's CDK template: its runtime's requirements name boto3 (as Chalice ships it).
CDK_RUNTIME = Path(chalice.__file__).parent / "templates" / "6001-cdk-ddb" / "runtime"


def pip_download(requirements: Path, dest: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """pip as Chalice's DependencyBuilder first runs it (`pip download -r FILE --dest DIR`, a
    subprocess of the packaging process), in the environment the tests give Chalice."""
    return subprocess.run(
        [sys.executable, "-m", "pip", "download", "-r", str(requirements), "--dest", str(dest)],
        env={**os.environ, **QUIET_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_cdk_templates_runtime_is_the_one_project_with_requirements() -> None:
    assert template_dir("cdk-ddb") == CDK_RUNTIME
    assert packaged_requirements() == [CDK_RUNTIME / "requirements.txt"]


def test_the_local_wheels_hold_every_packaged_requirement(tmp_path: Path) -> None:
    require_template_wheels(CDK_RUNTIME)  # `make test` filled them
    assert (TEMPLATE_WHEELS / FILLED).exists()
    for requirements in packaged_requirements():
        result = pip_download(requirements, tmp_path / "downloaded")
        assert result.returncode == 0, result.stderr
    assert [wheel.name.split("-")[0] for wheel in (tmp_path / "downloaded").glob("boto3-*.whl")]


def test_without_the_local_wheels_pip_finds_nothing_and_asks_no_index(tmp_path: Path) -> None:
    """Were an index consulted, pip would find boto3 there (with a network) or retry it for
    seconds (without): it finds nothing, at once."""
    empty = tmp_path / "empty"
    empty.mkdir()
    result = pip_download(
        CDK_RUNTIME / "requirements.txt", tmp_path / "downloaded", PIP_FIND_LINKS=str(empty)
    )
    assert result.returncode != 0
    assert "No matching distribution found for boto3" in result.stderr
    assert "Retrying" not in result.stderr
