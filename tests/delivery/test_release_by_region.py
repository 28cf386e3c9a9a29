"""The deploy job's shift step, run in bash with stand-ins for the probe, shift_traffic.py and
the Pulumi CLI: each region's live version is recorded before anything moves, regions are
released in the outputs' order, one completely before the next, the first failure stops the
release and shifts every region this run moved back to its recorded version, and each region's
probe gets that region and the shared secret; a restore remembers the code it takes out unless
the release stopped for a reason that says nothing of the code (exits 4, 5 and 6:
--code-not-judged). A
one-region stack (dev) releases through the public URL, with no --region and no secret read."""

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
# logs its arguments (and the secret it was given) and exits as PROBE_EXIT_<region>,
# SHIFT_EXIT_<region> or RESTORE_EXIT_<region> says; `--print-live-version` prints
# LIVE_<region> and exits RECORD_EXIT_<region>; a restore logs " not judged" after its version
# when given --code-not-judged. In Python, since a background job of a
# non-interactive bash starts with SIGINT ignored, which only a handler installed by the program
# itself (as the real probe's) undoes.
FAKE_PYTHON = """#!{python}
import os, signal, subprocess, sys, time
args = sys.argv[1:]
if args[0] == "-c":
    sys.exit(subprocess.run([{python!r}, *args]).returncode)
region = args[args.index("--region") + 1] if "--region" in args else None
key = (region or "only").replace("-", "_")
with open("calls.log", "a") as log:
    if args[:2] == ["-m", "deploy.probe"]:
        secret = os.environ.get("PROBE_ORIGIN_SECRET", "none")
        log.write(f"probe {{region or 'public'}} secret={{secret}}\\n")
    elif "--print-live-version" in args:
        log.write(f"record {{region or 'only'}}\\n")
    elif "--restore-to" in args:
        version = args[args.index("--restore-to") + 1]
        judged = " not judged" if "--code-not-judged" in args else ""
        log.write(f"restore {{region or 'only'}} to {{version}}{{judged}}\\n")
    else:
        log.write(f"shift {{region or 'only'}}\\n")
if args[:2] == ["-m", "deploy.probe"]:
    probe_exit = int(os.environ.get("PROBE_EXIT_" + key, "0"))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(probe_exit))
    open("probe.ready", "w").close()
    time.sleep(20)  # stopped by the step's SIGINT long before
    sys.exit(9)
if "--print-live-version" in args:
    print(os.environ.get("LIVE_" + key, "7"))
    sys.exit(int(os.environ.get("RECORD_EXIT_" + key, "0")))
if "--restore-to" in args:
    sys.exit(int(os.environ.get("RESTORE_EXIT_" + key, "0")))
sys.exit(int(os.environ.get("SHIFT_EXIT_" + key, "0")))
"""
FAKE_PULUMI = """#!/bin/sh
echo "pulumi $*" >> calls.log
echo s3cret
"""


def shift_script() -> str:
    steps = load("deploy.yml")["jobs"]["deploy"]["steps"]
    (script,) = [s["run"] for s in steps if "shift_traffic.py" in s.get("run", "")]
    return script


def run(tmp_path: Path, regions: list[str], **env_values: str) -> tuple[int, list[str], str]:
    """Runs the step; `env_values`, e.g. SHIFT_EXIT_eu_west_2="1", LIVE_eu_west_1="41"."""
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
        **env_values,
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
    calls = tmp_path / "calls.log"
    log = calls.read_text().splitlines() if calls.exists() else []
    return result.returncode, log, result.stdout


RECORDED = ["record eu-west-1", "record eu-west-2"]
SECRET = ["pulumi stack output origin_secret --show-secrets --stack prod"]


def test_two_regions_are_released_one_after_the_other(tmp_path: Path) -> None:
    status, calls, stdout = run(tmp_path, ["eu-west-1", "eu-west-2"])
    assert status == 0
    assert calls == [
        *SECRET,
        *RECORDED,  # before anything moves
        "probe eu-west-1 secret=s3cret",
        "shift eu-west-1",
        "probe eu-west-2 secret=s3cret",
        "shift eu-west-2",
    ]
    assert "::add-mask::s3cret" in stdout  # never printed in the clear
    assert "restore" not in stdout


@pytest.mark.parametrize("code", [1, 2, 3, 4])  # rolled back, timed out, refused, not ready
def test_a_failure_in_the_first_region_touches_nothing_else(tmp_path: Path, code: int) -> None:
    status, calls, stdout = run(
        tmp_path, ["eu-west-1", "eu-west-2"], SHIFT_EXIT_eu_west_1=str(code)
    )
    assert status == code
    # Its own alias never moved (CodeDeploy rolled it back, or no deployment was made): no
    # region was released, none is restored, the second is never released.
    assert calls == [*SECRET, *RECORDED, "probe eu-west-1 secret=s3cret", "shift eu-west-1"]
    assert f"release stopped in eu-west-1 (exit {code})" in stdout
    assert "shifted back" not in stdout


@pytest.mark.parametrize("code", [1, 3])  # rolled back; code another region rolled back
def test_a_failure_in_the_second_region_shifts_the_first_back(tmp_path: Path, code: int) -> None:
    status, calls, stdout = run(
        tmp_path,
        ["eu-west-1", "eu-west-2"],
        LIVE_eu_west_1="41",
        LIVE_eu_west_2="12",
        SHIFT_EXIT_eu_west_2=str(code),
    )
    assert status == code  # the job fails with the release's own exit
    assert calls[-3:] == [
        "probe eu-west-2 secret=s3cret",
        "shift eu-west-2",
        "restore eu-west-1 to 41",  # the version eu-west-1 served before this run
    ]
    assert f"::error::release stopped in eu-west-2 (exit {code})" in stdout
    assert (
        "::error::eu-west-1 shifted back to version 41, the one it served before this release"
        in stdout
    )


