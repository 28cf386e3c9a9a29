"""deploy/drift_summary.py: the drift workflow's job summary from `pulumi preview --json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


ALIAS_URN = "urn:pulumi:prod::hello::hello:components:ChaliceApp$aws:lambda/alias:Alias::"


def alias_step(
    op: str = "same",
    weights: dict[str, float] | None = None,
    side: str = "newState",
    **extra: object,
) -> dict:
    """The `live` alias as a refresh reads it: mid-canary CodeDeploy has set routing weights.
    A refresh step carries the refreshed state as its new state; a `same` step may carry it only
    as its old state (the engine writes the digest before the step runs)."""
    outputs: dict[str, Any] = {
        "name": "live",
        "functionVersion": "8",
        "functionName": "hello-prod-api_handler",
    }
    if weights is not None:
        outputs["routingConfig"] = {"additionalVersionWeights": weights}
    state = {"type": "aws:lambda/alias:Alias", "outputs": outputs}
    return {"op": op, "urn": ALIAS_URN + "hello-prod-api_handler", side: state, **extra}


def test_a_canary_in_progress_is_reported_as_a_release_not_as_drift() -> None:
    text = drift_summary.summary("prod", {"steps": [alias_step(weights={"9": 0.1})]})
    assert text.startswith("### prod: no drift\n")
    assert (
        "- `live` serves version 8 and version 9 (10%): CodeDeploy is shifting traffic "
        "(a release is under way), not drift." in text
    )


def test_the_canary_is_read_from_either_state_of_a_step_and_named_once() -> None:
    steps = [
        alias_step("refresh", {"9": 0.25}),
        alias_step("same", {"9": 0.25}, side="oldState"),
    ]
    assert drift_summary.canaries({"steps": steps}) == [("live", "8", {"9": 0.25})]
    only_old = {"steps": [alias_step("same", {"9": 0.25}, side="oldState")]}
    assert "version 9 (25%)" in drift_summary.summary("prod", only_old)


def test_an_alias_diff_of_only_what_codedeploy_owns_is_not_drift() -> None:
    step = alias_step("update", {"9": 0.1}, diffReasons=["routingConfig", "functionVersion"])
    assert drift_summary.drifted({"steps": [step]}) == []


def test_any_other_alias_change_is_still_drift() -> None:
    step = alias_step("update", {"9": 0.1}, diffReasons=["routingConfig", "description"])
    text = drift_summary.summary("prod", {"steps": [step]})
    assert text.startswith("### prod: 1 resource(s) drifted")
    assert "| update | description, routingConfig |" in text
    assert "A canary is in progress" in text  # and the release is still named


def test_an_alias_serving_one_version_names_no_canary() -> None:
    for weights in (None, {}):
        assert drift_summary.canaries({"steps": [alias_step(weights=weights)]}) == []
