"""The cost model's arithmetic against figures worked out by hand from AWS's price pages
(us-east-1, as cost/prices.py records them). Each expected value is written out as the sum
a person would do with the price list, not computed by the code under test."""

from __future__ import annotations

import dataclasses
import math

import pytest

from cost import graph, model, prices
from cost.usage import Usage, snap_start_cached_versions

MONTH_S = 730 * 3600  # AWS's billing month

DEV_LIKE = Usage(
    stack="t",
    architecture="arm64",
    memory_mb=1024,
    snap_start=False,
    waf_rules=0,
    log_retention_days=14,
    backup_retention_days=0,
    price_class="PriceClass_100",
    alarm_metrics=10,
    custom_metrics=1,
)
PROD_LIKE = dataclasses.replace(
    DEV_LIKE,
    snap_start=True,
    waf_rules=3,
    log_retention_days=90,
    backup_retention_days=35,
    price_class="PriceClass_All",
)


@pytest.mark.parametrize(
    ("requests", "expected"),
    [
        (0, 0.0),
        (1e6, 1e6 * 3.50 / 1e6),
        (333e6, 333 * 3.50),
        # first 333 M at $3.50/M, next 667 M at $2.80/M
        (1e9, 333 * 3.50 + 667 * 2.80),
        (10e9, 333 * 3.50 + 667 * 2.80 + 9000 * 2.38),
        # ... next 19 B at $2.38/M, over 20 B at $1.51/M
        (25e9, 333 * 3.50 + 667 * 2.80 + 19000 * 2.38 + 5000 * 1.51),
    ],
)
def test_api_gateway_is_priced_by_tier(requests: float, expected: float) -> None:
    assert prices.tiered(requests, prices.API_GATEWAY_REST) == pytest.approx(expected)


def test_lambda_gb_seconds_tiers_start_past_7_5_billion_on_arm64() -> None:
    gb_seconds = 8e9
    expected = 7.5e9 * 0.0000133334 + 0.5e9 * 0.0000120001
    assert prices.tiered(gb_seconds, prices.LAMBDA_GB_SECOND["arm64"]) == pytest.approx(expected)


def test_a_busy_month_has_one_cold_start_per_environment_lifetime() -> None:
    # 10^8 requests: 38 req/s, never idle for 10 minutes; ~0.4 concurrent environments at 11 ms
    # (1,024 MB), so one environment, replaced every 2 hours: 730 h / 2 h.
    assert model.cold_starts(1e8, 1024) == pytest.approx(365)


def test_a_busier_month_keeps_as_many_environments_as_little_s_law_says() -> None:
    # 10^10 requests: 3,805 req/s x 16 ms (256 MB) = 60.9 environments, each replaced every
    # 2 hours (365 a month), never idle.
    rate = 1e10 / MONTH_S
    assert model.cold_starts(1e10, 256) == pytest.approx(rate * 0.016 * 365)
    assert model.cold_starts(1e10, 1769) == pytest.approx(rate * 0.010 * 365)


def test_a_quiet_month_is_mostly_cold_starts() -> None:
    # 10^3 requests: one every 44 minutes on average. Poisson arrivals: a request finds no warm
    # environment when the gap before it exceeds 10 minutes, e^(-600 x rate); the environment
    # otherwise kept is replaced every 2 hours in the busy share of the month.
    idle = math.exp(-600 * 1e3 / MONTH_S)
    assert model.cold_starts(1e3, 1024) == pytest.approx(1e3 * idle + 365 * (1 - idle))
    assert model.cold_starts(1e3, 1024) <= 1e3


def test_lambda_without_snap_start_bills_init_as_duration() -> None:
    # 10^8 requests x 11 ms (1 ms of CPU x 1769/1024 + 9 ms waiting = 10.73, rounded up) x 1 GB,
    # plus 365 inits of 0.25 s x 1769/1024 (CPU-bound below one vCPU), at $0.0000133334 per
    # GB-s; plus $0.20 per million requests.
    init = 0.25 * 1769 / 1024
    gb_seconds = 1e8 * 0.011 + 365 * init
    expected = 100 * 0.20 + gb_seconds * 0.0000133334
    assert model.lambda_compute(DEV_LIKE, 1e8) == pytest.approx(expected, rel=1e-6)


