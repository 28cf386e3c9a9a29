"""Every config key the program reads is documented, and the stack files set no unknown key."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

PROGRAM = (ROOT / "__main__.py").read_text()
README = (ROOT / "README.md").read_text()


def keys_read() -> set[str]:
    pattern = r"""(?:config\.get\w*\(|setting\(\s*config\.get\w*,)\s*["']([A-Za-z0-9]+)["']"""
    return {f"hello:{key}" for key in re.findall(pattern, PROGRAM)} | {"aws:region"}


def test_the_program_reads_a_known_set_of_keys() -> None:
    assert {"hello:lambdaMemoryMb", "hello:githubRepository", "hello:wafEnabled"} <= keys_read()


def test_readme_lists_every_key() -> None:
    missing = {key for key in keys_read() if f"`{key}`" not in README}
    assert missing == set()


def test_stack_files_use_only_keys_the_program_reads() -> None:
    for stack in ("dev", "prod"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert set(config) <= keys_read(), stack
