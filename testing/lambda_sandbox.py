"""A Python process shaped like AWS Lambda's: on its path only the unzipped deployment package,
the standard library, and boto3 with its dependencies (which the Lambda runtime provides).

Used by the artifact tests and the cold-start benchmark.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chalicelib.contract import STAGE_NAME
from hooks.release_hook import api_gateway_event as hook_event

# What the Lambda Python runtime ships besides the standard library.
LAMBDA_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "urllib3",
    "six",
)

# Runs inside the sandbox: events as JSON on stdin, one JSON response per line on stdout.
INVOKE_SCRIPT = """
import json, sys, types
assert not any("site-packages" in p for p in sys.path), sys.path
from app import app
for event in json.load(sys.stdin):
    context = types.SimpleNamespace(aws_request_id=event["requestContext"]["requestId"],
                                    function_name="hello", memory_limit_in_mb=256)
    print("RESPONSE " + json.dumps(app(event, context)), flush=True)
"""


def provided_packages(dest: Path, extra: Sequence[str] = ()) -> Path:
    """Links boto3 and its dependencies (plus any `extra` installed distributions), and nothing
    else, into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*LAMBDA_PROVIDED, *extra):
        distribution = importlib.metadata.distribution(name)
        top_levels = {
            Path(str(file)).parts[0]
            for file in distribution.files or []
            if not str(file).startswith("..")
        }
        for top in top_levels:
            if top.endswith((".dist-info", ".egg-info")) or top in {"__pycache__", "bin"}:
                continue
            source = Path(str(distribution.locate_file(top)))
            link = dest / top
            if source.exists() and not link.exists():
                link.symlink_to(source)
    return dest


def unpack(package: str | Path, dest: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(dest)
    return dest


def lambda_python(
    code_dir: Path,
    provided_dir: Path,
    script: str,
    env: dict[str, str],
    stdin: str = "",
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python -S` (no site-packages): only the package and Lambda's own libraries on the path."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{code_dir}{os.pathsep}{provided_dir}",
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-S", "-c", script],
        input=stdin,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def invoke(
    code_dir: Path, provided_dir: Path, events: list[dict[str, Any]], env: dict[str, str]
) -> list[dict[str, Any]]:
    result = lambda_python(code_dir, provided_dir, INVOKE_SCRIPT, env, json.dumps(events))
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return [
        json.loads(line.removeprefix("RESPONSE "))
        for line in result.stdout.splitlines()
        if line.startswith("RESPONSE ")
    ]


def api_gateway_event(
    method: str,
    username: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API Lambda-proxy event for /hello/{username} on the API's stage, built
    by the same code the pre-traffic hook sends to a new version."""
    return hook_event(method, username, body, headers, STAGE_NAME)