def test_a_smaller_function_bills_its_slower_cpu() -> None:
    # At 256 MB Lambda gives 256/1769 of a vCPU: 1 ms of CPU takes 6.91 ms, + 9 ms waiting =
    # 15.91, billed 16 ms; x 0.25 GB. Init: 0.25 s x 1769/256 for each of the 365.
    small = dataclasses.replace(DEV_LIKE, memory_mb=256)
    gb_seconds = (1e8 * 0.016 + 365 * 0.25 * 1769 / 256) * 0.25
    expected = 100 * 0.20 + gb_seconds * 0.0000133334
    assert model.lambda_compute(small, 1e8) == pytest.approx(expected, rel=1e-6)


def test_lambda_with_snap_start_pays_restores_and_the_cached_snapshots() -> None:
    # The same warm seconds (11 ms at 1 GB), no init; each of the 365 restores is $0.0001397998
    # per GB.
    expected = 100 * 0.20 + 1.1e6 * 0.0000133334 + 365 * 0.0001397998
    assert model.lambda_compute(PROD_LIKE, 1e8) == pytest.approx(expected, rel=1e-6)
    # The cache: the live version all month (2,628,000 GB-s at 1 GB) plus each of 8 releases'
    # superseded version for the 14 days until Lambda drops its uninvoked snapshot
    # (8 x 1,209,600 GB-s), at $0.0000015046 per GB-s: 12,304,800 GB-s, $18.51.
    assert model.snap_start_cache(PROD_LIKE) == pytest.approx(12_304_800 * 0.0000015046)
    assert model.snap_start_cache(PROD_LIKE) == pytest.approx(18.51, abs=0.005)
    assert model.snap_start_cache(DEV_LIKE) == 0


@pytest.mark.parametrize(
    ("releases", "versions"), [(0, 1.0), (8, 1 + 8 * 14 / 30.4167), (30, 1 + 30 * 14 / 30.4167)]
)
def test_each_release_keeps_a_cached_version_for_14_days(releases: float, versions: float) -> None:
    # A 730-hour month is 30.4167 days; a version superseded by a release stays cached 14 days.
    assert snap_start_cached_versions(releases) == pytest.approx(versions, rel=1e-5)


def test_dynamodb_half_strongly_consistent_reads_half_writes() -> None:
    # 0.5 M reads at 1 RRU ($0.125/M) + 0.5 M writes at 1 WRU ($0.625/M).
    assert model.dynamodb_requests(1e6) == pytest.approx(0.5 * 0.125 + 0.5 * 0.625)


def test_table_at_rest_with_pitr_and_35_daily_backups() -> None:
    # 1 M users x 200 bytes = 0.2 GB: storage $0.25 + PITR $0.20 + 35 backups x $0.10, per GB.
    assert model.table_at_rest(PROD_LIKE) == pytest.approx(0.2 * (0.25 + 0.20 + 35 * 0.10))
    assert model.table_at_rest(DEV_LIKE) == pytest.approx(0.2 * (0.25 + 0.20))


def test_cloudfront_price_class_100_bills_everyone_at_north_america_europe_rates() -> None:
    # 10^6 HTTPS requests at $0.0100 per 10,000, 0.5 GB out at $0.085, 0.7 GB to the origin at
    # $0.020.
    assert model.cloudfront(DEV_LIKE, 1e6) == pytest.approx(1.00 + 0.5 * 0.085 + 0.7 * 0.020)


def test_cloudfront_price_class_all_bills_each_region_at_its_rate() -> None:
    north_america_europe = 0.80 * (1.00 + 0.5 * 0.085 + 0.7 * 0.020)
    asia_pacific = 0.15 * (1.20 + 0.5 * 0.120 + 0.7 * 0.060)
    south_america = 0.05 * (2.20 + 0.5 * 0.110 + 0.7 * 0.125)
    expected = north_america_europe + asia_pacific + south_america
    assert model.cloudfront(PROD_LIKE, 1e6) == pytest.approx(expected)


