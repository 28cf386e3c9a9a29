"""Fresh copies of the Chalice project for the package tests to build from."""

from __future__ import annotations

import shutil
from pathlib import Path

from testing.paths import APP_DIR


def fresh_copy(tmp: Path) -> Path:
    """The Chalice project as a clean checkout has it: no build cache, no bytecode."""
    project = tmp / "hello_app"
    shutil.copytree(
        APP_DIR,
        project,
        ignore=shutil.ignore_patterns("deployments", "__pycache__", "*.pyc"),
    )
    return project
