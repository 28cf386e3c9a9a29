"""deploy/error_budget.py: the budget arithmetic, the gate's verdicts (budget left, spent,
unreadable; with and without the override) and its CloudWatch reads, against a stubbed client
and the real stack's `slo` output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from deploy.error_budget import (
    Budget,
    Heard,
    Reading,
    decide,
    main,
    metric_data_queries,
    read_sums,
)
from tests.infra.conftest import cached

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


# The arithmetic (docs/slo.md, "The budget"): allowed bad events = (1 - objective) x total;
# left = 1 - bad / allowed.
@pytest.mark.parametrize(
    ("objective", "bad", "total", "left"),
    [
        (99.9, 0, 1_000_000, 1.0),  # nothing failed
        (99.9, 500, 1_000_000, 0.5),  # half of 1,000 allowed failures
        (99.9, 1_000, 1_000_000, 0.0),  # exactly spent
        (99.9, 1_500, 1_000_000, -0.5),  # overspent by half
        (99.0, 25, 10_000, 0.75),  # dev's 99 %: 100 allowed of 10,000
        (99.9, 0, 0, 1.0),  # no traffic spends nothing
    ],
)
def test_budget_left(objective: float, bad: float, total: float, left: float) -> None:
    assert Budget("server", objective, bad, total).left == pytest.approx(left)


def test_a_budget_is_spent_at_zero_and_below_only() -> None:
    assert not Budget("server", 99.9, 999, 1_000_000).spent
    assert Budget("server", 99.9, 1_000, 1_000_000).spent
    assert Budget("server", 99.9, 5_000, 1_000_000).spent


def test_budget_line_names_the_sli_and_what_is_left() -> None:
    line = Budget("client", 99.9, 2, 4_000).line()
    assert line.startswith("client: 2 bad of 4000 (0.0500%; objective 99.9 %, budget 4)")
    assert line.endswith("50.0% left")


# prod's checks: 2 locations x 4 requests a minute x 1,440 minutes, at least half heard.
HEARD = Heard(11_520, 5_760)
SILENT = Heard(5_759, 5_760)
HEALTHY = Reading([Budget("client", 99.9, 1, 40_000), Budget("server", 99.9, 10, 1_000_000)], HEARD)
EXHAUSTED = Reading(
    [Budget("client", 99.9, 1, 40_000), Budget("server", 99.9, 2_000, 1_000_000)], HEARD
)
# Checks that stopped: nothing failed because nothing ran, every budget reads untouched.
QUIET = Reading([Budget("client", 99.9, 0, 0), Budget("server", 99.9, 0, 1_000_000)], SILENT)


def test_the_gate_opens_with_budget_left_and_the_checks_heard() -> None:
    outcome = decide(lambda: HEALTHY, spend_anyway=False)
    assert outcome.exit_code == 0
    assert outcome.lines[-1] == "error budget gate open"
    assert outcome.lines[2] == (
        "synthetic checks, last day: 11520 requests (at least 5760 expected)"
    )
    assert len(outcome.lines) == 4


def test_an_exhausted_budget_refuses_the_release() -> None:
    outcome = decide(lambda: EXHAUSTED, spend_anyway=False)
    assert outcome.exit_code == 1
    assert "error budget spent (server): release refused" in outcome.lines[-1]
    assert "--spend-budget-anyway" in outcome.lines[-1]


def test_the_override_releases_anyway_and_says_so() -> None:
    outcome = decide(lambda: EXHAUSTED, spend_anyway=True)
    assert outcome.exit_code == 0
    assert outcome.lines[-1] == (
        "error budget spent (server): releasing anyway (--spend-budget-anyway, fix forward)"
    )


def test_silent_checks_refuse_although_every_budget_reads_untouched() -> None:
    """The checks fail open: without their datapoints every sum is 0 (review 23, HIGH 2)."""
    assert all(not budget.spent for budget in QUIET.budgets)
    refused = decide(lambda: QUIET, spend_anyway=False)
    assert refused.exit_code == 1
    assert refused.lines[-1].startswith(
        "synthetic checks silent (every budget reads untouched without them): release refused"
    )
    overridden = decide(lambda: QUIET, spend_anyway=True)
    assert overridden.exit_code == 0 and "releasing anyway" in overridden.lines[-1]


def test_checks_heard_at_exactly_half_are_not_silent() -> None:
    assert not Heard(5_760, 5_760).silent and Heard(5_759.9, 5_760).silent


def test_a_stack_without_an_slo_output_opens_the_gate_and_says_so() -> None:
    outcome = decide(lambda: Reading([], None), spend_anyway=False)
    assert outcome.exit_code == 0
    assert outcome.lines == [
        "no `slo` output on the live stack (its first deploy): no budget to read, "
        "error budget gate open"
    ]


def test_an_unreadable_budget_refuses_unless_overridden() -> None:
    def broken() -> Reading:
        raise RuntimeError("AccessDenied")

    refused = decide(broken, spend_anyway=False)
    assert refused.exit_code == 1
    assert refused.lines[0].startswith("error budget unreadable: RuntimeError: AccessDenied")
    assert decide(broken, spend_anyway=True).exit_code == 0


SLI = {
    "metrics": [
        {
            "id": "checks0",
            "namespace": "hello/prod",
            "metric": "CheckRequests",
            "dimensions": {"Location": "us-east-1"},
            "stat": "Sum",
        },
        {
            "id": "failures0",
            "namespace": "hello/prod",
            "metric": "CheckFailures",
            "dimensions": {"Location": "us-east-1"},
            "stat": "Sum",
        },
    ],
    "expressions": [["bad", "FILL(failures0, 0)"], ["total", "FILL(checks0, 0)"]],
}


# SLI in GetMetricData's shape (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
# API_GetMetricData.html), hourly sums, only bad and total returned: written out.
SLI_QUERIES = [
    {
        "Id": "checks0",
        "MetricStat": {
            "Metric": {
                "Namespace": "hello/prod",
                "MetricName": "CheckRequests",
                "Dimensions": [{"Name": "Location", "Value": "us-east-1"}],
            },
            "Period": 3600,
            "Stat": "Sum",
        },
        "ReturnData": False,
    },
    {
        "Id": "failures0",
        "MetricStat": {
            "Metric": {
                "Namespace": "hello/prod",
                "MetricName": "CheckFailures",
                "Dimensions": [{"Name": "Location", "Value": "us-east-1"}],
            },
            "Period": 3600,
            "Stat": "Sum",
        },
        "ReturnData": False,
    },
    {"Id": "bad", "Expression": "FILL(failures0, 0)", "ReturnData": True},
    {"Id": "total", "Expression": "FILL(checks0, 0)", "ReturnData": True},
]


def test_queries_take_getmetricdatas_shape_and_return_only_bad_and_total() -> None:
    assert metric_data_queries(SLI) == SLI_QUERIES


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudwatch", region_name="eu-west-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def result(key: str, values: list[float], status: str = "Complete") -> dict[str, Any]:
    return {"Id": key, "Label": key, "Values": values, "Timestamps": [NOW] * len(values),
            "StatusCode": status}  # fmt: skip


def test_sums_every_datapoint_of_every_page(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stub = cloudwatch
    start = NOW - timedelta(days=28)
    expected = {"MetricDataQueries": SLI_QUERIES, "StartTime": start, "EndTime": NOW}
    stub.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("bad", [1, 2]), result("total", [100, 200])],
         "NextToken": "more"},
        expected,
    )  # fmt: skip
    stub.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("bad", [3]), result("total", [300], "PartialData")]},
        {**expected, "NextToken": "more"},
    )
    assert read_sums(client, SLI, start, NOW) == (6, 600)


def test_a_failed_query_is_not_read_as_zero(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stub = cloudwatch
    stub.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("bad", [], "Forbidden"), result("total", [10])]},
    )
    with pytest.raises(RuntimeError, match="bad: Forbidden"):
        read_sums(client, SLI, NOW - timedelta(days=1), NOW)


def outputs_file(tmp_path: Path) -> Path:
    """The real prod stack's outputs, as the deploy job writes them."""
    path = tmp_path / "stack-outputs.json"
    path.write_text(json.dumps(cached("prod").outputs))
    return path


