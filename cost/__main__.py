"""`make cost`: cost per million requests and per month at 10^4 ... 10^10 requests a month for
every stack file, the always-on alternative and the crossover, the limits in the order they
bind; writes docs/cost.svg from the same numbers. `--markdown` prints the section that
docs/architecture.md holds (a test keeps the two identical)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import pulumi

from cost import chart, model, prices
from cost.usage import (
    RELEASES_PER_MONTH,
    SNAPSHOT_IDLE_DAYS,
    Usage,
    load_settings,
    snap_start_cached_versions,
    usage_for,
)
from hello_stack import limits, workload
from hello_stack.config import StackConfig

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "docs" / "cost.svg"


def stacks() -> list[str]:
    return sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))


def describe(usage: Usage) -> str:
    return (
        f"{usage.architecture}, {usage.memory_mb} MB, "
        f"SnapStart {'on' if usage.snap_start else 'off'}, "
        f"WAF {f'{usage.waf_rules} rules' if usage.waf_rules else 'off'}, logs kept "
        f"{usage.log_retention_days} days, backups "
        f"{f'{usage.backup_retention_days} days' if usage.backup_retention_days else 'off'}, "
        f"{usage.price_class}, {usage.alarm_metrics} alarm metrics and "
        f"{usage.composite_alarms} composite alarms, {usage.custom_metrics} custom metrics "
        "from logs; "
        f"synthetic checks {describe_checks(usage)}; restore tests "
        + (
            f"{usage.restore_tests_per_month:.1f} a month"
            if usage.restore_tests_per_month
            else "off"
        )
    )


def describe_checks(usage: Usage) -> str:
    if not usage.checks:
        return "off"
    where = ", ".join(location.location for location in usage.checks)
    return f"from {where} ({model.check_requests(usage):,.0f} requests a month)"


def rate(rps: float) -> str:
    return f"{rps:,.0f}" if rps >= 10 else f"{rps:.3g}"


def millions(requests: float) -> str:
    return f"{requests / 1e6:,.1f} M"


def over_throttle(settings: StackConfig, requests: float) -> bool:
    """The busiest minute passes the rate at which the stage's per-method throttle binds."""
    return workload.peak_rps(requests) > limits.stage_binds_at_rps(settings)


def rows(usage: Usage, settings: StackConfig, extras: model.Extras) -> list[list[str]]:
    found = []
    for requests in model.TABLE_COUNTS:
        lean = model.serverless(usage, requests, extras)
        steady = model.always_on(usage, requests, extras)
        found.append(
            [
                f"10^{len(str(requests)) - 1}",
                rate(workload.average_rps(requests)),
                f"${model.monthly(lean):,.2f}",
                f"${model.per_million(lean, requests):,.2f}",
                f"${model.monthly(steady):,.2f}",
                f"${model.per_million(steady, requests):,.2f}",
                "over the stage throttle" if over_throttle(settings, requests) else "",
            ]
        )
    return found


HEADER = [
    "requests/month",
    "average req/s",
    "serverless $/month",
    "$/M",
    "always-on $/month",
    "$/M",
    "note",
]


def crossover_line(usage: Usage, extras: model.Extras) -> str:
    found = model.crossover(usage, extras)
    if found is None:
        return "crossover: none between 10^3 and 10^12 requests a month"
    return (
        f"crossover: serverless costs more than always-on from {millions(found)} requests a "
        f"month ({workload.average_rps(found):.1f} req/s average)"
    )


def items_line(usage: Usage, extras: model.Extras) -> str:
    items = model.serverless(usage, 1e6, extras)
    shown = ", ".join(f"{name} ${value:,.2f}" for name, value in items.items() if value >= 0.005)
    return f"a million requests a month: ${model.monthly(items):,.2f} ({shown})"


def features_line(usage: Usage, extras: model.Extras) -> str:
    """What the synthetic checks add at a million user requests a month: their own bill and
    their requests through the stack (the difference they make to every service's line)."""
    if not usage.checks:
        return "synthetic checks: none"
    with_checks = model.monthly(model.serverless(usage, 1e6, extras))
    without = model.monthly(model.serverless(dataclasses.replace(usage, checks=()), 1e6, extras))
    own = model.synthetic_checks(usage)
    return (
        f"the synthetic checks add ${with_checks - without:,.2f} a month at a million requests "
        f"(their functions, metrics and logs ${own:,.2f}; their "
        f"{model.check_requests(usage):,.0f} requests through the stack "
        f"${with_checks - without - own:,.2f})"
    )


