"""The deploy job's shift step, run in bash with stand-ins for the probe, shift_traffic.py and
the Pulumi CLI: regions are released in the outputs' order, one completely before the next, the
first failure stops the release, and each region's probe gets that region and the shared secret.
A one-region stack (dev) releases as before: the public URL, no --region, no secret read."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.delivery.test_workflows import load

# Stands in for .venv/bin/python: real Python for `-c`; for the probe and shift_traffic.py it
# logs its arguments (and the secret it was given) and exits as SHIFT_EXIT_<region> says. In
# Python, since a background job of a non-interactive bash starts with SIGINT ignored, which only
# a handler installed by the program itself (as the real probe's) undoes.
FAKE_PYTHON = """#!{python}
import os, signal, subprocess, sys, time
args = sys.argv[1:]
if args[0] == "-c":
    sys.exit(subprocess.run([{python!r}, *args]).returncode)
region = args[args.index("--region") + 1] if "--region" in args else None
with open("calls.log", "a") as log:
    if args[:2] == ["-m", "deploy.probe"]:
        secret = os.environ.get("PROBE_ORIGIN_SECRET", "none")
        log.write(f"probe {{region or 'public'}} secret={{secret}}\\n")
    else:
        log.write(f"shift {{region or 'only'}}\\n")
if args[:2] == ["-m", "deploy.probe"]:
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    open("probe.ready", "w").close()
    time.sleep(20)  # stopped by the step's SIGINT long before
    sys.exit(9)
sys.exit(int(os.environ.get("SHIFT_EXIT_" + (region or "only").replace("-", "_"), "0")))
"""
FAKE_PULUMI = """#!/bin/sh
echo "pulumi $*" >> calls.log
echo s3cret
"""


def shift_script() -> str:
    steps = load("deploy.yml")["jobs"]["deploy"]["steps"]
    (script,) = [s["run"] for s in steps if "shift_traffic.py" in s.get("run", "")]
    return script


def run(tmp_path: Path, regions: list[str], **exits: int) -> tuple[int, list[str], str]:
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    pulumi = tmp_path / "bin" / "pulumi"
    pulumi.parent.mkdir()
    pulumi.write_text(FAKE_PULUMI)
    for tool in (python, pulumi):
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    outputs = {"url": "https://d1.cloudfront.net", "regions": [{"region": r} for r in regions]}
    (tmp_path / "stack-outputs.json").write_text(json.dumps(outputs))
    env = {
        **os.environ,
        "PATH": f"{pulumi.parent}:{os.environ['PATH']}",
        "STACK": "prod",
        **{f"SHIFT_EXIT_{k}": str(v) for k, v in exits.items()},
    }
    result = subprocess.run(
        [shutil.which("bash") or "bash", "-e", "-c", shift_script()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    log = (tmp_path / "calls.log").read_text().splitlines()
    return result.returncode, log, result.stdout


def test_two_regions_are_released_one_after_the_other(tmp_path: Path) -> None:
    status, calls, stdout = run(tmp_path, ["eu-west-1", "eu-west-2"])
    assert status == 0
    assert calls == [
        "pulumi stack output origin_secret --show-secrets --stack prod",
        "probe eu-west-1 secret=s3cret",
        "shift eu-west-1",
        "probe eu-west-2 secret=s3cret",
        "shift eu-west-2",
    ]
    assert "::add-mask::s3cret" in stdout  # never printed in the clear


@pytest.mark.parametrize("code", [1, 3])  # rolled back; code another region rolled back
def test_the_first_failure_stops_the_release(tmp_path: Path, code: int) -> None:
    status, calls, stdout = run(tmp_path, ["eu-west-1", "eu-west-2"], eu_west_1=code)
    assert status == code
    assert calls[-1] == "shift eu-west-1"
    assert not [c for c in calls if "eu-west-2" in c]
    assert f"release stopped in eu-west-1 (exit {code})" in stdout


def test_a_failure_in_the_second_region_is_the_jobs_failure(tmp_path: Path) -> None:
    status, calls, _ = run(tmp_path, ["eu-west-1", "eu-west-2"], eu_west_2=1)
    assert status == 1
    assert calls[-1] == "shift eu-west-2"


def test_one_region_releases_through_the_public_url_without_the_secret(tmp_path: Path) -> None:
    status, calls, _ = run(tmp_path, ["eu-west-1"])
    assert status == 0
    assert calls == ["probe public secret=none", "shift only"]
