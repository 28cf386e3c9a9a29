"""The prod release's error-budget gate: no release starts while the availability SLO's budget
for the window is spent, unless it is a fix forward that says so.

Usage: python deploy/error_budget.py --outputs live-outputs.json [--spend-budget-anyway]

Runs before `pulumi up`, on the live stack's outputs. Its `slo` output holds the objective, the
window, the region, each SLI's metric queries (hello_stack/slo.py owns them) and the fewest
requests the synthetic checks send in a day when they work. This sums each SLI's bad and total
events over the window (CloudWatch GetMetricData, hourly datapoints) and the client-side total
over the last day, and prints the budget left, also to $GITHUB_STEP_SUMMARY. Exits 0 when every
SLI has budget left and the checks were heard; 1 when a budget is spent, when the checks were
silent (then every budget reads untouched: the checks fail open) or when it could not read
them (what it cannot confirm is a refusal). A stack without an `slo` output (its first deploy)
has no budget yet: the gate opens and says so. `--spend-budget-anyway` releases all the same,
to fix forward, and says so in the job summary (like shift_traffic's `--ignore-alarms`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PERIOD_SECONDS = 3_600  # hourly sums: CloudWatch keeps them 455 days, any window fits
SUMMED = ("bad", "total")
CLIENT_SLI = "client"  # the synthetic checks' SLI: its last day says whether they ran
HEARD_OVER = timedelta(days=1)


@dataclass(frozen=True)
class Budget:
    sli: str
    objective_percent: float
    bad: float
    total: float

    @property
    def allowed(self) -> float:
        """How many bad events the window may hold: (1 - objective) x total."""
        return (1 - self.objective_percent / 100) * self.total

    @property
    def left(self) -> float:
        """Share of the budget not spent: 1 untouched, 0 spent, below 0 overspent."""
        if self.total <= 0:
            return 1.0  # no traffic spent nothing
        return 1 - self.bad / self.allowed

    @property
    def spent(self) -> bool:
        return self.left <= 0

    def line(self) -> str:
        ratio = self.bad / self.total if self.total > 0 else 0.0
        return (
            f"{self.sli}: {self.bad:g} bad of {self.total:g} ({ratio:.4%}; objective "
            f"{self.objective_percent:g} %, budget {self.allowed:g}): {self.left:.1%} left"
        )


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    lines: list[str]


def metric_data_queries(sli: dict[str, Any], period: int = PERIOD_SECONDS) -> list[dict]:
    """The SLI's exported queries in GetMetricData's shape; only bad and total are returned."""
    queries: list[dict[str, Any]] = [
        {
            "Id": m["id"],
            "MetricStat": {
                "Metric": {
                    "Namespace": m["namespace"],
                    "MetricName": m["metric"],
                    "Dimensions": [
                        {"Name": name, "Value": value} for name, value in m["dimensions"].items()
                    ],
                },
                "Period": period,
                "Stat": m["stat"],
            },
            "ReturnData": False,
        }
        for m in sli["metrics"]
    ]
    queries += [
        {"Id": key, "Expression": expression, "ReturnData": key in SUMMED}
        for key, expression in sli["expressions"]
    ]
    return queries


def read_sums(
    cloudwatch: Any, sli: dict[str, Any], start: datetime, end: datetime
) -> tuple[float, float]:
    """(bad, total) over [start, end): every returned datapoint summed, every page read."""
    sums = dict.fromkeys(SUMMED, 0.0)
    request: dict[str, Any] = {
        "MetricDataQueries": metric_data_queries(sli),
        "StartTime": start,
        "EndTime": end,
    }
    while True:
        page = cloudwatch.get_metric_data(**request)
        for result in page["MetricDataResults"]:
            if result["StatusCode"] not in ("Complete", "PartialData"):
                raise RuntimeError(f"{result['Id']}: {result['StatusCode']}")
            sums[result["Id"]] += sum(result["Values"])
        if not page.get("NextToken"):
            return sums["bad"], sums["total"]
        request["NextToken"] = page["NextToken"]


@dataclass(frozen=True)
class Heard:
    """The synthetic checks' requests over the last day against the fewest they send working."""

    requests: float
    minimum: float

    @property
    def silent(self) -> bool:
        return self.requests < self.minimum

    def line(self) -> str:
        return (
            f"synthetic checks, last day: {self.requests:g} requests (at least "
            f"{self.minimum:g} expected)"
        )


