"""Where the repository and the Chalice project are, for every harness and test (one owner)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "hello_app"
