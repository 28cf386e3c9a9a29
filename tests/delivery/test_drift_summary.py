"""deploy/drift_summary.py: the drift workflow's job summary from `pulumi preview --json`."""

from __future__ import annotations

import json
from pathlib import Path

from deploy import drift_summary

URN = "urn:pulumi:prod::hello::hello:components:ChaliceApp$aws:lambda/function:Function::"
PREVIEW = {
    "steps": [
        {"op": "same", "urn": URN + "hello-prod-token_check"},
        {
            "op": "update",
            "urn": URN + "hello-prod-api_handler",
            "diffReasons": ["memorySize", "environment"],
        },
        {"op": "create", "urn": "urn:pulumi:prod::hello::aws:sns/topic:Topic::hello-prod-alarms"},
        {"op": "refresh", "urn": URN + "hello-prod-other"},
    ],
    "changeSummary": {"same": 2, "update": 1, "create": 1},
}


def test_lists_each_drifted_resource_with_what_would_change() -> None:
    text = drift_summary.summary("prod", PREVIEW)
    assert text.startswith("### prod: 2 resource(s) drifted")
    row = "| hello-prod-api_handler | `aws:lambda/function:Function` | update |"
    assert f"{row} environment, memorySize |" in text
    assert "| hello-prod-alarms | `aws:sns/topic:Topic` | create | - |" in text
    assert "token_check" not in text and "hello-prod-other" not in text


def test_says_so_when_nothing_drifted() -> None:
    text = drift_summary.summary("dev", {"steps": [{"op": "same", "urn": URN + "x"}]})
    assert text == "### dev: no drift\n\nEvery resource matches the program on main.\n"


def test_a_failed_preview_still_leaves_a_summary(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "preview.json"
    broken.write_text("error: could not load plugin")
    assert drift_summary.main(["prod", str(broken)]) == 0
    assert "### prod: the preview failed" in capsys.readouterr().out
    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps(PREVIEW))
    drift_summary.main(["prod", str(fine)])
    assert "2 resource(s) drifted" in capsys.readouterr().out