def test_only_a_failed_probe_shifts_its_own_region_back_too(tmp_path: Path) -> None:
    """CodeDeploy finished the shift, so the region serves the release: it is put back too."""
    status, calls, stdout = run(
        tmp_path,
        ["eu-west-1", "eu-west-2"],
        LIVE_eu_west_1="41",
        LIVE_eu_west_2="12",
        PROBE_EXIT_eu_west_2="1",
    )
    assert status == 1
    assert calls[-2:] == ["restore eu-west-1 to 41", "restore eu-west-2 to 12"]
    assert "eu-west-2 shifted back to version 12" in stdout


def test_a_restore_that_fails_is_named_and_the_others_still_run(tmp_path: Path) -> None:
    status, calls, stdout = run(
        tmp_path,
        ["eu-west-1", "eu-west-2", "eu-central-1"],
        LIVE_eu_west_1="41",
        LIVE_eu_west_2="12",
        SHIFT_EXIT_eu_central_1="1",
        RESTORE_EXIT_eu_west_1="2",
    )
    assert status == 1
    assert calls[-2:] == ["restore eu-west-1 to 41", "restore eu-west-2 to 12"]
    assert "::error::eu-west-1 NOT shifted back to version 41 (exit 2)" in stdout
    assert "::error::eu-west-2 shifted back to version 12" in stdout


def test_a_version_that_cannot_be_recorded_stops_before_anything_moves(tmp_path: Path) -> None:
    status, calls, _ = run(tmp_path, ["eu-west-1", "eu-west-2"], RECORD_EXIT_eu_west_2="255")
    assert status == 255
    assert calls == [*SECRET, *RECORDED]  # no probe, no shift, nothing to restore


def test_one_region_releases_through_the_public_url_without_the_secret(tmp_path: Path) -> None:
    status, calls, _ = run(tmp_path, ["eu-west-1"])
    assert status == 0
    assert calls == ["record only", "probe public secret=none", "shift only"]


def test_one_region_whose_probe_fails_is_shifted_back(tmp_path: Path) -> None:
    status, calls, stdout = run(tmp_path, ["eu-west-1"], LIVE_only="5", PROBE_EXIT_only="1")
    assert status == 1
    # CodeDeploy succeeded and the probe failed: the restore judges the code (no " not judged").
    assert calls[-1] == "restore only to 5"
    assert "eu-west-1 shifted back to version 5" in stdout


# Why the release stopped decides whether a restore remembers the code it takes out: a rollback
# (1), a timeout (2), a refusal (3) and a failed probe judge it bad; a version that never became
# ready (4), an AWS call that failed (5) or a wrong command or outputs (6) says nothing of it.
@pytest.mark.parametrize(
    ("stop", "restores"),
    [
        ({"SHIFT_EXIT_eu_west_2": "1"}, ["restore eu-west-1 to 41"]),
        ({"SHIFT_EXIT_eu_west_2": "2"}, ["restore eu-west-1 to 41"]),
        ({"SHIFT_EXIT_eu_west_2": "3"}, ["restore eu-west-1 to 41"]),
        ({"PROBE_EXIT_eu_west_2": "1"}, ["restore eu-west-1 to 41", "restore eu-west-2 to 12"]),
        # The shift's exit decides, never the job's: a probe exiting 4 still judges.
        ({"PROBE_EXIT_eu_west_2": "4"}, ["restore eu-west-1 to 41", "restore eu-west-2 to 12"]),
        ({"SHIFT_EXIT_eu_west_2": "4"}, ["restore eu-west-1 to 41 not judged"]),
        # An AWS call failed (throttled, denied): nothing judged the code either.
        ({"SHIFT_EXIT_eu_west_2": "5"}, ["restore eu-west-1 to 41 not judged"]),
        # The command or the outputs were wrong: nothing ran, nothing judged.
        ({"SHIFT_EXIT_eu_west_2": "6"}, ["restore eu-west-1 to 41 not judged"]),
        # Any other exit judges (the safe side).
        ({"SHIFT_EXIT_eu_west_2": "7"}, ["restore eu-west-1 to 41"]),
        # Not ready, and the probe failed too: it watched the old code, still nothing judged.
        (
            {"SHIFT_EXIT_eu_west_2": "4", "PROBE_EXIT_eu_west_2": "1"},
            ["restore eu-west-1 to 41 not judged"],
        ),
    ],
    ids=[
        "rolled-back",
        "timed-out",
        "refused",
        "probe",
        "probe-exit-4",
        "not-ready",
        "aws-error",
        "usage-error",
        "unknown-exit",
        "not-ready-and-probe",
    ],
)
def test_only_a_version_not_ready_restores_without_judging_the_code(
    tmp_path: Path, stop: dict[str, str], restores: list[str]
) -> None:
    status, calls, _ = run(
        tmp_path, ["eu-west-1", "eu-west-2"], LIVE_eu_west_1="41", LIVE_eu_west_2="12", **stop
    )
    expected_status = int(stop.get("SHIFT_EXIT_eu_west_2", stop.get("PROBE_EXIT_eu_west_2", "0")))
    assert status == expected_status
    assert [call for call in calls if call.startswith("restore")] == restores


def test_outputs_without_a_region_fail_the_step_rather_than_release_nothing(
    tmp_path: Path,
) -> None:
    status, calls, stdout = run(tmp_path, [])
    assert status == 1
    assert calls == []  # no secret read, nothing recorded, probed or shifted
    assert "list no region to release" in stdout
