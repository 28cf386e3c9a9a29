"""The local failover drill (bench/failover_drill.py): two regions as `make run` starts them,
behind the health-checking router, one failed while the probe writes and reads."""

from __future__ import annotations

import pytest

from bench.failover_drill import PROBE_TIMEOUT_S, drill_bound_s, run
from hello_stack.failover import FAILURE_THRESHOLD

INTERVAL_S, CHECK_TIMEOUT_S = 0.3, 0.2
# interval x threshold + TTL 0 (no resolver cache) + one check's timeout.
BOUND_S = INTERVAL_S * FAILURE_THRESHOLD + CHECK_TIMEOUT_S
# The bound assumes threads run on time; on 2 cores shared with other test workers a checker can
# wake late. (The bound is a worst case: the exact count of checks before a region is taken out
# is tested in tests/bench/test_failover_router.py.)
JITTER_S = 0.1


def test_the_bound_is_interval_times_threshold_plus_one_check_timeout() -> None:
    assert drill_bound_s(INTERVAL_S, FAILURE_THRESHOLD, CHECK_TIMEOUT_S) == pytest.approx(BOUND_S)
    assert drill_bound_s(10, 3, 2) == 32


@pytest.mark.e2e
@pytest.mark.parametrize("scenario", ["api", "table"])
def test_every_method_moves_to_the_secondary_within_the_bound(scenario: str) -> None:
    result = run(scenario, INTERVAL_S, FAILURE_THRESHOLD, CHECK_TIMEOUT_S, 0.5, 0.5)
    outcomes = result.outcomes
    failures = [o for o in outcomes if not o.ok]
    assert failures, "the failure was never felt: the drill failed nothing"
    first_failure = outcomes.index(failures[0])
    # Before the failure every request succeeded, on the primary.
    assert {(o.ok, o.region) for o in outcomes[:first_failure]} == {(True, "primary")}
    # The router took the primary out within the bound, and users were served again within it
    # (plus one probe request, which may have been in flight at the switch).
    assert result.switch_s is not None and 0 < result.switch_s <= BOUND_S + JITTER_S
    assert result.recover_s <= BOUND_S + PROBE_TIMEOUT_S + JITTER_S
    # After the last failure, writes and reads all succeed, all on the secondary.
    last_failure = outcomes.index(failures[-1])
    after = outcomes[last_failure + 1 :]
    assert len(after) >= 4
    assert {(o.ok, o.region) for o in after} == {(True, "secondary")}
    # A failed region never answered wrongly: killed, it does not answer (502 from the router);
    # cut from its table, it says 503 (retry), or the probe gave up waiting (0).
    expected = {502} if scenario == "api" else {503, 0}
    assert {o.status for o in failures} <= expected
    assert result.wrong_answers == 0
    # Every acknowledged write is readable through the survivor (one shared emulator here: the
    # durability across regions is MRSC's guarantee, not this test's).
    assert result.acknowledged_writes > 0
    assert result.lost_writes == 0


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="scenario must be one of"):
        run("zone")