def stub_window(stub: Stubber, sums: dict[str, tuple[float, float]], heard: float = 11_520) -> None:
    """Each SLI over the 28-day window (sloWindowDays), then the checks' last day, each read
    with its own time range."""
    window = {"MetricDataQueries": ANY, "StartTime": NOW - timedelta(days=28), "EndTime": NOW}
    for key in ("client", "server"):
        bad, total = sums[key]
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [result("bad", [bad]), result("total", [total])]},
            window,
        )
    stub.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("bad", [0]), result("total", [heard])]},
        {**window, "StartTime": NOW - timedelta(days=1)},
    )


@pytest.mark.parametrize(
    ("spend_anyway", "exit_code", "last_line"),
    [
        (False, 1, "error budget spent (server): release refused"),
        (True, 0, "error budget spent (server): releasing anyway"),
    ],
)
def test_main_reads_the_stacks_slo_and_logs_the_verdict_in_the_job_summary(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cloudwatch: tuple[Any, Stubber],
    spend_anyway: bool,
    exit_code: int,
    last_line: str,
) -> None:
    client, stub = cloudwatch
    path = outputs_file(tmp_path)
    slo = json.loads(path.read_text())["slo"]
    assert (slo["objective_percent"], slo["window_days"]) == (99.9, 28)
    # prod's 99.9 %: 1,000,000 requests allow 1,000 failures; 1,200 overspend by a fifth.
    stub_window(stub, {"client": (0, 80_000), "server": (1_200, 1_000_000)})
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    argv = ["--outputs", str(path), *(["--spend-budget-anyway"] if spend_anyway else [])]
    assert main(argv, cloudwatch=client, now=NOW) == exit_code
    written = summary.read_text()
    assert written.startswith("### Error budget before the release")
    assert "server: 1200 bad of 1e+06 (0.1200%; objective 99.9 %, budget 1000): -20.0% left" in (
        written
    )
    assert last_line in written


