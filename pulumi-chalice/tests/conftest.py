"""The `packaged` fixture: one Chalice project and stage, packaged by Terraform and evaluated as
ChaliceApp, once per test run (see chalice_projects.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalice_projects import Packaged, package_and_evaluate
from shared_results import computed_once, end_run, start_run


def pytest_configure(config: pytest.Config) -> None:
    start_run(config)  # one folder for the run's shared results, under build/test-runs


def pytest_sessionfinish(session: pytest.Session) -> None:
    end_run(session.config)


_packaged: dict[tuple[str, str], Packaged] = {}


@pytest.fixture
def packaged(request: pytest.FixtureRequest) -> Packaged:
    """The case packaged by Terraform and evaluated as ChaliceApp, once per test run."""
    project, stage = request.param
    if (project, stage) not in _packaged:
        data = computed_once(
            f"chalice-{project}-{stage}", lambda work: package_and_evaluate(project, stage, work)
        )
        _packaged[project, stage] = Packaged(**{**data, "project_dir": Path(data["project_dir"])})
    return _packaged[project, stage]
