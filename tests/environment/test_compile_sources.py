"""The Makefile's first step of `make test`/`make check`: it compiles the repository's sources,
those alone, wherever the checkout is, and does nothing when there is nothing to compile."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# Stands in for .venv/bin/python: logs each call's arguments (one per line, a blank line after),
# then runs the real interpreter with them.
LOGGING_PYTHON = """#!/bin/sh
for arg in "$@"; do printf '%s\\n' "$arg" >> "$CALLS"; done
printf '\\n' >> "$CALLS"
exec {python} "$@"
"""


def compile_command() -> str:
    """The recipe's compile line as make would run it (printed, not run, by `make -n`)."""
    printed = subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "-n", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [line for line in printed.splitlines() if "compileall" in line]
    return line


def run_in(tree: Path) -> list[list[str]]:
    """Runs the compile line in `tree` with a logging interpreter; the calls it made."""
    python = tree / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(LOGGING_PYTHON.format(python=sys.executable))
    python.chmod(0o755)
    calls = tree / "calls.log"
    env = {**os.environ, "CALLS": str(calls)}
    bash = shutil.which("bash") or "bash"
    subprocess.run([bash, "-c", compile_command()], cwd=tree, env=env, check=True, timeout=60)
    if not calls.exists():
        return []
    return [block.splitlines() for block in calls.read_text().split("\n\n") if block]


def test_sources_in_a_path_with_spaces_are_compiled_and_nothing_else(tmp_path: Path) -> None:
    tree = tmp_path / "a checkout"
    sources = tree / "my package" / "mod ule.py"
    sources.parent.mkdir(parents=True)
    sources.write_text("VALUE = 1\n")
    for skipped in (".git", "build", "node_modules", "deep/build"):
        (tree / skipped).mkdir(parents=True)
        (tree / skipped / "skipped.py").write_text("VALUE = 2\n")
    (call,) = run_in(tree)
    assert call[:5] == ["-m", "compileall", "-q", "-j", "2"]
    assert call[5:] == ["./my package/mod ule.py"]
    assert list((sources.parent / "__pycache__").glob("mod ule.cpython-*.pyc"))
    assert not list(tree.rglob("skipped*.pyc"))


def test_a_tree_without_python_runs_no_compiler(tmp_path: Path) -> None:
    """With no file xargs must not run compileall at all: given no argument, compileall
    compiles every folder of sys.path (the standard library's too) instead."""
    (tmp_path / "README.md").write_text("no Python here\n")
    assert run_in(tmp_path) == []