def test_main_opens_with_budget_left(tmp_path: Path, cloudwatch: tuple[Any, Stubber]) -> None:
    client, stub = cloudwatch
    path = outputs_file(tmp_path)
    stub_window(stub, {"client": (1, 80_000), "server": (10, 1_000_000)})
    assert main(["--outputs", str(path)], cloudwatch=client, now=NOW) == 0


def test_main_refuses_when_the_checks_went_silent(
    tmp_path: Path, cloudwatch: tuple[Any, Stubber]
) -> None:
    client, stub = cloudwatch
    path = outputs_file(tmp_path)
    # prod's stack: 2 locations x 4 requests x 1,440 minutes = 11,520 a day; under half is silence.
    stub_window(stub, {"client": (0, 9_000), "server": (0, 1_000_000)}, heard=5_759)
    assert main(["--outputs", str(path)], cloudwatch=client, now=NOW) == 1


def test_main_reads_the_serving_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a client given, main builds one in the `slo` output's region (prod's
    aws:region), where the alarms and the checks' metrics are."""
    path = outputs_file(tmp_path)
    regions: list[tuple[str, str]] = []

    def refuse(service: str, region_name: str) -> Any:
        regions.append((service, region_name))
        raise RuntimeError("no AWS here")

    monkeypatch.setattr(boto3, "client", refuse)
    assert main(["--outputs", str(path)], now=NOW) == 1  # unreadable: refused
    assert regions == [("cloudwatch", cached("prod").settings["region"])]
    assert cached("prod").settings["region"] == "eu-west-1"  # Pulumi.prod.yaml


def test_main_without_an_slo_output_opens_and_reads_nothing(
    tmp_path: Path, cloudwatch: tuple[Any, Stubber]
) -> None:
    client, _ = cloudwatch  # no response stubbed: any read would fail the test
    path = tmp_path / "live-outputs.json"
    path.write_text(json.dumps({"url": "https://d111.cloudfront.net"}))
    assert main(["--outputs", str(path)], cloudwatch=client, now=NOW) == 0