def test_price_class_200_serves_south_america_from_north_america_europe() -> None:
    assert model.edge_share("PriceClass_200") == pytest.approx(
        {"north_america_europe": 0.85, "asia_pacific": 0.15}
    )
    for price_class in prices.PRICE_CLASS_EDGES:
        assert sum(model.edge_share(price_class).values()) == pytest.approx(1)


def test_waf_is_per_acl_per_rule_and_per_request_only_when_on() -> None:
    assert model.waf(PROD_LIKE, 1e6) == pytest.approx(5.00 + 3 * 1.00 + 0.60)
    assert model.waf(DEV_LIKE, 1e6) == 0


def test_logs_are_ingested_and_kept_for_the_retention() -> None:
    # 10^6 x 950 bytes = 0.95 GB at $0.50, kept 90 days (90/30.4 months) at $0.03 per GB-month.
    expected = 0.95 * (0.50 + 90 / 30.4 * 0.03)
    assert model.logs(PROD_LIKE, 1e6, 950) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("requests", "traces"),
    [
        (1e6, 1e6),  # under 1 req/s: the reservoir records every request
        (MONTH_S, MONTH_S),  # exactly 1 req/s
        (MONTH_S * 101, MONTH_S * (1 + 0.05 * 100)),  # 101 req/s: 1 + 5 % of the other 100
    ],
)
def test_xray_default_sampling(requests: float, traces: float) -> None:
    assert model.xray_traces(requests) == pytest.approx(traces)


def test_monitoring_is_alarm_metrics_composites_custom_metrics_and_the_dashboard() -> None:
    # $0.10 per alarm metric, $0.50 per composite alarm, $0.30 per custom metric, $3 a dashboard.
    assert model.monitoring(DEV_LIKE) == pytest.approx(10 * 0.10 + 1 * 0.30 + 3.00)
    with_composites = dataclasses.replace(DEV_LIKE, alarm_metrics=50, composite_alarms=4)
    assert model.monitoring(with_composites) == pytest.approx(50 * 0.10 + 4 * 0.50 + 0.30 + 3.00)


def test_serverless_is_the_sum_of_its_line_items() -> None:
    items = model.serverless(PROD_LIKE, 1e6)
    assert items["api_gateway"] == pytest.approx(3.50)
    assert items["xray"] == pytest.approx(5.00)
    assert items["extras"] == 0
    assert items["synthetic_checks"] == items["restore_tests"] == 0  # PROD_LIKE has neither
    assert model.monthly(items) == pytest.approx(sum(items.values()))
    assert model.per_million(items, 1e6) == pytest.approx(model.monthly(items))


def test_fargate_task_and_the_idle_alb() -> None:
    # 0.5 vCPU x $0.03238 + 1 GB x $0.00356 an hour, 730 hours.
    assert model.fargate_task_month(DEV_LIKE) == pytest.approx((0.5 * 0.03238 + 0.00356) * 730)
    # An idle ALB: $0.0225 an hour; four public IPv4 addresses (2 tasks, 2 ALB nodes).
    assert model.alb(0) == pytest.approx(0.0225 * 730)
    assert model.public_addresses(2) == pytest.approx(4 * 0.005 * 730)


@pytest.mark.parametrize(
    ("requests", "tasks"),
    [
        (1e4, 2),  # never fewer than two (two zones)
        (1e8, 2),  # 38 req/s average, 114 at peak: under 2 x 150
        (1e9, 8),  # 380.5 average, 1,141.6 peak / 150 = 7.6
    ],
)
def test_always_on_tasks_cover_the_peak(requests: float, tasks: int) -> None:
    assert model.tasks_needed(requests) == tasks


def test_always_on_costs_the_same_shared_items() -> None:
    lean, steady = model.serverless(PROD_LIKE, 1e7), model.always_on(PROD_LIKE, 1e7)
    for shared in ("cloudfront", "dynamodb", "waf", "xray", "monitoring"):
        assert lean[shared] == steady[shared], shared
    assert steady["fargate"] == pytest.approx(2 * (0.5 * 0.03238 + 0.00356) * 730)


