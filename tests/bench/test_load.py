"""`make bench`'s load figure: bounded, loopback only, half PUT half GET, p99 by rank."""

from __future__ import annotations

import pytest

from bench import load


def test_the_plan_is_bounded_and_half_put_half_get() -> None:
    plan = load.request_plan(10)
    assert len(plan) == 10
    assert [method for method, _ in plan].count("PUT") == 5
    # Each username is written before it is read.
    assert plan[:2] == [("PUT", "Alice"), ("GET", "Alice")]


def test_p99_is_the_99th_percentile_by_nearest_rank() -> None:
    # Nearest rank: the ceil(0.99 n)-th smallest. 1..100: the 99th, 99 (not the maximum);
    # 1..200 in any order: the 198th, 198; 1..101: ceil(99.99) = the 100th; one value: itself.
    assert load.p99([float(n) for n in range(1, 101)]) == 99.0
    assert load.p99([float(n) for n in range(200, 0, -1)]) == 198.0
    assert load.p99([float(n) for n in range(1, 102)]) == 100.0
    assert load.p99([float(n) for n in range(1, 11)]) == 10.0  # ceil(9.9) = the 10th
    assert load.p99([5.0]) == 5.0


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "http://example.com", "http://0.0.0.0:1"])
def test_load_goes_to_loopback_only(url: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        load.drive_server(url, load.request_plan(2), 1)


@pytest.mark.e2e
def test_a_short_run_against_the_local_server() -> None:
    with load.local_server() as url:
        rate, latencies = load.drive_server(url, load.request_plan(20), 2)
    assert url.startswith("http://127.0.0.1:")
    assert len(latencies) == 20
    assert rate > 0


@pytest.mark.e2e
def test_the_in_process_handler_serves_the_same_plan_and_leaves_the_environment() -> None:
    import os

    before = dict(os.environ)
    with load.restored_environment():
        handlers = load.in_process_handler()
        handle = next(handlers)
        try:
            rate, latencies = load.drive_handler(handle, load.request_plan(10))
            assert handle("GET", "Alice")["statusCode"] == 200  # the PUT before it was stored
        finally:
            handlers.close()
    assert len(latencies) == 10
    assert rate > 0
    assert dict(os.environ) == before
