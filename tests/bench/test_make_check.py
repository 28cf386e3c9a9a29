"""`make check`, the inner loop: what it runs exists and is fast by construction (no e2e test, no
Node tool), and `make bench` holds it to the issue's 15 s."""

from __future__ import annotations

import re

import bench.__main__ as bench_main
from tests.conftest import ROOT

MAKEFILE = (ROOT / "Makefile").read_text()


def check_tests() -> list[str]:
    found = re.search(r"^CHECK_TESTS := ((?:.*\\\n)*.*)$", MAKEFILE, re.MULTILINE)
    assert found, "the Makefile names make check's tests in CHECK_TESTS"
    return found.group(1).replace("\\\n", " ").split()


def test_make_check_runs_the_domain_app_settings_and_contract_tests() -> None:
    paths = check_tests()
    assert {"tests/domain", "tests/app", "tests/infra/test_stack_config.py"} <= set(paths)
    for path in paths:  # a folder, a file, or one test of a file
        file, _, test = path.partition("::")
        assert (ROOT / file).exists(), path
        assert not test or f"\ndef {test}(" in (ROOT / file).read_text(), path
    assert not [p for p in paths if p.startswith(("tests/e2e", "tests/bench", "pulumi-chalice"))]
    recipe = MAKEFILE.split("\ncheck: ")[1].split("\n\n")[0]
    assert "-m pytest -q -n 2 -p no:cacheprovider $(CHECK_TESTS)" in recipe
    assert "make_check_wall_s" in recipe
    phony = re.search(r"^\.PHONY: (.*)$", MAKEFILE, re.MULTILINE)
    assert phony
    assert "check" in phony.group(1).split()


def test_make_bench_holds_it_to_fifteen_seconds() -> None:
    assert bench_main.MAKE_CHECK_TARGET_S == 15.0


def test_the_readme_lists_it_among_the_commands() -> None:
    assert "\n| `make check` | the inner loop" in (ROOT / "README.md").read_text()


def test_make_test_is_held_to_sixty_seconds_and_bench_installs_what_it_needs() -> None:
    assert bench_main.MAKE_TEST_TARGET_S == 60.0
    # `make bench` times `make test`: it installs test's prerequisites (the venv, the wheels,
    # the template wheels, the Node tools) before, so a fresh clone's first `make bench` times
    # the run, not the install.
    assert re.search(r"^test: \$\(TEST_PREREQUISITES\)$", MAKEFILE, re.MULTILINE)
    assert re.search(r"^bench: \$\(TEST_PREREQUISITES\)$", MAKEFILE, re.MULTILINE)
    prerequisites = re.search(r"^TEST_PREREQUISITES := (.*)$", MAKEFILE, re.MULTILINE)
    assert prerequisites
    assert prerequisites.group(1).split() == [
        "$(STAMP)",
        "$(WHEELS_STAMP)",
        "$(TEMPLATE_WHEELS_STAMP)",  # the CDK template's wheels: packaging it needs no network
        "$(NODE_TOOLS)/node_modules/.installed",
    ]
