"""`make mutation` fails when mutmut's score is below its target (tools/mutation_score.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.mutation_score import TARGET, main


def stats_file(tmp_path: Path, killed: int, survived: int, timeout: int = 0) -> str:
    total = killed + survived + timeout
    path = tmp_path / "mutmut-cicd-stats.json"
    path.write_text(
        json.dumps({"killed": killed, "survived": survived, "timeout": timeout, "total": total})
    )
    return str(path)


def test_the_target_is_the_issue_s_95_percent() -> None:
    assert TARGET == 0.95


@pytest.mark.parametrize(
    ("killed", "survived", "timeout"), [(95, 5, 0), (90, 5, 5), (100, 0, 0), (950, 50, 0)]
)
def test_a_score_at_or_above_the_target_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], killed: int, survived: int, timeout: int
) -> None:
    assert main(stats_file(tmp_path, killed, survived, timeout)) == 0
    assert "mutation_score:" in capsys.readouterr().out


@pytest.mark.parametrize(("killed", "survived"), [(94, 6), (949, 51), (0, 1)])
def test_a_score_below_the_target_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], killed: int, survived: int
) -> None:
    assert main(stats_file(tmp_path, killed, survived)) == 1
    assert "below its target 95%" in capsys.readouterr().err


def test_an_incomplete_run_fails(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    path.write_text(json.dumps({"killed": 0, "survived": 0, "timeout": 0, "total": 3}))
    assert main(str(path)) == 1