def limit_rows(settings: StackConfig, markdown: bool) -> list[list[str]]:
    return [
        [
            f"{rate(limit.binds_at_rps)} req/s",
            limit.applies_to,
            f"[{limit.what}]({limit.source})" if markdown else limit.what,
            limit.value,
            limit.warning,
        ]
        for limit in limits.limits(settings)
    ]


LIMIT_HEADER = ["binds at", "for", "limit", "value", "seen coming by"]


def text_table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *body]
    ]
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def report(extras: model.Extras, markdown: bool) -> str:
    table = markdown_table if markdown else text_table
    regions = sorted({load_settings(stack).region for stack in stacks()})
    out = [
        f"List prices: {prices.PRICED_REGION}, read {prices.READ_ON} (cost/prices.py names each "
        f"source), while the stacks run in {', '.join(regions)}, where {prices.REGIONAL_GAP}: "
        f"the figures are a floor. {workload.GET_SHARE:.0%} GET / {workload.PUT_SHARE:.0%} PUT; "
        f"SnapStart caches {snap_start_cached_versions():.1f} versions on average "
        f"({RELEASES_PER_MONTH:g} releases a month, each cached {SNAPSHOT_IDLE_DAYS} days after "
        f"it is superseded); always-on: {model.MIN_TASKS}+ Fargate tasks ({model.TASK_VCPU:g} "
        f"vCPU, {model.TASK_GB:g} GB, {model.TASK_RPS:g} req/s each, an unmeasured estimate, at "
        f"a peak of {workload.PEAK_TO_AVERAGE:g}x the average) behind an ALB, same CloudFront, "
        "WAF and table."
    ]
    if extras != model.NONE:
        out.append(f"Extras: {extras}")
    for stack in stacks():
        settings = load_settings(stack)
        usage = usage_for(stack, settings)
        heading = f"### {stack}" if markdown else f"== {stack} (Pulumi.{stack}.yaml)"
        out += ["", heading, "", describe(usage) + ".", ""]
        out += [table(HEADER, rows(usage, settings, extras)), ""]
        out += [crossover_line(usage, extras) + ".", items_line(usage, extras) + "."]
        out += [features_line(usage, extras) + ".", ""]
        out += [f"Limits of {stack}, the first to bind first:", ""]
        out.append(table(LIMIT_HEADER, limit_rows(settings, markdown)))
        if not markdown:
            sources = sorted({limit.source for limit in limits.limits(settings)})
            out += ["", "Sources of the limits:", *(f"  {source}" for source in sources)]
    return "\n".join(out) + "\n"


def write_chart(extras: model.Extras, path: Path = CHART) -> Path:
    series, markers = [], []
    points = [10 ** (exponent / 4) for exponent in range(16, 41)]
    for group, stack in enumerate(stacks()):
        settings = load_settings(stack)
        usage = usage_for(stack, settings)
        series.append(
            chart.Series(
                f"{stack} serverless",
                [(n, model.monthly(model.serverless(usage, n, extras))) for n in points],
                group=group,
            )
        )
        series.append(
            chart.Series(
                f"{stack} always-on",
                [(n, model.monthly(model.always_on(usage, n, extras))) for n in points],
                dashed=True,
                group=group,
            )
        )
        throttle = limits.stage_binds_at_rps(settings) / workload.PEAK_TO_AVERAGE
        markers.append(chart.Marker(f"{stack} stage throttle", throttle * workload.MONTH_SECONDS))
        found = model.crossover(usage, extras)
        if found is not None:
            markers.append(chart.Marker(f"{stack} crossover", found))
    title = f"hello: cost a month ({prices.PRICED_REGION} list prices, {prices.READ_ON})"
    path.write_text(chart.svg(title, series, markers))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="the docs' section, as Markdown")
    parser.add_argument(
        "--replica-regions", type=int, default=0, help="standby regions no stack file has yet"
    )
    parser.add_argument("--no-chart", action="store_true")
    args = parser.parse_args(argv)
    if args.replica_regions < 0:
        parser.error("extras cannot be negative")
    extras = model.Extras(args.replica_regions)
    try:
        sys.stdout.write(report(extras, args.markdown))
        if not args.no_chart and not args.markdown:
            print(f"\nchart: {write_chart(extras).relative_to(ROOT)}")
    except pulumi.RunError as error:  # a stack file breaks a rule of hello_stack/config.py
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