@dataclass(frozen=True)
class Reading:
    budgets: list[Budget]
    heard: Heard | None  # None: the stack has no `slo` output yet


def budgets(cloudwatch: Any, slo: dict[str, Any], now: datetime) -> list[Budget]:
    start = now - timedelta(days=slo["window_days"])
    found = []
    for key, sli in sorted(slo["slis"].items()):
        bad, total = read_sums(cloudwatch, sli, start, now)
        found.append(Budget(key, slo["objective_percent"], bad, total))
    return found


def heard(cloudwatch: Any, slo: dict[str, Any], now: datetime) -> Heard:
    _, total = read_sums(cloudwatch, slo["slis"][CLIENT_SLI], now - HEARD_OVER, now)
    return Heard(total, slo["checks_min_per_day"])


def read_slo(cloudwatch: Any, slo: dict[str, Any] | None, now: datetime) -> Reading:
    if slo is None:
        return Reading([], None)
    return Reading(budgets(cloudwatch, slo, now), heard(cloudwatch, slo, now))


def decide(read: Callable[[], Reading], spend_anyway: bool) -> Outcome:
    """Open when every SLI has budget left and the checks were heard; else closed, unless
    spending it anyway."""
    try:
        reading = read()
        if reading.heard is None:
            return Outcome(
                0,
                [
                    "no `slo` output on the live stack (its first deploy): no budget to read, "
                    "error budget gate open"
                ],
            )
        lines = [budget.line() for budget in reading.budgets] + [reading.heard.line()]
        spent = [budget.sli for budget in reading.budgets if budget.spent]
        problems = [f"error budget spent ({', '.join(spent)})"] if spent else []
        if reading.heard.silent:
            problems.append("synthetic checks silent (every budget reads untouched without them)")
        problem = "; ".join(problems) or None
    except Exception as error:  # an unreadable budget closes the gate too
        lines, problem = [], f"error budget unreadable: {type(error).__name__}: {error}"
    if problem is None:
        return Outcome(0, [*lines, "error budget gate open"])
    if spend_anyway:
        return Outcome(
            0, [*lines, f"{problem}: releasing anyway (--spend-budget-anyway, fix forward)"]
        )
    return Outcome(
        1,
        [
            *lines,
            f"{problem}: release refused. Fix forward with --spend-budget-anyway "
            "(docs/slo.md, 'The release gate').",
        ],
    )


def write_summary(outcome: Outcome) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a") as summary:
        summary.write("### Error budget before the release\n\n```\n")
        summary.write("\n".join(outcome.lines) + "\n```\n")


def main(argv: list[str] | None = None, cloudwatch: Any = None, now: datetime | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--outputs", required=True, help="the live stack's outputs as JSON")
    parser.add_argument(
        "--spend-budget-anyway",
        action="store_true",
        help="release although the budget is spent (fix forward); logged in the job summary",
    )
    args = parser.parse_args(argv)

    def read() -> Reading:
        with open(args.outputs) as file:
            slo = json.load(file).get("slo")
        client = cloudwatch
        if client is None and slo is not None:
            import boto3

            client = boto3.client("cloudwatch", region_name=slo["region"])
        return read_slo(client, slo, now or datetime.now(UTC))

    outcome = decide(read, args.spend_budget_anyway)
    print("\n".join(outcome.lines), file=sys.stderr if outcome.exit_code else sys.stdout)
    write_summary(outcome)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
