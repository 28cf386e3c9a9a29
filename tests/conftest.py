"""Fixes the region for every test; the project's modules import as installed (`-e .`)."""

from __future__ import annotations

import os
from pathlib import Path

from tools.shared_results import computed_once

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "hello_app"

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

__all__ = ["APP_DIR", "ROOT", "computed_once"]