def test_crossover_is_where_the_totals_meet() -> None:
    found = model.crossover(PROD_LIKE)
    assert found is not None and 1e6 < found < 1e8
    lean = model.monthly(model.serverless(PROD_LIKE, found))
    steady = model.monthly(model.always_on(PROD_LIKE, found))
    assert lean == pytest.approx(steady, rel=0.005)
    below = found / 2
    assert model.monthly(model.serverless(PROD_LIKE, below)) < model.monthly(
        model.always_on(PROD_LIKE, below)
    )


def test_no_crossover_when_serverless_never_costs_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "TASK_RPS", 1e-3)  # an always-on design needing huge fleets
    assert model.crossover(DEV_LIKE) is None


def test_extras_default_to_nothing() -> None:
    assert model.extras_cost(PROD_LIKE, 1e6, model.NONE, standby=100.0) == 0


def test_a_replica_region_pays_replicated_writes_its_table_alarms_and_standby() -> None:
    # 0.5 M writes x $0.625/M replicated, 0.5 M x 200 bytes across regions at $0.02/GB, the
    # replica's 0.2 GB at rest, its alarms and dashboard, and the standby compute passed in.
    standby = 7.0
    expected = (
        0.5 * 0.625
        + 0.5e6 * 200 / 1e9 * 0.02
        + model.table_at_rest(PROD_LIKE)
        + model.monitoring(PROD_LIKE)
        + standby
    )
    extras = model.Extras(replica_regions=1)
    assert model.extras_cost(PROD_LIKE, 1e6, extras, standby) == pytest.approx(expected)


def test_standby_regions_cost_more_for_the_always_on_design() -> None:
    extras = model.Extras(replica_regions=1)
    lean = model.serverless(PROD_LIKE, 1e6, extras)["extras"]
    steady = model.always_on(PROD_LIKE, 1e6, extras)["extras"]
    idle_fleet = 2 * model.fargate_task_month(PROD_LIKE) + 0.0225 * 730 + 4 * 0.005 * 730
    assert steady - lean == pytest.approx(idle_fleet - model.snap_start_cache(PROD_LIKE))


def test_every_figure_is_finite_and_grows_with_traffic() -> None:
    for usage in (DEV_LIKE, PROD_LIKE):
        totals = [model.monthly(model.serverless(usage, n)) for n in model.TABLE_COUNTS]
        assert all(math.isfinite(total) for total in totals)
        assert totals == sorted(totals)


def test_a_second_region_costs_its_replica_health_checks_and_their_requests() -> None:
    """Hand-computed from the list prices: a replica bills each write again (a replicated write
    unit, $0.625 per million, and its bytes between regions, $0.02 per GB) and its storage and
    PITR; each health check $0.50 plus $1 per optional feature (HTTPS, the 10 s interval); the
    checkers' requests (16 per check every 10 s: an estimate) a strong read each ($0.125 per
    million), and API Gateway bills them with the users' ($3.50 per million)."""
    two = dataclasses.replace(
        PROD_LIKE,
        replicas=1,
        health_checks=(graph.HealthCheck(10.0, 2), graph.HealthCheck(10.0, 2)),
    )
    requests = 1e6
    writes = requests / 2  # half the requests are PUTs, one write unit each
    health = 2 * 16 * MONTH_S / 10
    item_bytes = 200  # 100 bytes of item and DynamoDB's 100 of overhead
    at_rest = 1e6 * item_bytes / 1e9 * (0.25 + 0.20 + 35 * 0.10)
    expected = (
        writes * 0.625e-6
        + writes * item_bytes / 1e9 * 0.02
        + at_rest
        + 2 * (0.50 + 2 * 1.00)
        + health * 0.125e-6
    )
    assert model.regions(two, requests) == pytest.approx(expected)
    assert model.regions(PROD_LIKE, requests) == 0
    assert model.health_check_requests(two) == pytest.approx(health)
    gateway = model.serverless(two, requests)["api_gateway"]
    assert gateway - model.serverless(PROD_LIKE, requests)["api_gateway"] == pytest.approx(
        health * 3.50e-6
    )
